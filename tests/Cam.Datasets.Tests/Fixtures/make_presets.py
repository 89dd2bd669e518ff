"""The eval transforms torchvision's weights declare (weights.transforms()), for PreprocessPresetsTests.

Run with Debian's python3-torchvision (/usr/bin/python3), from this folder:  /usr/bin/python3 make_presets.py
Writes presets.json: for every architecture Cam builds in and every IMAGENET1K_V* weights torchvision has for it,
resize_size, crop_size, interpolation, mean and std of the ImageClassification transform.
"""
import json

import torchvision
from torchvision import models

ARCHITECTURES = [
    "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
    "vgg11", "vgg13", "vgg16", "vgg19", "vgg11_bn", "vgg13_bn", "vgg16_bn", "vgg19_bn",
    "mobilenet_v2", "vit_b_16", "vit_b_32", "convnext_tiny", "efficientnet_b0",
]


def main():
    table = {}
    for arch in ARCHITECTURES:
        enum = models.get_model_weights(arch)
        for weights in enum:
            if not weights.name.startswith("IMAGENET1K_V"):
                continue
            t = weights.transforms()
            table.setdefault(arch, {})[weights.name] = {
                "resize": list(t.resize_size), "centerCrop": list(t.crop_size),
                "interpolation": t.interpolation.value,
                "mean": list(t.mean), "std": list(t.std),
            }
    with open("presets.json", "w") as f:
        json.dump({"torchvision": torchvision.__version__, "presets": table}, f, indent=1)
        f.write("\n")
    print(json.dumps(table, indent=None)[:3000])


if __name__ == "__main__":
    main()
