"""Export a .pt once per (weights, backend, input shape, precision, batch) and reuse it from a cache.

A TensorRT engine is also specific to the GPU model and the TensorRT version that built it (it
does not load elsewhere), so its key names both: a cache shared by machines (a Ray cluster's
file system) or kept across a TensorRT upgrade builds a new engine instead of failing to load."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import shutil
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

from detect.errors import ConfigError, require

log = logging.getLogger(__name__)

FORMATS = {"onnx": ("onnx", ".onnx"), "openvino": ("openvino", "_openvino_model"), "tensorrt": ("engine", ".engine")}
EXPORTER_PACKAGES = {"onnx": ("onnx", "onnxslim", "onnxruntime"), "openvino": ("openvino",),
                     "tensorrt": ("onnx", "onnxslim", "onnxruntime", "tensorrt")}
"""What Ultralytics' exporter imports per backend (TensorRT goes through ONNX); checked first so a
missing one names the extra instead of Ultralytics trying to pip-install it mid-run."""


NAMES = {"onnx": "ONNX", "openvino": "OpenVINO", "tensorrt": "TensorRT"}
NOISY_LOGGERS = ("nncf", "torch", "torch.utils.cpp_extension", "openvino", "onnx", "onnxslim")


@contextlib.contextmanager
def _quiet_third_party(ultralytics_logger: logging.Logger) -> Iterator[None]:
    """The exporters' warnings and info logs (torch FutureWarnings, NNCF's INFO lines) say
    nothing a user can act on; they show with `--verbose` (DEBUG logging). NNCF's progress
    bars stay: they are the progress indication of the one slow step."""
    if log.isEnabledFor(logging.DEBUG):
        yield
        return
    loggers = [ultralytics_logger, *(logging.getLogger(name) for name in NOISY_LOGGERS)]
    levels = [logger.level for logger in loggers]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for logger in loggers:
            logger.setLevel(logging.ERROR)
        try:
            yield
        finally:
            for logger, level in zip(loggers, levels):
                logger.setLevel(level)


def cache_dir() -> Path:
    configured = os.environ.get("DETECT_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "detect"


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:16]


def cache_key(weights: Path, backend: str, shape: tuple[int, int], half: bool, batch: int,
              int8: bool = False, calibration_key: str | None = None, built_for: str | None = None) -> str:
    if int8:
        precision = f"int8-{calibration_key}" if calibration_key else "int8"
    else:
        precision = "fp16" if half else "fp32"
    key = f"{weights.stem}-{file_hash(weights)}-{backend}-{shape[0]}x{shape[1]}-{precision}-b{batch}"
    return f"{key}-{built_for}" if built_for else key


def tensorrt_target(device: str) -> str:
    """The GPU model and TensorRT version an engine built now on `device` is bound to, as a key part."""
    import tensorrt
    import torch

    name = f"{torch.cuda.get_device_name(torch.device(device))}-trt{tensorrt.__version__}"
    return re.sub(r"[^A-Za-z0-9.]+", "_", name)


def exported(weights: str, backend: str, shape: tuple[int, int], half: bool = False, batch: int = 1,
             device: str = "cpu", int8_calibration: str | None = None, calibration_in_key: bool = False) -> str:
    """Path of the exported model, exporting through Ultralytics on the first call only.

    With `int8_calibration` (a video or image folder of the user's footage) the export is INT8,
    calibrated by NNCF on a sample of those frames (OpenVINO only). The calibration material is
    part of the cache key only when chosen explicitly; by default the first footage calibrates
    the one INT8 export that later runs reuse."""
    if backend not in FORMATS:
        raise ConfigError(f"detector.backend: cannot export to '{backend}' (choose from {', '.join(FORMATS)})")
    if int8_calibration is not None and backend != "openvino":
        raise ConfigError(f"detector.int8: INT8 export is supported for backend openvino, not {backend}")
    source = Path(weights)
    fmt, suffix = FORMATS[backend]
    calibration_key = None
    if int8_calibration is not None and calibration_in_key:
        from detect.detectors.calibration import identity

        calibration_key = identity(int8_calibration)
    built_for = None
    if backend == "tensorrt":
        _require_exporter(backend, source.name, int8=False)
        built_for = tensorrt_target(device)
    key = cache_key(source, backend, shape, half, batch, int8_calibration is not None, calibration_key, built_for)
    target = cache_dir() / "exports" / key
    artifact = target / f"{source.stem}{suffix}"
    if artifact.exists():
        return str(artifact)
    _require_exporter(backend, source.name, int8=int8_calibration is not None)
    precision = "INT8" if int8_calibration is not None else ("FP16" if half else "FP32")
    log.info("exporting %s to %s %s at %dx%d (one time, about %s; later runs load it from %s)", source.name,
             NAMES[backend], precision, shape[0], shape[1], "1-2 min" if int8_calibration else "20-60 s", target)
    started = time.monotonic()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        local = Path(work) / source.name
        shutil.copyfile(source, local)
        from ultralytics import YOLO
        from ultralytics.utils import LOGGER

        model = YOLO(str(local), task="detect")
        extra = {}
        if int8_calibration is not None:
            extra = {"int8": True, "data": _calibration_dataset(int8_calibration, Path(work), dict(model.names))}
        try:
            with _quiet_third_party(LOGGER):
                produced = model.export(
                    format=fmt, imgsz=list(shape), half=half, batch=batch, dynamic=False,
                    device=device if backend == "tensorrt" else "cpu", verbose=False, **extra,
                )
        except Exception as exc:
            raise ConfigError(f"detector: export of {source.name} to {backend} failed: {exc}") from exc
        log.info("exported in %.0f s", time.monotonic() - started)
        staged = Path(work) / "out"
        staged.mkdir()
        shutil.move(str(produced), staged / artifact.name)
        try:
            os.replace(staged, target)
        except OSError:
            if not artifact.exists():
                raise
    return str(artifact)


def _require_exporter(backend: str, model: str, int8: bool) -> None:
    for module in EXPORTER_PACKAGES[backend]:
        require(module, "gpu" if module == "tensorrt" else "fast", f"detector.backend: {backend} export of {model}")
    if int8:
        require("nncf", "fast", "detector.int8: INT8 quantisation")


def _calibration_dataset(material: str, work: Path, names: dict[int, str]) -> str:
    """An Ultralytics dataset YAML over sampled frames (no labels: calibration needs images only;
    the YAML must still list the model's class names)."""
    import cv2
    import yaml

    from detect.detectors.calibration import sample_frames

    folder = work / "calibration" / "images"
    folder.mkdir(parents=True)
    for i, image in enumerate(sample_frames(material)):
        cv2.imwrite(str(folder / f"{i:04d}.jpg"), image)
    data = work / "calibration" / "data.yaml"
    data.write_text(yaml.safe_dump({"path": str(work / "calibration"), "train": "images", "val": "images",
                                    "names": names}))
    return str(data)
