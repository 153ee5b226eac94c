"""Optional dependencies come in extras; a missing one is a one-line error naming the extra."""

from __future__ import annotations

import importlib
from types import ModuleType

from detect.errors import ConfigError

EXTRAS = {
    "fast": "fast CPU backends (OpenVINO, ONNX Runtime, INT8 export)",
    "eval": "evaluation and benchmarks (TrackEval, pycocotools, matplotlib)",
    "api": "conversions of Python API results to supervision",
}


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import `module` or fail with `pip install "detect[extra]"` in the message."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ConfigError(f"{purpose} needs the '{module.split('.')[0]}' package, which is not installed "
                          f"({exc.name or module}); install it with: pip install \"detect[{extra}]\"") from exc
