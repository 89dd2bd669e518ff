"""Reference maps of LeGrad (torchcam HEAD's `LeGrad`, shared/vendor/anchors/torchcam/methods/gradient.py, f44afef),
in the format of make_pgc.py (counter weights and inputs, index-legrad.json next to this file):

    PYTHONPATH=/work/shared/vendor/anchors /usr/bin/python3 make_legrad.py

THIS IS A PORT, NOT torchcam's CODE RUNNING. torchcam's LeGrad hooks nn.MultiheadAttention with
`register_forward_pre_hook(..., with_kwargs=True)` and `register_forward_hook(..., with_kwargs=True)`, which PyTorch
added in 2.0; Debian's python3-torch is 1.13, where constructing torchcam's LeGrad fails (the script tries it and prints
the error). So `legrad` below re-does, in plain torch 1.13, exactly what torchcam's hooks and `_get_weights` /
`compute_cams` do, step for step (the comments name torchcam's lines):

- each target block's `self_attention` (nn.MultiheadAttention, batch first) is called with need_weights=True,
  average_attn_weights=False, and its output replayed from the returned per-head probabilities A (value projection,
  A @ V, out_proj), so that A is the tensor the block's output depends on (`_prepare_attention`, `_capture_attention`);
  when nothing upstream requires gradients the query is detached and made to require them, as torchcam does;
- the block's score is torchcam's default projection for torchvision's VisionTransformer, heads(encoder.ln(tokens
  .mean(1))) of the block's output tokens (`project_tokens`, `_hook_a`);
- relevance = ReLU(d score_c / dA).mean over heads and queries, prefix (class-token) key dropped, reshaped to the
  square patch grid; the map is the mean over blocks, normalised by torchcam's `_normalize` (min-max, eps 1e-8).

Model: torchvision 0.14's VisionTransformer class at reduced sizes (`vit_config`; vit_b_16's 86M weights would make
the cases slow for no gain: the formula does not depend on the width), counter weights as make_modern.py fills them.
Each case stores the map for every target layer (Cam gives each block's layer the averaged map) and as the fused map.
"""
import json
import os
import sys

import torch
import torch.nn.functional as F
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "modern"))
from make_modern import fill, image, save_safetensors, SEED  # noqa: E402

REFERENCE = "port of torchcam f44afef LeGrad to torch 1.13.0a0 / torchvision 0.14.1a0"
NUM_CLASSES = 10
TINY = {"image_size": 32, "patch_size": 8, "num_layers": 3, "num_heads": 4, "hidden_dim": 48, "mlp_dim": 96}
WIDE_GRID = {"image_size": 48, "patch_size": 8, "num_layers": 2, "num_heads": 2, "hidden_dim": 32, "mlp_dim": 64}
BLOCK = "encoder.layers.encoder_layer_{}"

# (case, vit config, Cam's target layers, the blocks they stand for, input shape, class per image, normalised)
CASES = [
    ("legrad_vit_last_block", TINY, [BLOCK.format(2)], [2], [2, 3, 32, 32], [3, 7], True),
    ("legrad_vit_three_blocks", TINY, [BLOCK.format(i) for i in range(3)], [0, 1, 2], [3, 3, 32, 32], [0, 5, 9], True),
    ("legrad_vit_raw", TINY, [BLOCK.format(1), BLOCK.format(2)], [1, 2], [2, 3, 32, 32], [8, 2], False),
    # the ViT's default target layer, the last block's ln_1, stands for that block
    ("legrad_vit_ln_1", TINY, [BLOCK.format(2) + ".ln_1"], [2], [2, 3, 32, 32], [1, 4], True),
    ("legrad_vit_6x6_grid", WIDE_GRID, [BLOCK.format(0), BLOCK.format(1)], [0, 1], [2, 3, 48, 48], [6, 3], True),
]


def torchcam_legrad_runs(model):
    """Whether torchcam's own LeGrad can be built on this torch (it cannot on 1.13); prints why not."""
    try:
        from torchcam.methods import LeGrad
        extractor = LeGrad(model, [BLOCK.format(0)])
        extractor.remove_hooks()
        return True
    except Exception as e:  # noqa: BLE001
        print(f"torchcam's LeGrad does not run on torch {torch.__version__}: {type(e).__name__}: {e}")
        return False


