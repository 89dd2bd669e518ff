"""Reference maps of the methods Cam takes from torchcam HEAD (vendored at shared/vendor/anchors/torchcam, f44afef),
made with Debian's python3-torch 1.13 / torchvision 0.14, in the format of make_pgc.py (counter weights and inputs,
index-torchcam.json next to this file):

    PYTHONPATH=/work/shared/vendor/anchors /usr/bin/python3 make_torchcam_head.py

RefineCAM with its default base (torchcam's GradCAMpp, whose alpha is the engine's `torchcam` convention): the fused map
and each layer's normalised map of the base.
"""
import json
import os
import sys

import torch
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "modern"))
from make_modern import fill, image, save_safetensors, SEED  # noqa: E402

from torchcam.methods import GradCAMpp, RefineCAM  # noqa: E402

REFERENCE = "torchcam f44afef (0.5.0.dev0), torch 1.13.0a0"
NUM_CLASSES = 10

# (case, method, arch, layers, input shape, class per image)
CASES = [
    ("refinecam_torchcam_resnet18", "refinecam", "resnet18", ["layer3", "layer4"], [2, 3, 64, 80], [3, 7]),
    ("refinecam_torchcam_resnet18_layer2", "refinecam", "resnet18", ["layer2", "layer3", "layer4"], [2, 3, 80, 64], [5, 0]),
]


def refine(model, layers, x, classes):
    with RefineCAM(model, layers, input_shape=tuple(x.shape[1:])) as extractor:
        scores = model(x)
        fused = extractor(class_idx=classes, scores=scores)[0]
    tensors = {"expected.fused": fused.detach()}
    with GradCAMpp(model, layers, input_shape=tuple(x.shape[1:])) as extractor:
        scores = model(x)
        for layer, cam in zip(layers, extractor(class_idx=classes, scores=scores)):
            tensors[f"expected.{layer}"] = cam.detach()
    return tensors


def main():
    index = []
    for case, method, arch, layers, shape, classes in CASES:
        torch.manual_seed(0)
        model = fill(getattr(torchvision.models, arch)(num_classes=NUM_CLASSES), SEED)
        key = f"input.{case}"
        x = image(key, shape)
        with torch.no_grad():
            logits = model(x)
        tensors = {"logits": logits, **refine(model, layers, x, classes)}
        meta = {
            "case": case, "method": method, "arch": arch, "weights": f"counter:{SEED}", "num_classes": str(NUM_CLASSES),
            "target_layers": ",".join(layers), "class_idx": json.dumps(classes), "normalized": "true",
            "convention": "torchcam", "input_key": key, "input_shape": ",".join(map(str, shape)),
            "input_seed": str(SEED), "reference": REFERENCE,
        }
        save_safetensors(os.path.join(HERE, case + ".safetensors"), tensors, meta)
        index.append(meta)
        print(case, {k: list(v.shape) for k, v in tensors.items()})
    with open(os.path.join(HERE, "index-torchcam.json"), "w") as f:
        json.dump(index, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
