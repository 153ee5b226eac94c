"""OpenVINO runtime directly (no torch import): the fastest CPU path for exported models.

Two modes. `LATENCY` (live sources, batch 1): one request uses every core for each frame, so a
frame's wait is shortest. `THROUGHPUT` (file sources given `batch` > 1): OpenVINO splits the
cores into streams and the frames of a batch run as parallel asynchronous requests, one per
stream; on 2 cores that is about 1.3x the frames per second of LATENCY for yolo11n, because one
small network cannot keep two cores busy on its own (README: Speed). OpenVINO recommends these
parallel requests over a batched model on CPU, so the export stays at batch 1 in both modes.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from detect.detectors.backends import in_fixed_batches
from detect.detectors.backends.metadata import (
    imgsz_tuple,
    names_tuple,
    read_metadata_yaml,
)
from detect.errors import require


class OpenVINOBackend:
    def __init__(self, path: str, threads: int = 0, throughput: bool = False) -> None:
        ov = require("openvino", "fast", "detector.backend: openvino")
        folder = Path(path)
        xml = folder if folder.suffix == ".xml" else next(folder.glob("*.xml"))
        meta = read_metadata_yaml(xml.parent)
        self.labels = names_tuple(meta.get("names", {}))
        core = ov.Core()
        model = core.read_model(str(xml))
        shape = model.input(0).get_partial_shape()
        static = shape.is_static
        self.fixed_shape = (shape[2].get_length(), shape[3].get_length()) if static else None
        self.fixed_batch = shape[0].get_length() if shape[0].is_static else None
        if self.fixed_shape is None:
            self.fixed_shape = None if meta.get("dynamic") else imgsz_tuple(meta.get("imgsz"))
        config: dict[str, object] = {"PERFORMANCE_HINT": "THROUGHPUT" if throughput else "LATENCY"}
        if threads:
            config["INFERENCE_NUM_THREADS"] = threads
        self._compiled = core.compile_model(model, "CPU", config)
        self._ov = ov
        self._throughput = throughput
        self._queues = threading.local()
        """Each calling thread's own request and AsyncInferQueue, so two threads may run calls at
        once (a multi-stream run keeps a second call queued while the first runs)."""
        self.mode = "throughput" if throughput else "latency"
        self.device = "cpu"

    @staticmethod
    def _collect(request: object, userdata: tuple[dict[int, np.ndarray], int]) -> None:
        results, index = userdata
        results[index] = request.get_output_tensor(0).data.copy()  # type: ignore[attr-defined]

    def infer(self, blob: np.ndarray) -> np.ndarray:
        if self._throughput and self.fixed_batch == 1 and blob.shape[0] > 1:
            return self._infer_parallel(blob)
        return in_fixed_batches(blob, self.fixed_batch, self._run)

    def _run(self, blob: np.ndarray) -> np.ndarray:
        request = self._thread_request()
        request.infer({0: blob}, share_inputs=True)
        return request.get_output_tensor(0).data.copy()

    def _thread_request(self) -> object:
        request = getattr(self._queues, "request", None)
        if request is None:
            request = self._queues.request = self._compiled.create_infer_request()
        return request

    def _infer_parallel(self, blob: np.ndarray) -> np.ndarray:
        """Each frame of the batch as its own request; OpenVINO runs as many at once as it has streams."""
        queue = getattr(self._queues, "queue", None)
        if queue is None:
            queue = self._queues.queue = self._ov.AsyncInferQueue(
                self._compiled, self._compiled.get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS"))
            queue.set_callback(self._collect)
        blob = np.ascontiguousarray(blob)
        results: dict[int, np.ndarray] = {}
        for i in range(blob.shape[0]):
            queue.start_async({0: blob[i:i + 1]}, (results, i), share_inputs=True)
        queue.wait_all()
        return np.concatenate([results[i] for i in range(blob.shape[0])])

    def close(self) -> None:
        self._queues = threading.local()
        self._compiled = None
