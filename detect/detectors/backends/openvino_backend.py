"""OpenVINO runtime directly (no torch import): the fastest CPU path for exported models."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from detect.detectors.backends.metadata import (
    imgsz_tuple,
    names_tuple,
    read_metadata_yaml,
)
from detect.errors import require


class OpenVINOBackend:
    def __init__(self, path: str, threads: int = 0) -> None:
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
        config = {"PERFORMANCE_HINT": "LATENCY"}
        if threads:
            config["INFERENCE_NUM_THREADS"] = threads
        self._compiled = core.compile_model(model, "CPU", config)
        self._request = self._compiled.create_infer_request()

    def infer(self, blob: np.ndarray) -> np.ndarray:
        if self.fixed_batch is not None and blob.shape[0] != self.fixed_batch:
            return np.concatenate([self.infer(blob[i:i + 1]) for i in range(blob.shape[0])])
        self._request.infer({0: blob}, share_inputs=True)
        return self._request.get_output_tensor(0).data.copy()

    def close(self) -> None:
        self._request = None
        self._compiled = None
