"""Find model files: an explicit path, then $DETECT_MODELS_DIR, then Ultralytics' download.

A name no file system can hold (empty, a NUL byte, longer than PATH_MAX) and a path that cannot
be looked at (a symlink loop, a folder without permission) are one ConfigError line here;
what the file itself holds is checked by detectors/model_inspection.py."""

from __future__ import annotations

import os
import socket
from functools import lru_cache
from pathlib import Path

from detect.errors import ConfigError, clip

MODELS_DIR_ENV = "DETECT_MODELS_DIR"
PATH_MAX = 4096
NAME_MAX = 255


def resolve_model(name: str) -> str:
    """Return a loadable path (or an Ultralytics asset name when it can be downloaded)."""
    _check_name(name)
    looked: list[str] = []
    candidate = Path(name).expanduser()
    if _exists(candidate):
        return str(candidate)
    looked.append(str(candidate.absolute()))
    models_dir = os.environ.get(MODELS_DIR_ENV)
    if models_dir:
        in_dir = Path(models_dir).expanduser() / name
        if _exists(in_dir):
            return str(in_dir)
        looked.append(str(in_dir))
    else:
        looked.append(f"${MODELS_DIR_ENV} (not set)")
    if _is_ultralytics_asset(name):
        if _network_available():
            return name
        looked.append("Ultralytics download (no network)")
    raise ConfigError(f"model '{clip(name, 200)}' not found; looked in: {', '.join(looked)}. "
                      f"Give a path or set {MODELS_DIR_ENV} to a folder that holds it")


def _check_name(name: str) -> None:
    if not name.strip():
        raise ConfigError("empty; give a model file or name, e.g. yolo11n.pt")
    if "\0" in name:
        raise ConfigError(f"a path cannot contain a NUL byte ({clip(repr(name), 200)})")
    try:
        encoded = os.fsencode(name)
    except UnicodeError:
        raise ConfigError(f"not a valid file name ({clip(repr(name), 200)})") from None
    if len(encoded) >= PATH_MAX or any(len(part) > NAME_MAX for part in encoded.split(b"/")):
        raise ConfigError(f"the path is longer than the file system allows ({PATH_MAX} bytes, {NAME_MAX} "
                          f"per name) ({clip(name, 200)})")


def _exists(path: Path) -> bool:
    """False for a path that is not there; a path that cannot be looked at is an error, not absent."""
    try:
        path.stat()
        return True
    except (FileNotFoundError, NotADirectoryError):
        if path.is_symlink():
            raise ConfigError(f"a symbolic link to a file that does not exist ({clip(str(path), 200)})") from None
        return False
    except OSError as exc:
        raise ConfigError(f"cannot be read: {exc.strerror or exc} ({clip(str(path), 200)})") from None


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
