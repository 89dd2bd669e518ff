"""Where bfloat16 moves the gradient methods' maps: every resnet18 case of a differentiating method in the reference
fixtures (torchcam's parity-gradient, pytorch-grad-cam's and torchcam HEAD's parity-pgc), recomputed by the reference
libraries themselves on a float32 model in which chosen roundings to bfloat16 are emulated, each map compared with the
fixture as `cam parity` compares it (normalised maps: largest absolute difference; raw maps: relative to the largest
expected value; the closer of a principal component's two signs, image by image):

    PYTHONPATH=/work/shared/vendor/anchors /usr/bin/python3 docs/bench/gradient-bf16-sources.py [--json OUT] [CASE ...]

As the engine runs these methods at a reduced precision on a built-in architecture, only the model up to the first
target layer (the "prefix") is rounded; its output is handed on as a float32 leaf, and the rest of the model with the
backward passes runs in float32 (FullGrad, which differentiates down to the input, rounds the whole model, forward and
backward). Rounding x to bfloat16 is x.to(bfloat16).to(float32): round to nearest even, 8 bits of mantissa.

Variants (each on a fresh copy of the model; the first target layer's output always leaves the prefix as a leaf):
  float32       nothing rounded (must reproduce the fixture: a check of this script)
  target        only the first target layer's output (the floor of anything that hands on bfloat16 activations)
  input         only the input image
  weights       only the prefix's parameters and batch-norm statistics
  activations   the input and every prefix module's output (convolution, batch norm, ReLU, pooling; the residual sum
                rounds with the ReLU after it), parameters exact
  bf16          weights + activations: a bfloat16 forward (convolutions accumulate in float32, round once)
  conv-weights  only the convolutions' weights (what any forward with bfloat16 convolutions rounds)
  conv-inputs   only the convolutions' inputs (the input image included)
  conv-floor    conv-weights + conv-inputs: what a bfloat16 convolution must round, its output left in float32
  folded        batch norms folded into their convolutions in float32 (w·γ/√(σ²+ε), β − μ·γ/√(σ²+ε)), rounded
                once; the input and every remaining module's output rounded (one rounding per convolution + norm)
  conv-only     convolutions in bfloat16 (weights, inputs and outputs rounded), batch norm, residual sums, ReLU and
                pooling in float32 (the activations between convolutions and the target layer's output stay float32)
  conv-only+t   conv-only, the first target layer's output rounded as well
FullGrad (whole model; its bias layers are the batch norms, so nothing is folded): float32, bf16 (forward and, through
the roundings' casts, the gradients rounded at every module boundary), bf16-fwd (forward rounded, gradients passed
through in float32), conv-only.
"""
import argparse
import copy
import json
import os
import struct
import sys

import numpy as np
import torch
import torchvision

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
FIXTURES = os.path.join(ROOT, "tests", "Cam.Engine.Tests", "Fixtures")
sys.path.insert(0, os.path.join(FIXTURES, "parity-pgc"))
sys.path.insert(0, os.path.join(FIXTURES, "modern"))
import make_pgc  # noqa: E402
from make_modern import fill, image, SEED  # noqa: E402
from torchcam.methods import GradCAM, GradCAMpp, LayerCAM, RefineCAM, XGradCAM  # noqa: E402

STAGES = ["conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool", "fc"]
DIFFERENTIATING = {"gradcam", "gradcampp", "xgradcam", "layercam", "hirescam", "gradcamelementwise", "eigengradcam",
                   "finercam", "shapleycam", "fullgrad", "refinecam"}
TORCHCAM_OLD = {"gradcam": GradCAM, "gradcampp": GradCAMpp, "xgradcam": XGradCAM, "layercam": LayerCAM}


def bf(t):
    return t.to(torch.bfloat16).to(torch.float32)


def straight_through(t):
    """Rounded forward, gradient passed through unrounded."""
    return t + (bf(t) - t).detach()


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    kinds = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
    tensors = {}
    for name, h in header.items():
        a, b = h["data_offsets"]
        tensors[name] = torch.from_numpy(np.frombuffer(data[a:b], dtype=kinds[h["dtype"]]).reshape(h["shape"]).copy())
    return meta, tensors


def leaves(module):
    return [m for m in module.modules() if not list(m.children())]


