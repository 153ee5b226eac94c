"""Find model files: an explicit path, then $DETECT_MODELS_DIR, then Ultralytics' download."""

from __future__ import annotations

import os
import socket
from functools import lru_cache
from pathlib import Path

from detect.errors import ConfigError

MODELS_DIR_ENV = "DETECT_MODELS_DIR"


def resolve_model(name: str) -> str:
    """Return a loadable path (or an Ultralytics asset name when it can be downloaded)."""
    looked: list[str] = []
    candidate = Path(name).expanduser()
    if candidate.exists():
        return str(candidate)
    looked.append(str(candidate.resolve()))
    models_dir = os.environ.get(MODELS_DIR_ENV)
    if models_dir:
        in_dir = Path(models_dir).expanduser() / name
        if in_dir.exists():
            return str(in_dir)
        looked.append(str(in_dir))
    else:
        looked.append(f"${MODELS_DIR_ENV} (not set)")
    if _is_ultralytics_asset(name):
        if _network_available():
            return name
        looked.append("Ultralytics download (no network)")
    raise ConfigError(f"model '{name}' not found; looked in: {', '.join(looked)}. "
                      f"Give a path or set {MODELS_DIR_ENV} to a folder that holds it")


def _is_ultralytics_asset(name: str) -> bool:
    if os.sep in name or "/" in name:
        return False
    from ultralytics.utils.downloads import GITHUB_ASSETS_NAMES

    return name in GITHUB_ASSETS_NAMES


@lru_cache(maxsize=1)
def _network_available() -> bool:
    if os.environ.get("YOLO_OFFLINE", "").lower() in {"1", "true", "yes"}:
        return False
    try:
        socket.create_connection(("github.com", 443), timeout=2).close()
        return True
    except OSError:
        return False


def read_labels(path: str) -> tuple[str, ...]:
    """Class names of a model; cheap for exported folders (metadata.yaml), a model load otherwise."""
    p = Path(path)
    metadata = p / "metadata.yaml" if p.is_dir() else None
    if metadata is not None and metadata.is_file():
        import yaml

        names = yaml.safe_load(metadata.read_text()).get("names", {})
        return tuple(names[k] for k in sorted(names))
    from ultralytics import YOLO

    names = YOLO(path, task="detect").names
    return tuple(names[k] for k in sorted(names))
