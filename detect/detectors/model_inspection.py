"""What a model path holds, checked without inference: its format and its class names.

A model file comes from the user, so anything can stand at its path: a folder, a device, a video,
half a download, a zip, a pickle of something else. Every such case is one ConfigError line
`detector.model: <what is wrong> (<path>)`, never an engine's traceback,
and the checks are those `detect run` would meet later, so `detect validate` catches them.
"""

from __future__ import annotations

import stat
from pathlib import Path

from detect.detectors.backend_choice import cuda_available, format_of
from detect.errors import ConfigError, clip

SUFFIXES = ".pt, .onnx, .engine or an OpenVINO export folder"
XML_STARTS = (b"<?xml", b"<net")


def _fail(problem: str, path: Path | str) -> ConfigError:
    return ConfigError(f"detector.model: {problem} ({clip(str(path), 200)})")


def model_format(path: str) -> str:
    """pt, onnx, openvino or tensorrt; a path that cannot hold a model of any is an error."""
    p = Path(path)
    mode = p.stat().st_mode
    if stat.S_ISDIR(mode):
        if not any(p.glob("*.xml")):
            raise _fail(f"a folder with no model in it (expected a {SUFFIXES} with model.xml, model.bin "
                        "and metadata.yaml)", path)
        return "openvino"
    if not stat.S_ISREG(mode):
        raise _fail("not a regular file (a device, pipe or socket cannot hold a model)", path)
    if p.suffix.lower() not in (".pt", ".onnx", ".engine", ".xml"):
        raise _fail(f"unknown model format '{p.suffix or p.name}' (expected a {SUFFIXES})", path)
    if p.stat().st_size == 0:
        raise _fail("an empty file", path)
    try:
        with p.open("rb"):
            pass
    except OSError as exc:
        raise _fail(f"cannot be read: {exc.strerror or exc}", path) from None
    kind = format_of(path)
    if kind == "tensorrt" and not cuda_available():
        raise _fail("a TensorRT .engine runs only on a CUDA device, and no CUDA device is available", path)
    return kind


def read_labels(path: str) -> tuple[str, ...]:
    """The model's class names, after checking the file is a sound model of its format."""
    kind = model_format(path)
    if kind == "openvino":
        return _openvino_labels(Path(path))
    if kind == "onnx":
        return _onnx_labels(path)
    if kind == "pt":
        return _pt_labels(path)
    from ultralytics import YOLO

    names = YOLO(path, task="detect").names
    return tuple(names[k] for k in sorted(names))


def _pt_labels(path: str) -> tuple[str, ...]:
    from ultralytics.nn.tasks import torch_safe_load

    try:
        checkpoint, _ = torch_safe_load(path)
    except (AttributeError, KeyError):
        raise _fail("a PyTorch file, but not an Ultralytics model (no model and class names in it)", path) from None
    except Exception as exc:  # noqa: BLE001  (garbage makes torch.load raise almost anything)
        raise _fail(f"not a PyTorch model: the file is damaged or of another kind ({type(exc).__name__})", path) from None
    model = (checkpoint.get("ema") or checkpoint.get("model")) if isinstance(checkpoint, dict) else None
    names = getattr(model, "names", None)
    if not isinstance(names, (dict, list, tuple)) or not names:
        raise _fail(f"a PyTorch file, but not an Ultralytics model (it holds a {type(checkpoint).__name__} "
                    "without a model and its class names)", path)
    return _names(names, path)


def _onnx_labels(path: str) -> tuple[str, ...]:
    from detect.errors import require

    ort = require("onnxruntime", "fast", "detector.backend: onnx")
    try:
        session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    except Exception as exc:  # noqa: BLE001  (ONNX Runtime's errors are pybind classes of its own)
        raise _fail(f"not a valid ONNX model ({_first_line(exc)})", path) from None
    names = session.get_modelmeta().custom_metadata_map.get("names")
    if not names:
        raise _fail("an ONNX model without class names in its metadata (export it with Ultralytics)", path)
    return _names(names, path)


def _openvino_labels(path: Path) -> tuple[str, ...]:
    from detect.safe_yaml import parse_yaml

    folder = path if path.is_dir() else path.parent
    xml = path if path.suffix == ".xml" else min(folder.glob("*.xml"))
    with xml.open("rb") as f:
        if not f.read(256).lstrip().startswith(XML_STARTS):
            raise _fail(f"{xml.name} is not an OpenVINO IR model (not XML)", path)
    weights = xml.with_suffix(".bin")
    if not weights.is_file() or weights.stat().st_size == 0:
        raise _fail(f"{weights.name}, the weights beside {xml.name}, is missing or empty", path)
    metadata = folder / "metadata.yaml"
    if not metadata.is_file():
        raise _fail("an OpenVINO folder without metadata.yaml, so its class names are unknown "
                    "(export it again with Ultralytics)", path)
    try:
        meta = parse_yaml(metadata.read_text(errors="replace"), what="metadata.yaml")
    except ConfigError as exc:
        raise _fail(exc.messages[0], metadata) from None
    names = meta.get("names") if isinstance(meta, dict) else None
    if not names:
        raise _fail("metadata.yaml lists no class names", path)
    _read_openvino(xml, path)
    return _names(names, path)


def _read_openvino(xml: Path, path: Path) -> None:
    """Parse the IR (no compilation): a damaged graph or weights file fails here, not mid-run."""
    from detect.errors import require

    ov = require("openvino", "fast", "detector.backend: openvino")
    try:
        ov.Core().read_model(str(xml))
    except Exception as exc:  # noqa: BLE001  (OpenVINO raises plain RuntimeErrors with C++ detail)
        raise _fail(f"not a valid OpenVINO model ({_first_line(exc)})", path) from None


def _names(names: object, path: str | Path) -> tuple[str, ...]:
    from detect.detectors.backends.metadata import names_tuple

    try:
        return names_tuple(names)
    except (ValueError, TypeError, SyntaxError, KeyError, MemoryError, RecursionError):
        raise _fail("the class names in the model's metadata cannot be read", path) from None


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return clip(lines[-1] if lines else type(exc).__name__, 160)
