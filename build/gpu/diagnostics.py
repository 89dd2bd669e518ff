#!/usr/bin/env python3
"""What the device is: GPUs, driver, Python, PyTorch (version, CUDA, cuDNN, C++ ABI, library folder), compilers and build
tools, cores and memory. One JSON object on stdout; a missing tool or module is recorded, never fatal."""
import json
import os
import platform
import shutil
import subprocess
import sys


def command(*args, line=None):
    if shutil.which(args[0]) is None:
        return None
    try:
        out = subprocess.run(args, capture_output=True, text=True, timeout=30).stdout.strip().splitlines()
    except (OSError, subprocess.SubprocessError) as e:
        return f"error: {e}"
    if not out:
        return ""
    return out[line] if line is not None else out


def memory_gib():
    try:
        with open("/proc/meminfo") as f:
            kib = int(next(l for l in f if l.startswith("MemTotal:")).split()[1])
        return round(kib / 2**20, 1)
    except (OSError, StopIteration, ValueError):
        return None


def torch_facts():
    try:
        import torch
    except Exception as e:  # torch may be absent or broken: say so
        return {"error": f"{type(e).__name__}: {e}"}
    facts = {
        "version": torch.__version__,
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None,
        "cxx11_abi": bool(torch._C._GLIBCXX_USE_CXX11_ABI),
        "lib": os.path.join(os.path.dirname(torch.__file__), "lib"),
        "cmake_prefix_path": getattr(torch.utils, "cmake_prefix_path", None),
        "cuda_available": torch.cuda.is_available(),
        "tf32_default": {"matmul": torch.backends.cuda.matmul.allow_tf32, "cudnn": torch.backends.cudnn.allow_tf32},
        "devices": [],
    }
    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            p = torch.cuda.get_device_properties(i)
            free, total = torch.cuda.mem_get_info(i)
            facts["devices"].append({"index": i, "name": p.name, "capability": f"{p.major}.{p.minor}",
                                     "total_mib": total // 2**20, "free_mib": free // 2**20,
                                     "multiprocessors": p.multi_processor_count})
    try:
        import torchvision
        facts["torchvision"] = torchvision.__version__
    except Exception as e:
        facts["torchvision"] = f"error: {e}"
    return facts


def main():
    print(json.dumps({
        "python": sys.version.split()[0],
        "python_executable": sys.executable,
        "platform": platform.platform(),
        "cores": os.cpu_count(),
        "memory_gib": memory_gib(),
        "torch": torch_facts(),
        "nvidia_smi": command("nvidia-smi", "--query-gpu=name,driver_version,memory.total,memory.used,clocks.max.sm",
                              "--format=csv,noheader"),
        "nvcc": command("nvcc", "--version", line=-1),
        "gxx": command("g++", "--version", line=0),
        "cmake": command("cmake", "--version", line=0),
        "ninja": command("ninja", "--version", line=0),
        "glibc": platform.libc_ver()[1],
    }))


if __name__ == "__main__":
    main()
