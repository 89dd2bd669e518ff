"""Makes the method-applicability fixtures: small TorchScript model packages with random weights, each exported so
that forward returns (logits, features) as Cam's packages ask. Run with Debian's python3-torch (1.13):
/usr/bin/python3 make_applicability.py (writes the packages next to this file).

- mobilenet-head: torchvision's MobileNetV3 (the small configuration at width 0.25, 5 classes; 64×64 inputs). Its head pools the
  last convolution's 144 channels, then a hidden Linear(144, 256) with Hardswish, then Linear(256, 5): CAM cannot apply.
- hidden-same-width: pooled features -> Linear(C, C) -> ReLU -> Linear(C, 5). The shapes fit CAM's weights, yet the
  logits are not linear in the pooled features: CAM cannot apply either.
- linear-head: pooled features -> Linear(C, 5), the head CAM needs. Scripted with one data-dependent branch: for a
  batch holding a nearly white image (mean above 0.9 after normalisation), the features are detached before the head,
  so the gradient methods fail on that batch while CAM and Score-CAM do not.
- detached: the features are always detached before the head: no gradient reaches them, so the gradient methods
  cannot apply.
"""
import json
import os

import torch
from torch import nn
from torchvision.models.mobilenetv3 import MobileNetV3, _mobilenet_v3_conf

HERE = os.path.dirname(os.path.abspath(__file__))
LABELS = ["circle", "cross", "square", "star", "triangle"]
PREPROCESS = {"mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5]}


def features(width=8):
    return nn.Sequential(
        nn.Conv2d(3, width, 3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(width, width, 3, stride=2, padding=1), nn.ReLU())


class MobileNetWithFeatures(nn.Module):
    def __init__(self):
        super().__init__()
        settings, last_channel = _mobilenet_v3_conf("mobilenet_v3_small", width_mult=0.25)
        self.model = MobileNetV3(settings, last_channel, num_classes=5)

    def forward(self, x):
        f = self.model.features(x)
        return self.model.classifier(torch.flatten(self.model.avgpool(f), 1)), f


class HiddenSameWidth(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = features()
        self.hidden = nn.Linear(8, 8)
        self.fc = nn.Linear(8, 5)

    def forward(self, x):
        f = self.features(x)
        return self.fc(torch.relu(self.hidden(f.mean(dim=(2, 3))))), f


class LinearHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = features()
        self.fc = nn.Linear(8, 5)

    def forward(self, x):
        f = self.features(x)
        pooled = f
        if bool((x.mean(dim=(1, 2, 3)) > 0.9).any()):
            pooled = f.detach()
        return self.fc(pooled.mean(dim=(2, 3))), f


class Detached(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = features()
        self.fc = nn.Linear(8, 5)

    def forward(self, x):
        f = self.features(x)
        return self.fc(f.detach().mean(dim=(2, 3))), f


def save(name, module, scripted=False):
    folder = os.path.join(HERE, name)
    os.makedirs(folder, exist_ok=True)
    module = module.eval()
    for p in module.parameters():
        p.requires_grad_(False)
    exported = torch.jit.script(module) if scripted else torch.jit.trace(module, torch.randn(1, 3, 64, 64))
    exported.save(os.path.join(folder, "model.pt"))
    manifest = {"format": "torchscript", "file": "model.pt", "numClasses": 5, "labels": LABELS,
                "outputs": ["features"], "targetLayers": ["features"], "preprocess": PREPROCESS}
    with open(os.path.join(folder, "model.json"), "w") as f:
        json.dump(manifest, f, indent=2)


if __name__ == "__main__":
    torch.manual_seed(0)
    save("mobilenet-head", MobileNetWithFeatures())
    save("hidden-same-width", HiddenSameWidth())
    save("linear-head", LinearHead(), scripted=True)
    save("detached", Detached())
