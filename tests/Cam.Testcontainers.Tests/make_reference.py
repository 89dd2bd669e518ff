"""Makes reference.json: CAM (Zhou et al., 2016) of the demo model (samples/shapes-model) on the first demo images
(samples/shapes), computed in PyTorch from the safetensors weights, independently of Cam's engine.
Per image: the top-1 class, its logit (score) and softmax probability, and the CAM map of layer `features`,
    M = sum_k w[c, k] * A_k   (no ReLU), normalised as (M - min M) / (max(M - min M) + 1e-8),
at the activation's resolution, with its peak (row, column).
Run with Debian's python3-torch: /usr/bin/python3 make_reference.py (writes reference.json next to this file)."""
import json
import os
import struct

import numpy as np
import torch
from PIL import Image
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
ITEMS = 6


class ShapesNet(nn.Module):
    """The demo network (Cam.Engine's builtin `shapesnet`)."""

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


def load_safetensors(path):
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
        data = f.read()
    dtypes = {"F32": np.float32, "I64": np.int64}
    return {name: torch.from_numpy(np.frombuffer(data[e["data_offsets"][0]:e["data_offsets"][1]],
                                                 dtype=dtypes[e["dtype"]]).reshape(e["shape"]).copy())
            for name, e in header.items() if name != "__metadata__"}


def main():
    model = ShapesNet()
    model.load_state_dict(load_safetensors(os.path.join(ROOT, "samples", "shapes-model", "weights.safetensors")))
    model.eval()
    with open(os.path.join(ROOT, "samples", "shapes", "manifest.csv")) as f:
        paths = [line.split(",")[0] for line in f.read().splitlines()[1:ITEMS + 1]]
    items = []
    for path in paths:
        rgba = np.asarray(Image.open(os.path.join(ROOT, "samples", "shapes", path)).convert("RGBA"))
        assert (rgba[..., 3] == 255).all(), f"{path} has transparency"
        x = torch.from_numpy(rgba[..., :3].astype(np.float32) / 255).permute(2, 0, 1)[None]
        x = (x - 0.5) / 0.5
        with torch.no_grad():
            features = model.features(x)
            logits = model.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(features, 1), 1))[0]
            c = int(logits.argmax())
            m = (model.fc.weight[c][:, None, None] * features[0]).sum(0)
            m = m - m.min()
            m = m / (m.max() + 1e-8)
        peak = divmod(int(m.argmax()), m.shape[1])
        items.append({"path": path, "classIndex": c, "score": float(logits[c]),
                      "probability": float(torch.softmax(logits, 0)[c]), "shape": list(m.shape),
                      "peak": list(peak), "map": [round(float(v), 6) for v in m.flatten()]})
    with open(os.path.join(HERE, "reference.json"), "w") as f:
        json.dump({"method": "cam", "layer": "features", "items": items}, f, indent=1)


if __name__ == "__main__":
    main()
