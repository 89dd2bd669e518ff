"""Reference data for the modern architectures (vit_b_16, vit_b_32, convnext_tiny, efficientnet_b0), made with
Debian's python3-torch 1.13 and python3-torchvision 0.14: /usr/bin/python3 make_modern.py (writes next to this file).

Weights and inputs are not stored: both sides fill every state_dict tensor from a counter-based generator keyed by the
tensor's name (splitmix64 of FNV-1a(name) + index, 24 bits, exact in float32), so the C# test makes the same values
(DeterministicWeights.cs); a ViT's head, which torchvision starts at zero, gets values like every other weight.
What is stored is what PyTorch computes from them:

- logits.safetensors: torchvision's logits for each architecture, on inputs of several sizes (the CNNs non-square too);
- vit_scorecam.safetensors: a reduced ViT (torchvision's VisionTransformer class, 3 layers, 48 wide, 32x32 input,
  8x8 patches) with its logits and the Score-CAM maps of its last block's first layer norm, computed here with a
  forward hook and Score-CAM written out (tokens without the class token folded into the 4x4 patch grid, as
  pytorch-grad-cam's reshape_transform does);
- vit_gradcam.safetensors: Grad-CAM of the same layer, written out with autograd (a hook keeps the token output in
  the graph; per class rank the gradient of the batch's summed class scores; activations and gradients folded alike):
  /usr/bin/python3 make_modern.py --gradcam-only writes it alone;
- vit_scripted/: the same reduced ViT exported by torch.jit.trace so that forward returns (logits, ln_1 tokens), as a
  model package whose model.json declares that output a token sequence with one prefix token.
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from safetensors_io import save_safetensors  # noqa: E402
MASK = (1 << 64) - 1

# The reduced ViT of the map tests; ViTTiny in the C# tests has the same numbers.
TINY = dict(image_size=32, patch_size=8, num_layers=3, num_heads=4, hidden_dim=48, mlp_dim=96)
TINY_CLASSES = 10
TINY_LAYER = "encoder.layers.encoder_layer_2.ln_1"
SEED = 16


def fnv1a64(text):
    h = 0xCBF29CE484222325
    for b in text.encode("utf-8"):
        h = ((h ^ b) * 0x100000001B3) & MASK
    return h


def uniform(key, count, seed):
    """count values in [-1, 1), multiples of 2^-23: splitmix64(fnv1a64(key) ^ seed + i) >> 40, centred."""
    with np.errstate(over="ignore"):
        z = np.arange(count, dtype=np.uint64) + np.uint64((fnv1a64(key) ^ seed) & MASK)
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return ((z >> np.uint64(40)).astype(np.int64) - (1 << 23)).astype(np.float32) / np.float32(1 << 23)


def values(name, shape, seed):
    """The value of a state_dict entry: statistics, gains and biases near their usual ranges, weights by fan-in."""
    count = int(np.prod(shape)) if len(shape) else 1
    u = uniform(name, count, seed)
    if name.endswith("running_var"):
        # [0.4, 1.2]: where a random EfficientNet's input still shows in its logits (at [0.5, 1.5] it fades)
        v = u * np.float32(0.4) + np.float32(0.8)
    elif name.endswith("running_mean"):
        v = u * np.float32(0.1)
    elif len(shape) == 1 and name.endswith("weight"):
        v = u * np.float32(0.2) + np.float32(1)
    elif len(shape) <= 1:
        v = u * np.float32(0.1)
    else:
        v = u * np.float32(math.sqrt(6.0 / (count // shape[0])))
    return torch.from_numpy(v.reshape(shape))


def fill(model, seed):
    state = model.state_dict()
    for name, tensor in state.items():
        if tensor.dtype.is_floating_point:
            state[name] = values(name, list(tensor.shape), seed)
    model.load_state_dict(state)
    return model.eval()


def image(key, shape):
    return torch.from_numpy(uniform(key, int(np.prod(shape)), SEED).reshape(shape))


# (case, architecture, input shape): ViTs at their image size only, the CNNs at square and non-square sizes.
LOGIT_CASES = [
    ("vit_b_16", "vit_b_16", [1, 3, 224, 224]),
    ("vit_b_32", "vit_b_32", [2, 3, 224, 224]),
    ("convnext_tiny", "convnext_tiny", [2, 3, 64, 64]),
    ("convnext_tiny.nonsquare", "convnext_tiny", [1, 3, 96, 64]),
    ("efficientnet_b0", "efficientnet_b0", [2, 3, 64, 64]),
    ("efficientnet_b0.nonsquare", "efficientnet_b0", [1, 3, 72, 100]),
]


def make_logits():
    out = {}
    for case, arch, shape in LOGIT_CASES:
        model = fill(getattr(torchvision.models, arch)(num_classes=10), SEED)
        with torch.no_grad():
            out[case] = model(image(f"input.{case}", shape))
    save_safetensors(os.path.join(HERE, "logits.safetensors"), out,
                     {"cases": json.dumps({c: {"arch": a, "shape": s} for c, a, s in LOGIT_CASES}), "seed": str(SEED)})


def tiny_vit():
    return fill(torchvision.models.VisionTransformer(num_classes=TINY_CLASSES, **TINY), SEED)


def tokens_to_grid(tokens, height, width, patch):
    """(N, 1 + h*w, D) -> (N, D, h, w): the class token dropped, the rest folded row-major into the patch grid."""
    h, w = height // patch, width // patch
    return tokens[:, 1:, :].reshape(tokens.shape[0], h, w, tokens.shape[2]).permute(0, 3, 1, 2)


def score_cam(model, layer, x, classes):
    """Score-CAM written out: maps (N, K, h, w), normalised, for classes (N, K)."""
    captured = {}
    handle = model.get_submodule(layer).register_forward_hook(lambda m, i, o: captured.__setitem__("a", o.detach()))
    with torch.no_grad():
        logits = model(x)
    handle.remove()
    acts = tokens_to_grid(captured["a"], x.shape[2], x.shape[3], TINY["patch_size"])
    n, c, h, w = acts.shape
    masks = acts - acts.amin(dim=(2, 3), keepdim=True)
    masks = masks / (masks.amax(dim=(2, 3), keepdim=True) + 1e-8)
    upsampled = F.interpolate(masks.reshape(n * c, 1, h, w), size=x.shape[2:], mode="bilinear", align_corners=False)
    upsampled = upsampled.reshape(n, c, 1, x.shape[2], x.shape[3])
    maps = torch.empty(n, classes.shape[1], h, w)
    for i in range(n):
        with torch.no_grad():
            masked_logits = model(upsampled[i] * x[i:i + 1])  # (C, classes)
        for j in range(classes.shape[1]):
            k = int(classes[i, j])
            weights = torch.softmax(masked_logits[:, k] - logits[i, k], dim=0)
            cam = torch.relu((weights[:, None, None] * acts[i]).sum(0))
            cam = cam - cam.min()
            maps[i, j] = cam / (cam.max() + 1e-8)
    return logits, acts, maps


def grad_cam(model, layer, x, classes):
    """Grad-CAM written out with autograd: a hook keeps the layer's token output in the graph; per class rank, the
    gradient of the batch's summed class scores with respect to it; activations and gradients folded alike."""
    captured = {}
    handle = model.get_submodule(layer).register_forward_hook(lambda m, i, o: captured.__setitem__("a", o))
    logits = model(x)
    handle.remove()
    size, patch = x.shape[2], TINY["patch_size"]
    acts = tokens_to_grid(captured["a"].detach(), size, size, patch)
    maps = torch.empty(x.shape[0], classes.shape[1], acts.shape[2], acts.shape[3])
    for j in range(classes.shape[1]):
        score = logits.gather(1, classes[:, j:j + 1]).sum()
        (grad,) = torch.autograd.grad(score, captured["a"], retain_graph=True)
        weights = tokens_to_grid(grad, size, size, patch).mean(dim=(2, 3))
        cam = torch.relu((weights[:, :, None, None] * acts).sum(1))
        cam = cam - cam.flatten(1).min(1).values[:, None, None]
        maps[:, j] = cam / (cam.flatten(1).max(1).values[:, None, None] + 1e-8)
    return maps


