"""ONNX Runtime directly (no torch import); on a CUDA device when onnxruntime-gpu provides one."""

from __future__ import annotations

import logging

import numpy as np

from detect.detectors.backends import in_fixed_batches
from detect.detectors.backends.metadata import names_tuple
from detect.errors import require

log = logging.getLogger(__name__)

CUDA_PROVIDER = "CUDAExecutionProvider"


class OnnxBackend:
    takes_bgr = False
    mode = "latency"

    def __init__(self, path: str, device: str = "cpu", threads: int = 0) -> None:
        ort = require("onnxruntime", "fast", "detector.backend: onnx")
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        providers: list[str | tuple[str, dict[str, int]]] = ["CPUExecutionProvider"]
        if device.startswith("cuda"):
            if CUDA_PROVIDER in ort.get_available_providers():
                providers.insert(0, (CUDA_PROVIDER, {"device_id": int(device.partition(":")[2] or 0)}))
            else:
                log.warning("detector: %s asked for, but this onnxruntime has no %s (pip install onnxruntime-gpu); "
                            "running on the CPU", device, CUDA_PROVIDER)
        self._session = ort.InferenceSession(path, options, providers=providers)
        self.device = device if CUDA_PROVIDER in self._session.get_providers() else "cpu"
        meta = self._session.get_modelmeta().custom_metadata_map
        self.labels = names_tuple(meta.get("names", "{}"))
        shape = self._session.get_inputs()[0].shape
        self._input = self._session.get_inputs()[0].name
        self._dtype = np.float16 if self._session.get_inputs()[0].type == "tensor(float16)" else np.float32
        """An FP16 export made on a GPU takes and gives float16 (one made on the CPU keeps float32 ends)."""
        self.fixed_batch = shape[0] if isinstance(shape[0], int) else None
        static = all(isinstance(s, int) for s in shape[2:])
        self.fixed_shape = (shape[2], shape[3]) if static else None

    def infer(self, blob: np.ndarray) -> np.ndarray:
        return in_fixed_batches(blob, self.fixed_batch, self._run)

    def _run(self, blob: np.ndarray) -> np.ndarray:
        return self._session.run(None, {self._input: blob.astype(self._dtype, copy=False)})[0].astype(np.float32,
                                                                                                      copy=False)

    def close(self) -> None:
        self._session = None