class CapturedAttention(torch.nn.Module):
    """nn.MultiheadAttention as torchcam's LeGrad hooks leave it: per-head probabilities kept, output replayed from them."""

    def __init__(self, attention):
        super().__init__()
        self.attention = attention
        self.probabilities = None

    def forward(self, query, key, value, need_weights=True, **kwargs):
        module = self.attention
        assert query is key and query is value, "LeGrad only supports self-attention"
        if not (query.requires_grad or module.in_proj_weight.requires_grad or module.in_proj_bias.requires_grad):
            query = query.detach().requires_grad_()  # _prepare_attention
        _, attention = module(query, query, query, need_weights=True, average_attn_weights=False, **kwargs)
        # _capture_attention: replay the aggregation so that the captured probabilities are what the output uses
        batch_size, source_length, embed_dim = query.shape
        v = F.linear(query, module.in_proj_weight[2 * embed_dim:], module.in_proj_bias[2 * embed_dim:])
        v = v.reshape(batch_size, source_length, module.num_heads, embed_dim // module.num_heads).transpose(1, 2)
        out = torch.matmul(attention, v).transpose(1, 2).reshape(batch_size, attention.shape[-2], embed_dim)
        self.probabilities = attention
        return module.out_proj(out), None


def legrad(model, blocks, x, classes, normalized):
    layers = list(model.encoder.layers)
    captured, tokens, originals = [], [], []
    for b in blocks:
        block = layers[b]
        originals.append(block.self_attention)
        block.self_attention = CapturedAttention(block.self_attention)
        captured.append(block.self_attention)
    handles = [layers[b].register_forward_hook(lambda _m, _i, out: tokens.append(out)) for b in blocks]
    try:
        logits = model(x)
    finally:
        for h in handles:
            h.remove()
        for b, original in zip(blocks, originals):
            layers[b].self_attention = original
    index = torch.tensor(classes).view(-1, 1)
    relevances = []
    for out, attention in zip(tokens, captured):
        scores = model.heads(model.encoder.ln(out.mean(dim=1)))  # project_tokens
        selected = scores.gather(1, index).squeeze(1)
        grad = torch.autograd.grad(selected.sum(), attention.probabilities, retain_graph=True)[0]
        relevances.append(grad.relu().mean(dim=(1, 2))[:, 1:])  # prefix_tokens = 1
    side = int(round(relevances[0].shape[-1] ** 0.5))
    maps = [r.reshape(r.shape[0], side, side) for r in relevances]
    with torch.no_grad():
        cam = torch.stack(maps).mean(dim=0)
        if normalized:  # _normalize, eps 1e-8
            cam.sub_(cam.flatten(start_dim=-2).min(-1).values[:, None, None])
            cam.div_(cam.flatten(start_dim=-2).max(-1).values[:, None, None] + 1e-8)
    return logits.detach(), cam


def main():
    index = []
    checked = False
    for case, config, layers, blocks, shape, classes, normalized in CASES:
        model = fill(torchvision.models.VisionTransformer(num_classes=NUM_CLASSES, **config), SEED)
        if not checked:
            if torchcam_legrad_runs(model):
                print("torchcam's LeGrad builds on this torch: compare it with this port before trusting either")
            checked = True
        key = f"input.{case}"
        x = image(key, shape)
        logits, cam = legrad(model, blocks, x, classes, normalized)
        tensors = {"logits": logits, **{f"expected.{layer}": cam for layer in layers}}
        if len(layers) > 1:
            tensors["expected.fused"] = cam
        meta = {
            "case": case, "method": "legrad", "arch": "VisionTransformer", "vit_config": json.dumps(config),
            "weights": f"counter:{SEED}", "num_classes": str(NUM_CLASSES), "target_layers": ",".join(layers),
            "class_idx": json.dumps(classes), "normalized": "true" if normalized else "false", "input_key": key,
            "input_shape": ",".join(map(str, shape)), "input_seed": str(SEED), "reference": REFERENCE,
        }
        save_safetensors(os.path.join(HERE, case + ".safetensors"), tensors, meta)
        index.append(meta)
        print(case, {k: list(v.shape) for k, v in tensors.items()}, "range", float(cam.min()), float(cam.max()))
    with open(os.path.join(HERE, "index-legrad.json"), "w") as f:
        json.dump(index, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
