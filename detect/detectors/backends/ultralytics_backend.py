"""PyTorch (.pt) and TensorRT (.engine) through Ultralytics' AutoBackend.

Two modes on a CPU, as for OpenVINO. Latency (live sources, batch 1): one call uses torch's
intra-op threads across every core. Throughput (file sources given `batch` > 1): each core runs
its own share of the batch with one thread, in parallel. yolo11n's layers are too small to keep
two cores busy inside one call, and intra-op threads wait for each other at every layer, worst
when other threads of the run (decoding, drawing, encoding) take a core for a moment; a
single-threaded call never waits for a sibling (README: Many streams in one process).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np


class UltralyticsBackend:
    takes_bgr = False

    def __init__(self, path: str, device: str = "cpu", half: bool = False, threads: int = 0,
                 throughput: bool = False) -> None:
        import torch
        from ultralytics.nn.autobackend import AutoBackend

        self._torch = torch
        self._device = torch.device(device)
        self.device = str(self._device)
        self._model = AutoBackend(path, device=self._device, fp16=half, fuse=True, verbose=False)
        self._model.eval()
        names = self._model.names
        self.labels = tuple(names[k] for k in sorted(names))
        self.fixed_shape = None
        self.fixed_batch = None
        if self._model.format != "pt":
            imgsz = self._model.metadata.get("imgsz")
            self.fixed_shape = tuple(imgsz) if imgsz else None
            self.fixed_batch = int(self._model.metadata.get("batch", 1))
        self._half = self._model.fp16
        self._pool: ThreadPoolExecutor | None = None
        self.workers = 1
        if throughput and self._device.type == "cpu" and self._model.format == "pt":
            self.workers = threads or len(os.sched_getaffinity(0))  # not torch's count: another caller may have lowered it
        if self.workers > 1:
            self._pool = ThreadPoolExecutor(self.workers, "detect-torch", initializer=torch.set_num_threads,
                                            initargs=(1,))
        elif threads:
            torch.set_num_threads(threads)
        self.mode = "throughput" if self._pool is not None else "latency"

    def infer(self, blob: np.ndarray) -> np.ndarray:
        if self._pool is None:
            return self._infer(blob)
        parts = np.array_split(blob, min(self.workers, blob.shape[0]))
        return np.concatenate(list(self._pool.map(self._infer, parts)))

    def _infer(self, blob: np.ndarray) -> np.ndarray:
        torch = self._torch
        with torch.inference_mode():
            x = torch.from_numpy(blob).to(self._device)
            x = x.half() if self._half else x
            y = self._model(x)
            y = y[0] if isinstance(y, (list, tuple)) else y
            return y.float().cpu().numpy()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        self._model = None