def fold_norms(model, prefix_names):
    """Folds every batch norm of the prefix into the convolution before it (float64), both rounded to bfloat16 once."""
    holders = [model] + [m for name in prefix_names for m in getattr(model, name).modules()]
    for holder in holders:
        names = [n for n, _ in holder.named_children()]
        for conv_name, norm_name in zip(names, names[1:]):
            if holder is model and conv_name not in prefix_names:
                continue
            conv, norm = getattr(holder, conv_name), getattr(holder, norm_name)
            if isinstance(conv, torch.nn.Conv2d) and isinstance(norm, torch.nn.BatchNorm2d):
                scale = norm.weight.double() / (norm.running_var.double() + norm.eps).sqrt()
                conv.weight = torch.nn.Parameter(bf((conv.weight.double() * scale.view(-1, 1, 1, 1)).float()),
                                                 requires_grad=False)
                bias = norm.bias.double() - norm.running_mean.double() * scale
                if conv.bias is not None:
                    bias = bias + conv.bias.double() * scale
                conv.bias = torch.nn.Parameter(bf(bias.float()), requires_grad=False)
                setattr(holder, norm_name, torch.nn.Identity())


def apply_variant(model, variant, prefix_names, target, whole, keep_graph=False):
    """Hooks and weight changes of `variant` on the modules `prefix_names` (run before `target`'s output)."""
    handles = []
    if variant == "folded":
        fold_norms(model, prefix_names)
    prefix = [getattr(model, name) for name in prefix_names]
    mods = [m for p in prefix for m in leaves(p)]
    rnd = straight_through if variant == "bf16-fwd" else bf
    if variant in ("conv-weights", "conv-floor"):
        with torch.no_grad():
            for m in mods:
                if isinstance(m, torch.nn.Conv2d):
                    m.weight.copy_(bf(m.weight))
    if variant in ("conv-inputs", "conv-floor"):
        for m in mods:
            if isinstance(m, torch.nn.Conv2d):
                handles.append(m.register_forward_pre_hook(lambda mod, inp: (bf(inp[0]),)))
    if variant in ("weights", "bf16", "bf16-fwd"):
        with torch.no_grad():
            for m in mods:
                for t in list(m.parameters(recurse=False)) + list(m.buffers(recurse=False)):
                    if t.is_floating_point():
                        t.copy_(bf(t))
    if variant in ("conv-only", "conv-only+t"):
        with torch.no_grad():
            for m in mods:
                if isinstance(m, torch.nn.Conv2d):
                    m.weight.copy_(bf(m.weight))
        for m in mods:
            if isinstance(m, torch.nn.Conv2d):
                handles.append(m.register_forward_pre_hook(lambda mod, inp: (bf(inp[0]),)))
                handles.append(m.register_forward_hook(lambda mod, inp, out: bf(out)))
    if variant in ("input", "activations", "bf16", "bf16-fwd", "folded"):
        handles.append(prefix[0].register_forward_pre_hook(lambda mod, inp: (rnd(inp[0]),)))
    if variant in ("activations", "bf16", "bf16-fwd", "folded"):
        for m in mods:
            handles.append(m.register_forward_hook(lambda mod, inp, out: rnd(out)))
    if variant in ("target", "conv-only+t"):
        handles.append(target.register_forward_hook(lambda mod, inp, out: bf(out)))
    if not whole and not keep_graph:
        # The engine's split: the prefix without a graph, its output a float32 leaf the backward stops at.
        for p in prefix:
            for param in p.parameters():
                param.requires_grad_(False)
        handles.append(target.register_forward_hook(lambda mod, inp, out: out.detach().requires_grad_(True)))
    return handles


def error(expected, actual, normalized, alt=None):
    expected, actual = expected.double(), actual.detach().double().reshape(expected.shape)
    if alt is not None:
        alt = alt.double()
        first = (expected - actual).abs().flatten(1).amax(1)
        second = (alt - actual).abs().flatten(1).amax(1)
        expected = torch.where((second < first).view(-1, *[1] * (expected.ndim - 1)), alt, expected)
    difference = (expected - actual).abs().max().item()
    return difference if normalized else difference / expected.abs().max().item()


def torchcam_old(model, entry, x, layers):
    classes = json.loads(entry["class_idx"])
    normalized = entry["normalized"] == "true"
    with TORCHCAM_OLD[entry["method"]](model, layers, input_shape=tuple(x.shape[1:])) as extractor:
        scores = model(x)
        cams = extractor(class_idx=classes, scores=scores, normalized=normalized)
        out = {f"expected.{layer}": cam.detach() for layer, cam in zip(layers, cams)}
        if len(layers) > 1:
            out["expected.fused"] = extractor.fuse_cams(cams).detach()
    return out


def torchcam_refine(model, x, layers, classes):
    with RefineCAM(model, layers, input_shape=tuple(x.shape[1:])) as extractor:
        out = {"expected.fused": extractor(class_idx=classes, scores=model(x))[0].detach()}
    with GradCAMpp(model, layers, input_shape=tuple(x.shape[1:])) as extractor:
        for layer, cam in zip(layers, extractor(class_idx=classes, scores=model(x))):
            out[f"expected.{layer}"] = cam.detach()
    return out


