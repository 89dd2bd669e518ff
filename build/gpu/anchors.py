#!/usr/bin/env python3
"""Score-CAM of the anchor libraries (torchcam, pytorch-grad-cam) timed on the same models, batch and classes as
`cam bench`: torchvision models with random weights, a random batch, the top-k predicted classes of each image, the
last residual stage (layer4) as target. One warm-up on a small batch, then one timed batch per configuration; one JSON
object per line on stdout (images per second, peak device memory, peak process RSS)."""
import argparse
import json
import os
import resource
import sys
import time
import types


def parse_args():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--anchors", default=None, help="folder holding torchcam/, pytorch_grad_cam/, ttach/ "
                   "(default: gpu-kit/anchors, else ../shared/vendor/anchors)")
    p.add_argument("--device", default="cuda")
    p.add_argument("--archs", default="resnet18,resnet50")
    p.add_argument("--libs", default="torchcam,gradcam")
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--classes", type=int, default=1, help="top-k classes per image; each library runs once per rank")
    p.add_argument("--chunk", type=int, default=128, help="masked inputs per forward (both libraries' batch_size)")
    p.add_argument("--warmup-batch", type=int, default=2, help="images of the untimed warm-up run (0: none)")
    p.add_argument("--autocast", default="", choices=["", "bfloat16", "float16"], help="run under torch.autocast")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    if args.anchors is None:
        for candidate in (os.path.join(root, "gpu-kit", "anchors"), os.path.join(root, "..", "shared", "vendor", "anchors")):
            if os.path.isdir(os.path.join(candidate, "torchcam")):
                args.anchors = candidate
                break
    if args.anchors is None or not os.path.isdir(os.path.join(args.anchors, "torchcam")):
        p.error("anchor libraries not found; pass --anchors")
    return args


def synchronize(torch, device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def run_torchcam(torch, model, x, classes, chunk):
    from torchcam.methods import ScoreCAM
    with ScoreCAM(model, "layer4", batch_size=chunk, input_shape=tuple(x.shape[1:])) as extractor:
        maps = []
        for rank in range(classes.shape[1]):
            with torch.no_grad():
                model(x)
            maps.append(extractor(class_idx=classes[:, rank].tolist())[0])
    return maps


def run_gradcam(torch, model, x, classes, chunk):
    import pytorch_grad_cam.score_cam as score_cam
    from pytorch_grad_cam import ScoreCAM
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
    score_cam.tqdm = types.SimpleNamespace(tqdm=lambda iterable, **_: iterable)  # no progress bars in the log
    with ScoreCAM(model=model, target_layers=[model.layer4]) as cam:
        cam.batch_size = chunk
        return [cam(input_tensor=x, targets=[ClassifierOutputTarget(int(c)) for c in classes[:, rank].tolist()])
                for rank in range(classes.shape[1])]


def run_gradcam_ablation(torch, model, x, classes, chunk):
    """pytorch-grad-cam's AblationCAM on layer4 (it re-runs the whole network for every ablated channel)."""
    import pytorch_grad_cam.ablation_cam as ablation_cam
    from pytorch_grad_cam import AblationCAM
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
    ablation_cam.tqdm = types.SimpleNamespace(tqdm=lambda iterable, **_: iterable)
    with AblationCAM(model=model, target_layers=[model.layer4], batch_size=chunk) as cam:
        return [cam(input_tensor=x, targets=[ClassifierOutputTarget(int(c)) for c in classes[:, rank].tolist()])
                for rank in range(classes.shape[1])]


RUNNERS = {"torchcam": run_torchcam, "gradcam": run_gradcam, "gradcam-ablation": run_gradcam_ablation}


def main():
    args = parse_args()
    sys.path.insert(0, os.path.abspath(args.anchors))
    import torch
    import torchvision

    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    device_name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    tf32 = {"matmul": torch.backends.cuda.matmul.allow_tf32, "cudnn": torch.backends.cudnn.allow_tf32}
    autocast_dtype = getattr(torch, args.autocast) if args.autocast else None

    for arch in args.archs.split(","):
        for lib in args.libs.split(","):
            torch.manual_seed(args.seed)
            model = getattr(torchvision.models, arch)(weights=None).eval().to(device)
            x = torch.randn(args.batch, 3, args.size, args.size, device=device)
            with torch.no_grad():
                classes = model(x).topk(args.classes, dim=1).indices.cpu()
            channels = dict(model.named_modules())["layer4"][-1]
            channels = getattr(channels, "conv3", getattr(channels, "conv2")).out_channels
            record = {
                "anchor": lib, "arch": arch, "size": args.size, "batch": args.batch, "classes": args.classes,
                "chunk": args.chunk, "device": str(device), "device_name": device_name,
                "dtype": "autocast-" + args.autocast if args.autocast else "float32", "tf32": tf32,
                "torch": torch.__version__, "masked_forwards": args.batch * channels * args.classes,
            }
            try:
                run = RUNNERS[lib]
                with torch.autocast(device.type, dtype=autocast_dtype, enabled=autocast_dtype is not None):
                    warm = min(args.warmup_batch, args.batch)
                    if warm > 0:
                        run(torch, model, x[:warm], classes[:warm], args.chunk)
                    synchronize(torch, device)
                    if device.type == "cuda":
                        torch.cuda.empty_cache()
                        torch.cuda.reset_peak_memory_stats(device)
                    start = time.perf_counter()
                    maps = run(torch, model, x, classes, args.chunk)
                    synchronize(torch, device)
                    seconds = time.perf_counter() - start
                record.update(seconds=round(seconds, 3), images_per_second=round(args.batch / seconds, 3),
                              maps=len(maps))
                if device.type == "cuda":
                    record["peak_device_mb"] = round(torch.cuda.max_memory_allocated(device) / 2**20, 1)
            except Exception as e:  # an anchor that fails (out of memory, typically) is a result, not a crash
                record["error"] = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:500]
            record["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
            print(json.dumps(record), flush=True)
            del model, x
            if device.type == "cuda":
                torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
