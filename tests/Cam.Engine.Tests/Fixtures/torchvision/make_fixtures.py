"""torchvision's state_dict names and shapes for every built-in architecture (num_classes=10), for the C# test.
With --weights DIR it also writes, for resnet50, vgg11_bn and mobilenet_v2, random weights (batch-norm statistics
randomised) and a (2,3,64,80) input with torchvision's logits, to check a port by hand with `cam explain`
(too large to commit). Run with Debian's python3-torch: /usr/bin/python3 make_fixtures.py [--weights DIR]"""
import json
import os
import sys

import torch
import torchvision

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from safetensors_io import save_safetensors  # noqa: E402

ARCHITECTURES = ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "vgg11", "vgg13", "vgg16", "vgg19",
                 "vgg11_bn", "vgg13_bn", "vgg16_bn", "vgg19_bn", "mobilenet_v2",
                 "vit_b_16", "vit_b_32", "convnext_tiny", "efficientnet_b0"]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    keys = {name: {k: list(v.shape) for k, v in getattr(torchvision.models, name)(num_classes=10).state_dict().items()}
            for name in ARCHITECTURES}
    with open(os.path.join(here, "state_dict_keys.json"), "w") as f:
        json.dump(keys, f)
    if "--weights" in sys.argv:
        out = sys.argv[sys.argv.index("--weights") + 1]
        torch.manual_seed(0)
        for name in ["resnet50", "vgg11_bn", "mobilenet_v2"]:
            model = getattr(torchvision.models, name)(num_classes=10)
            for m in model.modules():
                if isinstance(m, torch.nn.BatchNorm2d):
                    m.running_mean.uniform_(-0.1, 0.1)
                    m.running_var.uniform_(0.5, 1.5)
            model.eval()
            x = torch.randn(2, 3, 64, 80)
            with torch.no_grad():
                y = model(x)
            save_safetensors(os.path.join(out, f"{name}.safetensors"), model.state_dict())
            save_safetensors(os.path.join(out, f"{name}-input.safetensors"), {"input": x, "logits": y})


if __name__ == "__main__":
    main()