def make_vit_gradcam():
    model = tiny_vit()
    x = image("input.vit_tiny", [2, 3, TINY["image_size"], TINY["image_size"]])
    classes = torch.tensor([[3, 7], [0, 9]])
    save_safetensors(os.path.join(HERE, "vit_gradcam.safetensors"),
                     {"classes": classes, "expected": grad_cam(model, TINY_LAYER, x, classes)},
                     {"config": json.dumps(TINY), "layer": TINY_LAYER, "seed": str(SEED)})


class WithTokens(torch.nn.Module):
    """forward returns (logits, the named layers' outputs), the outputs caught by forward hooks while tracing."""

    def __init__(self, model, layers):
        super().__init__()
        self.model = model
        self.layers = layers

    def forward(self, x):
        caught = {}
        handles = [self.model.get_submodule(name).register_forward_hook(
            lambda m, i, o, name=name: caught.__setitem__(name, o)) for name in self.layers]
        logits = self.model(x)
        for h in handles:
            h.remove()
        return (logits,) + tuple(caught[name] for name in self.layers)


def make_vit_maps():
    model = tiny_vit()
    x = image("input.vit_tiny", [2, 3, TINY["image_size"], TINY["image_size"]])
    classes = torch.tensor([[3, 7], [0, 9]])
    logits, acts, maps = score_cam(model, TINY_LAYER, x, classes)
    save_safetensors(os.path.join(HERE, "vit_scorecam.safetensors"),
                     {"logits": logits, "activation": acts, "classes": classes, "expected": maps},
                     {"config": json.dumps(TINY), "layer": TINY_LAYER, "seed": str(SEED)})

    package = os.path.join(HERE, "vit_scripted")
    os.makedirs(package, exist_ok=True)
    # Traced with gradients enabled, so that attention is recorded as plain operations (under no_grad PyTorch 1.13
    # takes a fused fast path); the tracer's own check compares a no_grad run, hence check_trace=False and the
    # explicit check below, at another batch size.
    traced = torch.jit.trace(WithTokens(model, [TINY_LAYER]).eval(), x, check_trace=False)
    probe = image("input.vit_tiny.probe", [5, 3, TINY["image_size"], TINY["image_size"]])
    with torch.no_grad():
        eager_logits, eager_tokens = WithTokens(model, [TINY_LAYER])(probe)
        traced_logits, traced_tokens = traced(probe)
    assert torch.allclose(eager_logits, traced_logits, atol=1e-5) and torch.allclose(eager_tokens, traced_tokens, atol=1e-5)
    traced.save(os.path.join(package, "model.pt"))
    size = TINY["image_size"]
    with open(os.path.join(package, "model.json"), "w") as f:
        json.dump({"format": "torchscript", "file": "model.pt", "numClasses": TINY_CLASSES,
                   "outputs": [{"name": TINY_LAYER, "tokens": {"prefix": 1}}],
                   "preprocess": {"resizeShorter": size, "centerCrop": [size, size],
                                  "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5]}}, f, indent=2)


if __name__ == "__main__":
    import sys
    torch.set_num_threads(2)
    if "--gradcam-only" in sys.argv:
        make_vit_gradcam()
        sys.exit(0)
    if "--maps-only" not in sys.argv:
        make_logits()
    make_vit_maps()
