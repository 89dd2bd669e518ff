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
    # 16-bit grey around 255, so that PIL's clipping (not scaling) shows: plain and Adam7-interlaced, written by hand.
    files["gray16-low.png"] = None
    files["gray16-interlaced.png"] = None
    files["rgba16.png"] = None   # 16-bit RGBA: PIL keeps the high byte of each sample
    gif = Image.fromarray(pattern(3, 11)).convert("P", palette=Image.ADAPTIVE, colors=8)
    gif.info["transparency"] = 2
    files["transparent.gif"] = gif
    # A first frame smaller than the canvas (6×4 at (3, 2) on 12×9): PIL fills the rest with index 0, or with the
    # transparent index when there is one, and convert("RGB") shows that index's colour. Written by hand below.
    files["small-frame.gif"] = None
    files["small-frame-transparent.gif"] = None
    expected = {}
    for name, image in files.items():
        if name == "rgb16.png":
            write_rgb16(name, pattern(3, 6, np.uint16, 65535))
        elif name == "gray16-low.png":
            write_png16(name, pattern(1, 9, np.uint16, 600)[..., None], color_type=0)
        elif name == "gray16-interlaced.png":
            write_png16(name, pattern(1, 10, np.uint16, 600)[..., None], color_type=0, interlaced=True)
        elif name == "rgba16.png":
            write_png16(name, pattern(4, 12, np.uint16, 65535), color_type=6)
        elif name.startswith("small-frame"):
            write_small_frame_gif(name, transparency=5 if "transparent" in name else None)
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


def write_png16(name, pixels, color_type, interlaced=False):
    """A 16-bit PNG by hand (zlib, filter 1 'Sub' on every line), Adam7-interlaced when asked."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    def lines(image):
        bpp = 2 * image.shape[2]
        out = b""
        for row in image:
            raw = row.astype(">u2").tobytes()
            sub = bytes((raw[i] - (raw[i - bpp] if i >= bpp else 0)) & 0xFF for i in range(len(raw)))
            out += b"\x01" + sub
        return out

    passes = [(0, 0, 8, 8), (0, 4, 8, 8), (4, 0, 8, 4), (0, 2, 4, 4), (2, 0, 4, 2), (0, 1, 2, 2), (1, 0, 2, 1)]
    if interlaced:
        raw = b"".join(lines(pixels[r::dr, c::dc]) for r, c, dr, dc in passes if pixels[r::dr, c::dc].size)
    else:
        raw = lines(pixels)
    h, w = pixels.shape[:2]
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, color_type, 0, 0, 1 if interlaced else 0))
    png += chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    with open(name, "wb") as f:
        f.write(png)


def write_small_frame_gif(name, transparency):
    """A GIF whose only frame (6×4, 8 colours) sits at (3, 2) on a 12×9 canvas: PIL writes the frame, the logical
    screen size and the frame's offset are then patched into its header and image descriptor."""
    frame = Image.fromarray(pattern(3, 13)[:4, :6]).convert("P", palette=Image.ADAPTIVE, colors=8)
    buffer = io.BytesIO()
    frame.save(buffer, "GIF", **({"transparency": transparency} if transparency is not None else {}))
    gif = bytearray(buffer.getvalue())
    gif[6:10] = W.to_bytes(2, "little") + H.to_bytes(2, "little")
    flags = gif[10]
    at = 13 + (3 * (2 << (flags & 7)) if flags & 0x80 else 0)
    while gif[at] == 0x21:  # extensions before the frame: skip their sub-blocks
        at += 2
        while gif[at]:
            at += gif[at] + 1
        at += 1
    assert gif[at] == 0x2C and gif[at + 5:at + 9] == bytes([6, 0, 4, 0])
    gif[at + 1:at + 5] = (3).to_bytes(2, "little") + (2).to_bytes(2, "little")
    with open(name, "wb") as f:
        f.write(gif)


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
