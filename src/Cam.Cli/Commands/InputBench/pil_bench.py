"""The anchor of `cam bench-inputs --compare-pil`: PIL + torchvision's eval transform on the same files.

Reads a JSON request on stdin: {"files": [...], "threads": N, "repeat": R, "resize": [n] or [h, w], "max_size": m,
"crop": [h, w], "interpolation": "bilinear", "mean": [...], "std": [...], "draft": false} and prints one JSON object:
images, seconds (wall), cpu_seconds (user + system time of the worker processes, split into cpu_user_seconds
and cpu_system_seconds), and the seconds spent reading, decoding
(Image.open(...).convert("RGB"), as torchvision's ImageFolder loader) and transforming
(Resize, CenterCrop, ToTensor, Normalize). With threads > 1 the files are shared among N worker processes, as a
DataLoader with num_workers=N does; each process runs torch on one thread. "draft" asks libjpeg for DCT-domain scaling
(PIL's Image.draft) before convert, the counterpart of --fast-decode.
"""
import io
import json
import multiprocessing
import os
import sys
import time


def transform_of(request):
    import torch
    from torchvision import transforms
    from torchvision.transforms import InterpolationMode

    torch.set_num_threads(1)
    size = request["resize"]
    steps = []
    if size is not None:
        steps.append(transforms.Resize(size[0] if len(size) == 1 else size,
                                       interpolation=InterpolationMode(request["interpolation"]),
                                       max_size=request.get("max_size")))
    if request.get("crop") is not None:
        steps.append(transforms.CenterCrop(request["crop"]))
    steps += [transforms.ToTensor(), transforms.Normalize(request["mean"], request["std"])]
    return transforms.Compose(steps)


def run(args):
    files, request = args
    from PIL import Image

    transform = transform_of(request)
    read = decode = preprocess = 0.0
    cpu = time.process_time()
    times = os.times()
    for _ in range(request["repeat"]):
        for path in files:
            t0 = time.perf_counter()
            with open(path, "rb") as f:
                data = f.read()
            t1 = time.perf_counter()
            image = Image.open(io.BytesIO(data))
            if request.get("draft") and request["resize"] is not None:
                target = request["resize"][0] if len(request["resize"]) == 1 else min(request["resize"])
                shorter = min(image.size)
                # the smallest DCT scale whose shorter side still covers twice the resize (as --fast-decode)
                image.draft("RGB", (image.size[0] * 2 * target // shorter, image.size[1] * 2 * target // shorter))
            image = image.convert("RGB")
            t2 = time.perf_counter()
            tensor = transform(image)
            t3 = time.perf_counter()
            assert tensor.shape[0] == 3
            read += t1 - t0
            decode += t2 - t1
            preprocess += t3 - t2
    after = os.times()
    return {"images": len(files) * request["repeat"], "read": read, "decode": decode, "preprocess": preprocess,
            "cpu": time.process_time() - cpu, "user": after.user - times.user, "system": after.system - times.system}


def main():
    request = json.load(sys.stdin)
    files, threads = request["files"], max(1, request["threads"])
    run((files[:1], dict(request, repeat=1)))  # warm-up: imports, first-use allocations
    start = time.perf_counter()
    if threads == 1:
        parts = [run((files, request))]
    else:
        chunks = [files[i::threads] for i in range(threads)]
        with multiprocessing.get_context("fork").Pool(threads) as pool:
            parts = pool.map(run, [(c, request) for c in chunks])
    seconds = time.perf_counter() - start
    import PIL
    import torchvision
    images = sum(p["images"] for p in parts)
    cpu = sum(p["cpu"] for p in parts)
    print(json.dumps({
        "decoder": f"PIL {PIL.__version__} + torchvision {torchvision.__version__}",
        "images": images, "threads": threads, "seconds": seconds, "cpu_seconds": cpu,
        "read_seconds": sum(p["read"] for p in parts), "decode_seconds": sum(p["decode"] for p in parts),
        "preprocess_seconds": sum(p["preprocess"] for p in parts),
        "cpu_user_seconds": sum(p["user"] for p in parts), "cpu_system_seconds": sum(p["system"] for p in parts),
    }))


if __name__ == "__main__":
    main()
