"""Which device and engine a detector runs on, decided once at open()."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from detect.errors import ConfigError


def cuda_devices() -> int:
    """How many CUDA devices torch can use (0 without torch, a GPU or its driver)."""
    if importlib.util.find_spec("torch") is None:
        return 0
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def cuda_available() -> bool:
    return cuda_devices() > 0


def device(requested: str) -> str:
    """The device to run on; a CUDA device that is not there is an error now, not a crash mid-load."""
    if requested == "cpu":
        return requested
    if requested == "auto":
        return "cuda:0" if cuda_available() else "cpu"
    index = 0 if requested == "cuda" else int(requested.removeprefix("cuda:"))
    count = cuda_devices()
    if count == 0:
        raise ConfigError(f"detector.device: {requested} asked for, but no CUDA device is available "
                          "(use device: cpu, or auto to take a GPU when there is one)")
    if index >= count:
        raise ConfigError(f"detector.device: {requested} asked for, but there {'is' if count == 1 else 'are'} "
                          f"only {count} CUDA device{'s' if count > 1 else ''} (cuda:0 to cuda:{count - 1})")
    return f"cuda:{index}"


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


def runs_on(kind: str, dev: str, requested: str) -> str:
    """The device a backend runs on: OpenVINO's is the CPU whatever GPU there is, so `auto`
    takes the CPU for it and a CUDA device asked for by name is an error, not a silent CPU run."""
    if kind != "openvino" or not dev.startswith("cuda"):
        return dev
    if requested == "auto":
        return "cpu"
    raise ConfigError(f"detector.device: {requested} asked for, but OpenVINO runs on the CPU "
                      "(use backend: tensorrt or torch for the GPU, or device: cpu)")
