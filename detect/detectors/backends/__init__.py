"""Inference engines behind one tiny interface: a letterboxed batch in, raw YOLO head output out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

BACKENDS = ("torch", "onnx", "openvino", "tensorrt")


class Backend(Protocol):
    labels: tuple[str, ...]
    fixed_shape: tuple[int, int] | None
    """Network input (h, w) the model was exported at, or None when any stride multiple works."""
    fixed_batch: int | None
    """Batch size the model was exported at, or None when any batch works."""
    takes_bgr: bool
    """True: `infer` takes the letterboxed frames as they are, (N, H, W, 3) BGR uint8, and the engine
    itself converts them (OpenVINO's preprocessing, compiled into the model); False: (N, 3, H, W)
    RGB float32 in [0, 1] (letterbox.to_blob)."""
    device: str
    """Where inference really runs ("cpu", "cuda:0"): what the run's log line reports."""
    mode: str
    """"latency" (one call uses every core) or "throughput" (a batch's frames run in parallel)."""

    def infer(self, blob: np.ndarray) -> np.ndarray:
        """The batch (see `takes_bgr`) -> (N, 4 + classes, anchors) float32."""
        ...

    def close(self) -> None: ...


def in_fixed_batches(blob: np.ndarray, fixed_batch: int | None, run: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """`run` on any number of images for an engine exported at `fixed_batch` (a static ONNX or
    TensorRT graph refuses any other): chunks of its batch, the last one padded with black images
    whose outputs are dropped. A file's last batch, a multi-stream call and a live frame are
    shorter than the export's batch."""
    count = blob.shape[0]
    if fixed_batch is None or count == fixed_batch:
        return run(blob)
    outputs = []
    for start in range(0, count, fixed_batch):
        chunk = blob[start:start + fixed_batch]
        real = chunk.shape[0]
        if real < fixed_batch:
            chunk = np.concatenate([chunk, np.zeros((fixed_batch - real, *chunk.shape[1:]), chunk.dtype)])
        outputs.append(run(chunk)[:real])
    return np.concatenate(outputs)


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
