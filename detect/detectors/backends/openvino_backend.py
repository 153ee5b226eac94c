"""OpenVINO runtime directly (no torch import): the fastest CPU path for exported models.

Two modes. `LATENCY` (live sources, batch 1): one request uses every core for each frame, so a
frame's wait is shortest. `THROUGHPUT` (file sources given `batch` > 1): OpenVINO splits the
cores into streams and the frames of a batch run as parallel asynchronous requests, one per
stream; on 2 cores that is about 1.3x the frames per second of LATENCY for yolo11n, because one
small network cannot keep two cores busy on its own (README: Speed). OpenVINO recommends these
parallel requests over a batched model on CPU, so the export stays at batch 1 in both modes.

The model takes the letterboxed frames as BGR uint8 (`takes_bgr`): OpenVINO's preprocessing,
compiled into the model, makes the float RGB input in its own vectorised code, where numpy's
conversion cost about 2 ms of CPU per 384x640 frame; the outputs are bit-identical.
"""

from __future__ import annotations

import threading
from collections import deque
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
    takes_bgr = True

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
        model = _takes_bgr_uint8(ov, model)
        config: dict[str, object] = {"PERFORMANCE_HINT": "THROUGHPUT" if throughput else "LATENCY"}
        if threads:
            config["INFERENCE_NUM_THREADS"] = threads
        self._compiled = core.compile_model(model, "CPU", config)
        self._parallel_count = self._compiled.get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS") if throughput else 0
        self._threads = threading.local()
        """Each calling thread's own requests, so two threads may run calls at once (a multi-stream
        run keeps a second call queued while the first runs)."""
        self.mode = "throughput" if throughput else "latency"
        self.device = "cpu"

    def infer(self, blob: np.ndarray) -> np.ndarray:
        if self._parallel_count and self.fixed_batch == 1 and blob.shape[0] > 1:
            return self._infer_parallel(blob)
        return in_fixed_batches(blob, self.fixed_batch, self._run)

    def _run(self, blob: np.ndarray) -> np.ndarray:
        request = self._requests()[0]
        request.infer({0: blob}, share_inputs=True)
        return request.get_output_tensor(0).data.copy()

    def _requests(self) -> list:
        """This thread's requests: one for a whole call, then one per stream for parallel frames."""
        requests = getattr(self._threads, "requests", None)
        if requests is None:
            count = 1 + self._parallel_count
            requests = self._threads.requests = [self._compiled.create_infer_request() for _ in range(count)]
        return requests

    def _infer_parallel(self, blob: np.ndarray) -> np.ndarray:
        """Each frame of the batch as its own request, as many in flight as OpenVINO has streams;
        a request is reused once its previous frame is collected. (No AsyncInferQueue: its
        Python callbacks could deadlock against the GIL when the queue was freed.)"""
        parallel = self._requests()[1:]
        outputs: list[np.ndarray] = []
        in_flight: deque = deque()
        for i in range(blob.shape[0]):
            if len(in_flight) == len(parallel):
                outputs.append(_collect(in_flight.popleft()))
            request = parallel[i % len(parallel)]
            request.start_async({0: blob[i:i + 1]}, share_inputs=True)
            in_flight.append(request)
        outputs.extend(_collect(request) for request in in_flight)
        return np.concatenate(outputs)

    def close(self) -> None:
        self._threads = threading.local()
        self._compiled = None


def _collect(request: object) -> np.ndarray:
    request.wait()  # type: ignore[attr-defined]
    return request.get_output_tensor(0).data.copy()  # type: ignore[attr-defined]


def _takes_bgr_uint8(ov: object, model: object) -> object:
    """The model with an input of (N, H, W, 3) BGR uint8, converted inside to what it was trained
    on: RGB float32 in [0, 1], NCHW (what letterbox.to_blob makes for the other backends)."""
    from openvino.preprocess import ColorFormat, PrePostProcessor

    ppp = PrePostProcessor(model)
    ppp.input().tensor().set_element_type(ov.Type.u8).set_layout(ov.Layout("NHWC")).set_color_format(ColorFormat.BGR)
    ppp.input().model().set_layout(ov.Layout("NCHW"))
    ppp.input().preprocess().convert_element_type(ov.Type.f32).convert_color(ColorFormat.RGB).scale(255.0)
    return ppp.build()
