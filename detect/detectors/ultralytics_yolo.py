"""Ultralytics YOLO detectors on any backend (torch, ONNX, OpenVINO, TensorRT), classes by name.

Pre- and post-processing are ours and shared by every backend (letterbox.py, yolo_decode.py),
so switching backend changes speed, not results; exported models load without importing torch.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import Field, field_validator

from detect.contract import Detector, Prepared
from detect.detectors import backend_choice, flip_tta
from detect.detectors.backends import Backend, load_backend
from detect.detectors.letterbox import letterbox, native_long_side, rect_shape, to_blob
from detect.detectors.model_inspection import model_format, read_labels
from detect.detectors.models import resolve_model
from detect.detectors.yolo_decode import decode
from detect.errors import ConfigError, DetectError, clip, did_you_mean, require
from detect.params import StageParams, path_field
from detect.registry import detectors
from detect.types import Detections, SourceInfo

log = logging.getLogger(__name__)


def class_ids(wanted: Sequence[str | int] | None, labels: Sequence[str],
              where: str = "detector.classes") -> list[int] | None:
    """Map class names (or ids) to the model's ids; unknown ones are an error with close matches."""
    if not wanted:
        return None
    index = {name: i for i, name in enumerate(labels)}
    errors, ids = [], []
    for name in wanted:
        if isinstance(name, int):
            if not 0 <= name < len(labels):
                errors.append(f"{where}: class id {name} is not in this model (0..{len(labels) - 1})")
            ids.append(name)
        elif name not in index:
            hint = did_you_mean(name, labels, n=3, cutoff=0.6).strip()
            errors.append(f"{where}: unknown class '{name}' for this model" + (f" ({hint})" if hint else ""))
        else:
            ids.append(index[name])
    if errors:
        raise ConfigError(errors)
    return ids


MIN_DETECTIONS_PER_SECOND = 15.0
"""`detect_every: auto` never lets the detector run less often than this: skipping frames at 10 fps
costs KITTI-17 9 HOTA points, at 30 fps every second frame still gives the tracker 15 looks a second."""


