"""The safetensors writer the fixture scripts share (the format of https://github.com/huggingface/safetensors, written
by hand so that no package beyond Debian's python3-torch is needed): an 8-byte little-endian header length, the JSON
header (names, dtypes, shapes, byte offsets, optional __metadata__) padded with spaces to a multiple of 8, the data."""
import json
import struct

import torch

DTYPES = {torch.float32: "F32", torch.int64: "I64"}


def save_safetensors(path, tensors, metadata=None):
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        t = t.detach().contiguous()
        data = t.numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
