"""Images in the pixel formats PIL's convert("RGB") handles, and what it makes of them, for DecodingTests.

Run with Debian's python3-pil (/usr/bin/python3), from this folder:  /usr/bin/python3 make_decoding.py
Writes one small image per format (made from a seeded pattern) and expected.json: the RGB bytes of
Image.open(file).convert("RGB") as torchvision's ImageFolder loader does, in hex.
"""
import io
import json

import numpy as np
import PIL
from PIL import Image

W, H = 12, 9


def pattern(channels, seed, dtype=np.uint8, top=255):
    rng = np.random.default_rng(seed)
    return rng.integers(0, top + 1, size=(H, W, channels) if channels > 1 else (H, W), dtype=dtype)


def main():
    files = {}
    files["gray.png"] = Image.fromarray(pattern(1, 1), "L")
    files["gray.jpg"] = Image.fromarray(pattern(1, 2), "L")
    rgba = pattern(4, 3)
    rgba[0, :, 3] = 0      # fully transparent row: its colours must survive (alpha dropped, not blended)
    files["rgba.png"] = Image.fromarray(rgba, "RGBA")
    files["gray-alpha.png"] = Image.fromarray(pattern(2, 4), "LA")
    palette = Image.fromarray(pattern(3, 5)).convert("P", palette=Image.ADAPTIVE, colors=16)
    files["palette.png"] = palette
    transparent = palette.copy()
    transparent.info["transparency"] = 3
    files["palette-transparent.png"] = transparent
    files["rgb16.png"] = None   # written by hand below (PIL cannot save 16-bit RGB)
    files["gray16.png"] = Image.fromarray(pattern(1, 7, np.uint16, 65535).astype(np.int32), "I").convert("I;16")
    files["cmyk.jpg"] = Image.fromarray(pattern(4, 8), "CMYK")
    expected = {}
    for name, image in files.items():
        if name == "rgb16.png":
            write_rgb16(name, pattern(3, 6, np.uint16, 65535))
        elif name.endswith(".jpg"):
            image.save(name, quality=95)
        else:
            image.save(name, transparency=image.info["transparency"]) if "transparency" in image.info else image.save(name)
        opened = Image.open(name)
        rgb = np.asarray(opened.convert("RGB"))
        expected[name] = {"mode": opened.mode, "size": [opened.height, opened.width], "rgb": rgb.tobytes().hex()}
    with open("expected.json", "w") as f:
        json.dump({"PIL": PIL.__version__, "images": expected}, f, indent=1)
        f.write("\n")
    print({k: v["mode"] for k, v in expected.items()})


def write_rgb16(name, pixels):
    """A 16-bit RGB PNG by hand (zlib, filter 0)."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + pixels[y].astype(">u2").tobytes() for y in range(H))
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 16, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    with open(name, "wb") as f:
        f.write(png)


if __name__ == "__main__":
    main()
