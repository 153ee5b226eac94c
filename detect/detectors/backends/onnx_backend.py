"""ONNX Runtime directly (no torch import)."""

from __future__ import annotations

import numpy as np

from detect.detectors.backends.metadata import names_tuple
from detect.errors import require


class OnnxBackend:
    takes_bgr = False

    def __init__(self, path: str, device: str = "cpu", threads: int = 0) -> None:
        ort = require("onnxruntime", "fast", "detector.backend: onnx")
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        providers = ["CPUExecutionProvider"]
        if device.startswith("cuda") and "CUDAExecutionProvider" in ort.get_available_providers():
            providers.insert(0, "CUDAExecutionProvider")
        self._session = ort.InferenceSession(path, options, providers=providers)
        meta = self._session.get_modelmeta().custom_metadata_map
        self.labels = names_tuple(meta.get("names", "{}"))
        shape = self._session.get_inputs()[0].shape
        self._input = self._session.get_inputs()[0].name
        self.fixed_batch = shape[0] if isinstance(shape[0], int) else None
        static = all(isinstance(s, int) for s in shape[2:])
        self.fixed_shape = (shape[2], shape[3]) if static else None

    def infer(self, blob: np.ndarray) -> np.ndarray:
        if self.fixed_batch is not None and blob.shape[0] != self.fixed_batch:
            return np.concatenate([self.infer(blob[i:i + 1]) for i in range(blob.shape[0])])
        return self._session.run(None, {self._input: blob})[0]

    def close(self) -> None:
        self._session = None
