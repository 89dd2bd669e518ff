"""Photo datasets for `cam bench-inputs`, from the real photographs Debian ships (the three of the photo parity test).

    /usr/bin/python3 build/bench-inputs/make_photos.py OUT [COPIES]

Writes OUT/imagenet-size/ (500x375 and 375x500 JPEGs, quality 90: the size of an average ImageNet image) and
OUT/12mp/ (4000x3000 JPEGs, quality 90, upscaled with LANCZOS, with Gaussian noise of sigma 4 added as a camera's
sensor adds it, so that the JPEG holds as much detail to decode as a phone's photo), COPIES variants of each
photo per folder (crops at different offsets, so that no two files are alike), as flat image folders.
"""
import os
import sys

import numpy as np
from PIL import Image

PHOTOS = [
    "/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg",
    "/usr/lib/python3/dist-packages/sklearn/datasets/images/china.jpg",
    "/usr/lib/python3/dist-packages/sklearn/datasets/images/flower.jpg",
]


def variants(photo, copies, size):
    """COPIES crops of the photo, each resized to SIZE (w, h): offsets step across the photo."""
    image = Image.open(photo).convert("RGB")
    w, h = image.size
    aspect = size[0] / size[1]
    cw, ch = (min(w, int(h * aspect)), min(h, int(w / aspect)))
    cw, ch = int(cw * 0.9), int(ch * 0.9)
    for i in range(copies):
        x = (w - cw) * i // max(copies - 1, 1)
        y = (h - ch) * (copies - 1 - i) // max(copies - 1, 1)
        yield image.crop((x, y, x + cw, y + ch)).resize(size, Image.LANCZOS)


def main():
    out = sys.argv[1]
    copies = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    for folder, sizes in (("imagenet-size", [(500, 375), (375, 500)]), ("12mp", [(4000, 3000)])):
        os.makedirs(os.path.join(out, folder), exist_ok=True)
        for p, photo in enumerate(PHOTOS):
            size = sizes[p % len(sizes)]
            for i, image in enumerate(variants(photo, copies, size)):
                if folder == "12mp":
                    noise = np.random.default_rng(i).normal(0, 4, (size[1], size[0], 3))
                    image = Image.fromarray(np.clip(np.asarray(image) + noise, 0, 255).astype(np.uint8))
                image.save(os.path.join(out, folder, f"{os.path.basename(photo)[:-4]}-{i:02d}.jpg"), quality=90)
    print(out)


if __name__ == "__main__":
    main()
