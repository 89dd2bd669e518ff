"""Makes the TorchScript fixture: the demo network (ShapesNet) built in PyTorch with random weights, exported with
torch.jit.trace so that forward returns (logits, features), plus the same weights as a safetensors state_dict.
Run with Debian's python3-torch: /usr/bin/python3 make_torchscript.py (writes next to this file)."""
import json
import os
import sys

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from safetensors_io import save_safetensors  # noqa: E402


class ShapesNet(nn.Module):
    def __init__(self, num_classes=5, width=64):
        super().__init__()
        w = width
        self.features = nn.Sequential(
            nn.Conv2d(3, w // 2, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(w // 2), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(w // 2, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(w, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(w, 2 * w, 3, padding=1, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU(inplace=True),
            nn.Conv2d(2 * w, 2 * w, 3, padding=1, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU(inplace=True))
        self.fc = nn.Linear(2 * w, num_classes)

    def forward(self, x):
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(self.features(x), 1), 1))


class WithActivations(nn.Module):
    """The wrapper any model needs for Cam: forward returns (logits, activation_1, ...)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        features = self.model.features(x)
        logits = self.model.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(features, 1), 1))
        return logits, features


def main():
    torch.manual_seed(0)
    model = ShapesNet()
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    model.eval()
    wrapped = WithActivations(model).eval()
    example = torch.randn(2, 3, 64, 80)
    traced = torch.jit.trace(wrapped, example)
    traced.save(os.path.join(HERE, "scripted", "model.pt"))
    save_safetensors(os.path.join(HERE, "builtin", "weights.safetensors"), model.state_dict())
    labels = ["circle", "cross", "square", "star", "triangle"]
    preprocess = {"mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5]}
    with open(os.path.join(HERE, "scripted", "model.json"), "w") as f:
        json.dump({"format": "torchscript", "file": "model.pt", "numClasses": 5, "labels": labels, "preprocess": preprocess,
                   "outputs": ["features"], "targetLayers": ["features"]}, f, indent=2)
    with open(os.path.join(HERE, "builtin", "model.json"), "w") as f:
        json.dump({"format": "builtin", "architecture": "shapesnet", "file": "weights.safetensors", "numClasses": 5, "labels": labels,
                   "preprocess": preprocess, "targetLayers": ["features"]}, f, indent=2)
    with torch.no_grad():
        logits, _ = wrapped(example)
    save_safetensors(os.path.join(HERE, "input.safetensors"), {"input": example, "logits": logits})


if __name__ == "__main__":
    os.makedirs(os.path.join(HERE, "scripted"), exist_ok=True)
    os.makedirs(os.path.join(HERE, "builtin"), exist_ok=True)
    main()
