"""PyTorch (.pt) and TensorRT (.engine) through Ultralytics' AutoBackend."""

from __future__ import annotations

import numpy as np


class UltralyticsBackend:
    takes_bgr = False

    def __init__(self, path: str, device: str = "cpu", half: bool = False, threads: int = 0) -> None:
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
        if threads:
            torch.set_num_threads(threads)

    def infer(self, blob: np.ndarray) -> np.ndarray:
        torch = self._torch
        with torch.inference_mode():
            x = torch.from_numpy(blob).to(self._device)
            x = x.half() if self._half else x
            y = self._model(x)
            y = y[0] if isinstance(y, (list, tuple)) else y
            return y.float().cpu().numpy()

    def close(self) -> None:
        self._model = None
