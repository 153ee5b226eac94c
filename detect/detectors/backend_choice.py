"""Which device and engine a detector runs on, decided once at open()."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from detect.errors import ConfigError


def device(requested: str) -> str:
    if requested != "auto":
        return "cuda:0" if requested == "cuda" else requested
    if importlib.util.find_spec("torch") is None:
        return "cpu"
    import torch

    return "cuda:0" if torch.cuda.is_available() else "cpu"


def format_of(path: str) -> str:
    """What the model file already is: pt, onnx, openvino or tensorrt."""
    p = Path(path)
    if p.is_dir() and any(p.glob("*.xml")) or p.suffix == ".xml":
        return "openvino"
    return {".onnx": "onnx", ".engine": "tensorrt", ".pt": "pt"}.get(p.suffix, "pt")


def fastest_available(dev: str) -> str:
    """`backend: auto`: TensorRT on CUDA when installed, else OpenVINO on CPU, else torch."""
    if dev.startswith("cuda"):
        return "tensorrt" if importlib.util.find_spec("tensorrt") else "torch"
    if importlib.util.find_spec("openvino"):
        return "openvino"
    if importlib.util.find_spec("onnxruntime"):
        return "onnx"
    return "torch"


def backend_for(path: str, requested: str | None, dev: str) -> str:
    """Exported models run on their own engine; a .pt on the requested one (None: torch)."""
    fmt = format_of(path)
    if fmt != "pt":
        if requested not in (None, "auto", fmt):
            raise ConfigError(f"detector.backend: '{requested}' cannot run {Path(path).name}, which is a "
                              f"{fmt} model (use backend: {fmt}, or give the .pt to export from)")
        return fmt
    if requested is None:
        return "torch"
    if requested == "auto":
        return fastest_available(dev)
    if requested == "tensorrt" and not dev.startswith("cuda"):
        raise ConfigError("detector.backend: tensorrt needs a CUDA device (device: cuda:0)")
    return requested