def compute(entry, model, x, layers):
    """The reference library's maps for the case, keyed as the fixture's tensors."""
    method = entry["method"]
    if entry["reference"].startswith("torchcam 7c08dfa"):
        return torchcam_old(model, entry, x, layers)
    classes = json.loads(entry["class_idx"])
    if method == "refinecam" and entry.get("convention") == "torchcam":
        return torchcam_refine(model, x, layers, classes)
    options = {"raw": entry["normalized"] == "false", "target": entry.get("target", "logit"),
               "aug_smooth": entry.get("aug_smooth") == "true", "eigen_smooth": entry.get("eigen_smooth") == "true"}
    if method == "refinecam":
        return make_pgc.run_refine(model, layers, x, classes, options)
    out = {f"expected.{layers[0]}": make_pgc.run(method, model, layers[0], x, classes, options)}
    if method in make_pgc.SIGNED or options["eigen_smooth"]:
        out[f"expected_alt.{layers[0]}"] = make_pgc.run(method, model, layers[0], x, classes, options, negated=True)
    return out


def cases(only):
    found = []
    for folder, index in [("parity-gradient", "index-gradient.json"), ("parity-pgc", "index-pgc.json"),
                          ("parity-pgc", "index-torchcam.json")]:
        with open(os.path.join(FIXTURES, folder, index)) as f:
            for entry in json.load(f):
                if entry.get("arch") != "resnet18" or entry.get("method") not in DIFFERENTIATING:
                    continue
                if entry.get("convention") == "paper":  # torchcam 7c08dfa with its alpha division: not in torchcam HEAD
                    continue
                if only and entry["case"] not in only:
                    continue
                found.append((folder, entry))
    return found


def base_model(folder, entry):
    torch.manual_seed(0)
    model = torchvision.models.resnet18(num_classes=int(entry["num_classes"]))
    if entry["weights"].startswith("counter:"):
        fill(model, int(entry["weights"].split(":")[1]))
    else:
        _, state = load_safetensors(os.path.normpath(os.path.join(FIXTURES, folder, entry["weights"])))
        model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()})
    return model.eval()


def run_case(folder, entry, variants):
    meta, stored = load_safetensors(os.path.join(FIXTURES, folder, entry["case"] + ".safetensors"))
    layers = entry["target_layers"].split(",")
    whole = entry["method"] == "fullgrad"
    shape = [int(s) for s in entry.get("input_shape", "").split(",") if s]
    x = stored["input"] if "input" in stored else image(entry["input_key"], shape)
    normalized = entry["normalized"] == "true"
    base = base_model(folder, entry)
    first = min(layers, key=STAGES.index)
    row = {"case": entry["case"], "method": entry["method"], "layers": entry["target_layers"]}
    for variant in variants:
        model = copy.deepcopy(base)
        prefix = STAGES if whole else STAGES[:STAGES.index(first) + 1]
        try:
            # pgc's ShapleyCAM differentiates the input too: its prefix keeps its graph (its gradients do not reach the
            # target layer's, which only the rest of the model makes)
            handles = apply_variant(model, variant, prefix, getattr(model, first), whole,
                                    keep_graph=entry["method"] == "shapleycam")
            maps = compute(entry, model, x, layers)
            for h in handles:
                h.remove()
        except Exception as e:  # a variant PyTorch 1.13 cannot run on this CPU (bfloat16 kernels)
            row[variant] = f"{type(e).__name__}: {str(e)[:80]}"
            continue
        errors = [error(stored[k], v, normalized or k.endswith("fused"),
                        stored.get(k.replace("expected.", "expected_alt.")))
                  for k, v in maps.items() if k.startswith("expected.")]
        row[variant] = max(errors)
    return row


PREFIX_VARIANTS = ["float32", "target", "input", "conv-weights", "conv-inputs", "conv-floor", "weights", "activations",
                   "bf16", "folded", "conv-only", "conv-only+t"]
WHOLE_VARIANTS = ["float32", "bf16", "bf16-fwd", "conv-only"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--json")
    parser.add_argument("--variants")
    parser.add_argument("cases", nargs="*")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rows = []
    for folder, entry in cases(set(args.cases)):
        variants = WHOLE_VARIANTS if entry["method"] == "fullgrad" else PREFIX_VARIANTS
        if args.variants:
            variants = [v for v in args.variants.split(",") if v in variants]
        row = run_case(folder, entry, variants)
        rows.append(row)
        print(json.dumps(row), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            for row in rows:
                f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
