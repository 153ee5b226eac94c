"""Inference engines behind one tiny interface: a float32 NCHW blob in, raw YOLO head output out."""

from __future__ import annotations

from typing import Protocol

import numpy as np

BACKENDS = ("torch", "onnx", "openvino", "tensorrt")


class Backend(Protocol):
    labels: tuple[str, ...]
    fixed_shape: tuple[int, int] | None
    """Network input (h, w) the model was exported at, or None when any stride multiple works."""
    fixed_batch: int | None
    """Batch size the model was exported at, or None when any batch works."""

    def infer(self, blob: np.ndarray) -> np.ndarray:
        """(N, 3, H, W) float32 -> (N, 4 + classes, anchors) float32."""
        ...

    def close(self) -> None: ...


def load_backend(kind: str, path: str, device: str, half: bool, threads: int,
                 throughput: bool = False) -> Backend:
    """One place that maps a backend name to its module (imported only when used). `throughput`:
    batches of file frames matter more than one frame's wait (OpenVINO's parallel requests, torch's
    single-threaded calls on each core; onnx and GPUs ignore it)."""
    if kind == "openvino":
        from detect.detectors.backends.openvino_backend import OpenVINOBackend

        return OpenVINOBackend(path, threads=threads, throughput=throughput)
    if kind == "onnx":
        from detect.detectors.backends.onnx_backend import OnnxBackend

        return OnnxBackend(path, device=device, threads=threads)
    from detect.detectors.backends.ultralytics_backend import UltralyticsBackend

    return UltralyticsBackend(path, device=device, half=half, threads=threads, throughput=throughput)