def frames_per_detection(fps: float) -> int:
    """`detect_every: auto` for a source of `fps` frames a second (unknown: every frame; 29.97 counts as 30)."""
    return max(1, int(round(fps) // MIN_DETECTIONS_PER_SECOND))


@detectors.register("ultralytics")
class UltralyticsDetector(Detector):
    """Any Ultralytics detection model (.pt, .onnx, OpenVINO folder); backend and classes chosen in YAML."""

    class Params(StageParams):
        model: str = path_field("yolo11n.pt", description="model file, exported folder, or name in $DETECT_MODELS_DIR",
                                bare_name_is_lookup=True)
        backend: Literal["auto", "torch", "onnx", "openvino", "tensorrt"] | None = Field(
            None, description="engine (default: the model's own, torch for .pt); a .pt is exported once "
                              "(cached) for onnx/openvino/tensorrt; auto picks the fastest available")
        conf: float = Field(0.25, ge=0, le=1, description="confidence threshold")
        iou: float = Field(0.7, ge=0, le=1, description="NMS IoU threshold")
        imgsz: int | Literal["native"] = Field(
            640, description="inference size (long side); native: the frame's own long side, at least 640 "
                             "and at most max_imgsz (e.g. 736x1280 for 1920x1080, 384x1248 for 1224x370)")
        max_imgsz: int = Field(1280, ge=32, le=4096, description="the largest long side imgsz: native infers at")
        min_height: float | dict[str, float] = Field(
            0.0, description="drop boxes shorter than this many frame pixels: one number for every class, or "
                           "per class name ({person: 50}); 0 keeps all")
        rect: bool = Field(True, description="infer at the frame's aspect ratio (e.g. 384x640 for 16:9)")
        device: str = Field("auto", description="cpu, cuda:N or auto")
        half: bool = Field(False, description="FP16 inference (CUDA, or FP16 exports)")
        int8: bool = Field(False, description="INT8 OpenVINO export, calibrated on your footage (see calibration)")
        calibration: str | None = path_field(None, description="video or image folder for INT8 calibration "
                                                           "(default: the first source file exported with)")
        max_det: int = Field(300, ge=1, le=10000, description="maximum boxes per frame")
        classes: list[str | int] | None = Field(None, description="classes to keep, by name or id: [car, person], "
                                                                   "'car,person' or [2, 0] (default: all)")
        batch: int = Field(1, ge=1, le=64, description="frames per inference call (file sources)")
        detect_every: Annotated[int, Field(ge=1, le=30)] | Literal["auto"] = Field(
            1, description="run the detector on every N-th frame; the tracker carries boxes between; "
                                        "auto: skip only above 2x MIN_DETECTIONS_PER_SECOND fps (1 at 10 or 25 fps, 2 at 30)")
        threads: int = Field(0, ge=0, le=256, description="CPU inference threads (0 = the backend's choice)")
        tta: Literal["none", "flip"] = Field(
            "none", description="test-time augmentation: flip also runs the mirrored frame and fuses each box with "
                                "its mirrored twin (weighted box fusion; steadier boxes, 2x inference)")
        tta_iou: float = Field(0.7, ge=0, le=1, description="IoU at which a box and its mirrored twin fuse (tta: flip; "
                                                            "the NMS IoU, so two people one look keeps apart stay apart)")

        @field_validator("classes", mode="before")
        @classmethod
        def _classes(cls, value: object) -> object:
            """`person` or `car,person` (as typed on a command line) is a list of one or more;
            digits are class ids."""
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                value = str(value).split(",")
            if isinstance(value, list):
                return [int(v) if isinstance(v, str) and v.strip().isdigit() else v.strip() if isinstance(v, str) else v
                        for v in value]
            return value

        @field_validator("imgsz", mode="before")
        @classmethod
        def _imgsz(cls, value: object) -> object:
            """One clear line for a wrong size, not one per branch of `int | native`."""
            if value == "native":
                return value
            size = int(value.strip()) if isinstance(value, str) and value.strip().isdigit() else value
            size = int(size) if isinstance(size, float) and size.is_integer() else size
            if isinstance(size, bool) or not isinstance(size, int) or not 32 <= size <= 4096:
                raise ValueError("must be a size in pixels from 32 to 4096 (the long side, e.g. 640) or native")
            return size

        @field_validator("min_height")
        @classmethod
        def _min_height(cls, value: float | dict[str, float]) -> float | dict[str, float]:
            if min(value.values() if isinstance(value, dict) else [value], default=0) < 0:
                raise ValueError("must be 0 or more pixels")
            return value

        @field_validator("device")
        @classmethod
        def _device(cls, value: str) -> str:
            if value in {"cpu", "auto"} or value == "cuda" or (value.startswith("cuda:") and value[5:].isdigit()):
                return value
            raise ValueError("must be cpu, cuda, cuda:N or auto")

    def __init__(self, params: Params) -> None:
        self.params = params
        self.labels: tuple[str, ...] = ()
        self.backend_name = ""
        self.model_path = ""
        self.load_seconds = 0.0
        self.last_timings: dict[str, float] = {}
        self._backend: Backend | None = None
        self._loaded: tuple[str, str, str, bool] | None = None
        """(backend, path, device) of the loaded engine: an open() with the same plan reuses it
        (a batch worker's runs on many files load the model once)."""
        self._warm: tuple[int, int] | None = None
        self._class_ids: list[int] | None = None
        self._shape: tuple[int, int] | None = None
        self._min_height: np.ndarray | None = None
        self._source_fps = 0.0

    @property
    def batch(self) -> int:
        return self.params.batch

    @property
    def detect_every(self) -> int:
        if self.params.detect_every == "auto":
            return frames_per_detection(self._source_fps)
        return self.params.detect_every

    def check(self) -> None:
        """What open() would refuse (model file, device, backend, class names), without loading an
        engine or running inference (for `detect validate`)."""
        path, _, _ = self._plan()
        labels = read_labels(path)
        class_ids(self.params.classes, labels)
        if isinstance(self.params.min_height, dict):
            class_ids(list(self.params.min_height), labels, where="detector.min_height")

    def _plan(self) -> tuple[str, str, str]:
        """The model path, device and backend, each checked: the part check() and open() share."""
        p = self.params
        try:
            path = resolve_model(p.model)
        except ConfigError as exc:
            raise ConfigError([f"detector.model: {m}" for m in exc.messages]) from None
        model_format(path)
        device = backend_choice.device(p.device)
        kind = backend_choice.backend_for(path, p.backend, device)
        device = backend_choice.runs_on(kind, device, p.device)
        if p.int8 and not (Path(path).suffix == ".pt" and kind == "openvino"):
            raise ConfigError("detector.int8: INT8 needs a .pt to export from with backend: openvino "
                              f"({Path(path).name} runs on {kind} as it is)")
        return path, device, kind

    def open(self, info: SourceInfo | None = None) -> None:
        started = time.perf_counter()
        p = self.params
        path, device, kind = self._plan()
        shape = self._planned_shape(info)
        if Path(path).suffix == ".pt" and kind != "torch":
            from detect.detectors.export_cache import exported

            path = exported(path, kind, shape or (self._square(),) * 2, half=p.half,
                            batch=1 if kind == "openvino" else p.batch, device=device,
                            int8_calibration=self._calibration(info) if p.int8 else None,
                            calibration_in_key=p.calibration is not None)
        throughput = p.batch > 1 and not (info is not None and info.live)
        if self._backend is not None and self._loaded == (kind, path, device, throughput):
            log.debug("detector: %s already loaded, reused", Path(path).name)
        else:
            self.close()
            self._backend = self._load(kind, path, device, throughput)
            self._loaded = (kind, path, device, throughput)
        self.backend_name, self.model_path = kind, path
        self.labels = self._backend.labels
        if not self.labels:
            raise ConfigError(f"detector.model: the model has no class names in its metadata ({path})")
        self._class_ids = class_ids(p.classes, self.labels)
        self._min_height = self._height_floor()
        if p.tta == "flip":
            require("ensemble_boxes", "tta", "detector.tta: flip")
        self._shape = self._backend.fixed_shape or shape
        self._source_fps = info.fps if info is not None else 0.0
        self.load_seconds = time.perf_counter() - started
        log.info("detector: %s on %s (%s), input %s", Path(path).name, kind, self._backend.device,
                 "x".join(map(str, self._shape)) if self._shape else "per frame")

    def _load(self, kind: str, path: str, device: str, throughput: bool) -> Backend:
        """The engine; whatever it raises about a file it cannot load is one line naming the file."""
        try:
            return load_backend(kind, path, device, self.params.half, self.params.threads, throughput)
        except DetectError:
            raise
        except Exception as exc:  # each engine has its own exception classes
            read_labels(path)  # names what is wrong with the file, where it can tell
            lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
            detail = clip(lines[-1] if lines else "", 160)
            raise ConfigError(f"detector.model: {kind} cannot load it ({type(exc).__name__}"
                              f"{': ' + detail if detail else ''}) ({clip(path, 200)})") from exc

    def _calibration(self, info: SourceInfo | None) -> str:
        material = self.params.calibration or (info.source_id if info is not None else None)
        if not material or not Path(material).exists():
            raise ConfigError("detector.calibration: INT8 needs footage to calibrate on; give a video file "
                              "or image folder (a live source cannot be sampled)")
        return material

    def _planned_shape(self, info: SourceInfo | None) -> tuple[int, int] | None:
        """The input fixed from the source's size; None (sized per frame) for stills of mixed sizes,
        so a portrait photo after a wide one is not shrunk into the wide one's input."""
        if info is None or info.varying_size:
            return None
        return self._input_shape(info.height, info.width)

    def warmup(self) -> None:
        h, w = self._shape or (self._square(),) * 2
        if self._warm == (h, w):
            return
        self.detect([np.zeros((h, w, 3), np.uint8)] * self.params.batch)
        self._warm = (h, w)

    def detect(self, images: Sequence[np.ndarray]) -> list[Detections]:
        prepared = self.prepare(images)
        t1 = time.perf_counter()
        raw = self.infer_prepared(prepared.blob)
        t2 = time.perf_counter()
        out = self.finish(prepared, raw)
        self.last_timings = {"preprocess": prepared.seconds, "inference": t2 - t1,
                             "postprocess": time.perf_counter() - t2}
        return out

    def prepare(self, images: Sequence[np.ndarray]) -> Prepared:
        """Letterbox into one blob at one input size (the planned one, else the first image's). A
        backend that normalises inside its engine (`takes_bgr`) gets the BGR uint8 batch as it is,
        which spares a float32 copy of every input here. With `tta: flip` the blob holds each
        frame, then each frame mirrored."""
        assert self._backend is not None, "open() first"
        t0 = time.perf_counter()
        shape = self._shape or self._image_shape(images[0])
        boxed = [letterbox(image, shape) for image in images]
        pictures = [b[0] for b in boxed]
        if self.params.tta == "flip":
            pictures += [np.ascontiguousarray(picture[:, ::-1]) for picture in pictures]
        blob = np.stack(pictures) if self._backend.takes_bgr else to_blob(pictures)
        placement = [(b[1], image.shape[:2]) for b, image in zip(boxed, images, strict=True)]
        return Prepared(blob, placement, time.perf_counter() - t0)

    @property
    def concurrent_calls(self) -> int:
        return 2 if self._backend is not None and self._backend.mode == "throughput" else 1

    def infer_prepared(self, blob: np.ndarray) -> np.ndarray:
        assert self._backend is not None, "open() first"
        return self._backend.infer(blob)

    def finish(self, prepared: Prepared, raw: np.ndarray) -> list[Detections]:
        """Boxes back on each image: confidence filter, NMS, letterbox undone, the mirrored look
        fused in (`tta: flip`), boxes under `min_height` dropped. Thread-safe (a multi-stream run
        calls it from every stream's thread)."""
        p = self.params

        def boxes(output: np.ndarray, placement: object, size: tuple[int, int]) -> Detections:
            return decode(output, placement, size, p.conf, p.iou, p.max_det, self._class_ids)

        out = [boxes(raw[i], placement, size) for i, (placement, size) in enumerate(prepared.placement)]
        if p.tta == "flip":
            n = len(out)
            width = (self._shape or self._input_shape(*prepared.placement[0][1]))[1]
            mirrored = flip_tta.unmirror(raw[n:], width)
            out = [flip_tta.fuse([out[i], boxes(mirrored[i], placement, size)], size, p.tta_iou, p.conf)
                   for i, (placement, size) in enumerate(prepared.placement)]
        return [self._drop_small(d) for d in out]

    def _image_shape(self, image: np.ndarray) -> tuple[int, int]:
        return self._input_shape(image.shape[0], image.shape[1])

    def _input_shape(self, height: int, width: int) -> tuple[int, int]:
        """The network input (h, w) for a frame of this size: imgsz (or native's rule), rect or square."""
        p = self.params
        size = native_long_side(height, width, p.max_imgsz) if p.imgsz == "native" else p.imgsz
        return rect_shape(height, width, size) if p.rect else (size, size)

    def _square(self) -> int:
        """The square input for an unknown frame size (warm-up, exports without a known source)."""
        return self.params.max_imgsz if self.params.imgsz == "native" else self.params.imgsz

    def _height_floor(self) -> np.ndarray | None:
        """min_height per class id (None: nothing to drop)."""
        floor = self.params.min_height
        if isinstance(floor, dict):
            ids = class_ids(list(floor), self.labels, where="detector.min_height") or []
            per_class = np.zeros(len(self.labels), np.float32)
            per_class[ids] = list(floor.values())
            return per_class if per_class.any() else None
        return np.full(len(self.labels), floor, np.float32) if floor > 0 else None

    def _drop_small(self, detections: Detections) -> Detections:
        if self._min_height is None or len(detections) == 0:
            return detections
        heights = detections.xyxy[:, 3] - detections.xyxy[:, 1]
        keep = heights >= self._min_height[detections.class_id]
        return detections if keep.all() else detections[keep]

    def close(self) -> None:
        if self._backend is not None:
            self._backend.close()
            self._backend = None
            self._loaded = self._warm = None
