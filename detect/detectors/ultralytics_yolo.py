"""Ultralytics YOLO models (.pt, .onnx, OpenVINO folders) behind the Detector interface."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import Field, field_validator

from detect.errors import ConfigError
from detect.models import read_labels, resolve_model
from detect.params import StageParams
from detect.registry import detectors
from detect.types import Detections


def class_ids(wanted: Sequence[str] | None, labels: Sequence[str], where: str = "detector.classes") -> list[int] | None:
    """Map class names to the model's ids; unknown names are an error with close matches."""
    if not wanted:
        return None
    index = {name: i for i, name in enumerate(labels)}
    errors = []
    for name in wanted:
        if name not in index:
            close = difflib.get_close_matches(name, labels, n=3, cutoff=0.6)
            hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
            errors.append(f"{where}: unknown class '{name}' for this model{hint}")
    if errors:
        raise ConfigError(errors)
    return [index[name] for name in wanted]


def resolve_device(device: str) -> str:
    if device != "auto":
        return device
    import torch

    return "cuda:0" if torch.cuda.is_available() else "cpu"


def set_cpu_threads(threads: int) -> None:
    """Ultralytics pins torch to cores-1 threads; more can help, but oversubscribed OpenMP spins."""
    if threads:
        import torch

        torch.set_num_threads(threads)


@detectors.register("ultralytics")
class UltralyticsDetector:
    """Any Ultralytics detection model; classes chosen by name."""

    class Params(StageParams):
        model: str = Field("yolo11n.pt", description="model file, exported folder, or name in $DETECT_MODELS_DIR")
        conf: float = Field(0.25, ge=0, le=1, description="confidence threshold")
        iou: float = Field(0.7, ge=0, le=1, description="NMS IoU threshold")
        imgsz: int = Field(640, ge=32, le=4096, description="inference size (long side)")
        device: str = Field("auto", description="cpu, cuda:N or auto")
        half: bool = Field(False, description="FP16 inference (CUDA only)")
        max_det: int = Field(300, ge=1, le=10000, description="maximum boxes per frame")
        classes: list[str] | None = Field(None, description="class names to keep (default: all)")
        threads: int = Field(0, ge=0, le=256, description="torch CPU threads (0 = leave Ultralytics' choice)")

        @field_validator("device")
        @classmethod
        def _device(cls, value: str) -> str:
            if value in {"cpu", "auto"} or value == "cuda" or (value.startswith("cuda:") and value[5:].isdigit()):
                return value
            raise ValueError("must be cpu, cuda, cuda:N or auto")

    def __init__(self, params: Params) -> None:
        self.params = params
        self.labels: tuple[str, ...] = ()
        self._model = None
        self._class_ids: list[int] | None = None
        self._device = "cpu"

    def check(self) -> tuple[str, ...]:
        """Validate model and class names without running inference (for `detect validate`)."""
        labels = read_labels(resolve_model(self.params.model))
        class_ids(self.params.classes, labels)
        return labels

    def open(self) -> None:
        from ultralytics import YOLO

        path = resolve_model(self.params.model)
        self._model = YOLO(path, task="detect")
        names = self._model.names
        self.labels = tuple(names[k] for k in sorted(names))
        self._class_ids = class_ids(self.params.classes, self.labels)
        self._device = resolve_device(self.params.device)

    def warmup(self) -> None:
        self.detect([np.zeros((self.params.imgsz // 2, self.params.imgsz, 3), np.uint8)])
        set_cpu_threads(self.params.threads)

    def detect(self, images: Sequence[np.ndarray]) -> list[Detections]:
        assert self._model is not None, "open() first"
        results = self._model.predict(
            list(images),
            conf=self.params.conf,
            iou=self.params.iou,
            imgsz=self.params.imgsz,
            device=self._device,
            **({"half": True} if self.params.half and self._device.startswith("cuda") else {}),
            max_det=self.params.max_det,
            classes=self._class_ids,
            verbose=False,
        )
        return [self._to_detections(r.boxes) for r in results]

    @staticmethod
    def _to_detections(boxes: Literal[None] | object) -> Detections:
        if boxes is None or len(boxes) == 0:
            return Detections.empty()
        return Detections(
            xyxy=boxes.xyxy.cpu().numpy().astype(np.float32),
            confidence=boxes.conf.cpu().numpy().astype(np.float32),
            class_id=boxes.cls.cpu().numpy().astype(np.int64),
        )

    def close(self) -> None:
        self._model = None
