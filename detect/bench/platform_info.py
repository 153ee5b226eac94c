"""The machine and library versions a result was measured with (numbers mean little without them)."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = ("detect", "numpy", "torch", "torchvision", "ultralytics", "openvino", "onnxruntime", "tensorrt",
            "opencv-python", "av", "trackeval", "pycocotools")
"""Versions read from package metadata: nothing heavy is imported to learn them."""


def platform_info() -> dict[str, Any]:
    """CPU model, core counts, memory, OS, Python and backend versions."""
    import psutil

    return {
        "cpu": cpu_model(),
        "physical_cores": psutil.cpu_count(logical=False),
        "logical_cores": psutil.cpu_count(logical=True),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": {name: _version(name) for name in PACKAGES},
    }


def cpu_model() -> str:
    """`model name` from /proc/cpuinfo on Linux; platform.processor() elsewhere."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None
