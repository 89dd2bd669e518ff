"""Makes the TorchScript package whose outputs can be replaced (Ablation-CAM on TorchScript): the demo network of
make_torchscript.py with the same weights (seed 0, the same initialisation, so equal to builtin/weights.safetensors),
exported with torch.jit.trace_module so that

- forward(x) returns (logits, features.7, features): the output of the second max-pool and of the last block;
- with_mid(x, mid) and with_features(x, features) return the logits with that output replaced: the methods that
  model.json names as each output's "forwardWith".

Run with Debian's python3-torch: /usr/bin/python3 make_forward_with.py (writes forward_with/ next to this file).
"""
import json
import os

import torch
from torch import nn

from make_torchscript import ShapesNet

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "forward_with")


class Replaceable(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def head(self, features):
        return self.model.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(features, 1), 1))

    def after_mid(self, mid):
        return self.model.features[8:](mid)

    def forward(self, x):
        mid = self.model.features[:8](x)
        features = self.after_mid(mid)
        return self.head(features), mid, features

    def with_mid(self, x, mid):
        return self.head(self.after_mid(mid))

    def with_features(self, x, features):
        return self.head(features)


def model_of_make_torchscript():
    """make_torchscript.main's model: the same seed and initialisation steps."""
    torch.manual_seed(0)
    model = ShapesNet()
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    return model.eval()


def main():
    os.makedirs(OUT, exist_ok=True)
    wrapped = Replaceable(model_of_make_torchscript()).eval()
    example = torch.randn(2, 3, 64, 80)
    with torch.no_grad():
        logits, mid, features = wrapped(example)
    traced = torch.jit.trace_module(wrapped, {
        "forward": example, "with_mid": (example, mid), "with_features": (example, features)})
    with torch.no_grad():
        assert torch.allclose(traced.with_mid(example, mid), logits, atol=1e-5)
        assert torch.allclose(traced.with_features(example, features), logits, atol=1e-5)
    traced.save(os.path.join(OUT, "model.pt"))
    labels = ["circle", "cross", "square", "star", "triangle"]
    preprocess = {"mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5]}
    with open(os.path.join(OUT, "model.json"), "w") as f:
        json.dump({"format": "torchscript", "file": "model.pt", "numClasses": 5, "labels": labels, "preprocess": preprocess,
                   "outputs": [{"name": "features.7", "forwardWith": "with_mid"},
                               {"name": "features", "forwardWith": "with_features"}],
                   "targetLayers": ["features"]}, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
