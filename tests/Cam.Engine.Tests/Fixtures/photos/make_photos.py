"""Reference data for the photo parity tests (PhotoParityTests), from torchvision's eval transform on PIL images.

Run with Debian's python3-torch / python3-torchvision / python3-pil (/usr/bin/python3), from this folder:
    /usr/bin/python3 make_photos.py
It copies the source photos here (see LICENSES.md), writes their half-size JPEG and PNG variants, and writes
reference.json: for every photo variant and preprocessing, the bytes torchvision's Resize + CenterCrop make of the
PIL image (their per-channel sums and a 14-pixel-strided sample) and the logits of the seeded 10-class resnet18
fixture (../parity/resnet18-seed0.safetensors) on Resize → CenterCrop → ToTensor → Normalize.
The "x4" variant is the decoded photo with every pixel repeated 4×4 (made the same way by the test): a large input
without a large fixture.
"""
import json
import os
import shutil
import struct

import numpy as np
import PIL
import torch
import torchvision
from PIL import Image
from torchvision import transforms as T

SOURCES = {
    "china.jpg": "/usr/lib/python3/dist-packages/sklearn/datasets/images/china.jpg",
    "flower.jpg": "/usr/lib/python3/dist-packages/sklearn/datasets/images/flower.jpg",
    "grace_hopper.jpg": "/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg",
}
MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
MODES = {"bilinear": T.InterpolationMode.BILINEAR, "bicubic": T.InterpolationMode.BICUBIC,
         "nearest": T.InterpolationMode.NEAREST}
STRIDE = 14


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    dtypes = {"F16": np.float16, "F32": np.float32, "I64": np.int64}
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        array = np.frombuffer(data[start:end], dtype=dtypes[info["dtype"]]).reshape(info["shape"])
        tensors[name] = torch.from_numpy(array.astype(np.float32) if info["dtype"] == "F16" else array.copy())
    return tensors


def model():
    net = torchvision.models.resnet18(num_classes=10)
    state = load_safetensors(os.path.join("..", "parity", "resnet18-seed0.safetensors"))
    missing, unexpected = net.load_state_dict(state, strict=False)
    assert not unexpected and all(k.endswith("num_batches_tracked") for k in missing), (missing, unexpected)
    return net.eval()


def variants(name):
    stem = os.path.splitext(name)[0]
    original = Image.open(name).convert("RGB")
    yield name, original
    yield f"{stem}-half.jpg", Image.open(f"{stem}-half.jpg").convert("RGB")
    yield f"{stem}-half.png", Image.open(f"{stem}-half.png").convert("RGB")
    big = np.repeat(np.repeat(np.asarray(original), 4, axis=0), 4, axis=1)
    yield f"{name}@x4", Image.fromarray(big)


def specs(name):
    for mode in ("bilinear", "bicubic"):
        yield {"resize": 256, "centerCrop": [224, 224], "interpolation": mode}
    if name.startswith("china"):
        yield {"resize": 256, "centerCrop": [224, 224], "interpolation": "nearest"}
        yield {"resize": 200, "centerCrop": [224, 240], "interpolation": "bilinear"}  # torchvision's zero padding
        yield {"resize": [180, 300], "centerCrop": [160, 160], "interpolation": "bicubic"}
        yield {"resize": 240, "maxSize": 300, "centerCrop": [150, 224], "interpolation": "bilinear"}


def transform(spec):
    size = spec["resize"] if isinstance(spec["resize"], list) else spec["resize"]
    resize = T.Resize(size, interpolation=MODES[spec["interpolation"]], max_size=spec.get("maxSize"))
    return T.Compose([resize, T.CenterCrop(spec["centerCrop"])])


def main():
    for name, source in SOURCES.items():
        if not os.path.exists(name):
            shutil.copyfile(source, name)
        stem = os.path.splitext(name)[0]
        photo = Image.open(name).convert("RGB")
        half = photo.resize((photo.width // 2, photo.height // 2), Image.LANCZOS)
        half.save(f"{stem}-half.jpg", quality=90)
        half.save(f"{stem}-half.png", optimize=True)
    net = model()
    cases = []
    for name in SOURCES:
        for variant, image in variants(name):
            for spec in specs(name):
                crop = transform(spec)(image)
                pixels = np.asarray(crop)
                x = T.Normalize(MEAN, STD)(T.ToTensor()(crop))
                with torch.no_grad():
                    logits = net(x.unsqueeze(0))[0]
                cases.append({
                    "file": variant, "size": [image.height, image.width], "preprocess": dict(spec, mean=MEAN, std=STD),
                    "sums": [int(pixels[..., c].astype(np.int64).sum()) for c in range(3)],
                    "sample": pixels[::STRIDE, ::STRIDE].reshape(-1).tolist(), "sampleStride": STRIDE,
                    "logits": [round(float(v), 6) for v in logits],
                })
    versions = {"torch": torch.__version__, "torchvision": torchvision.__version__, "PIL": PIL.__version__}
    with open("reference.json", "w") as f:
        json.dump({"versions": versions, "cases": cases}, f, separators=(",", ":"))
        f.write("\n")
    print(len(cases), "cases", versions)


if __name__ == "__main__":
    main()
