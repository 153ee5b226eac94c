"""YAML a user (or an attacker) hands us, read with limits: never a traceback, never a hang.

PyYAML's safe loader builds no Python objects from tags, but it still follows any number of
aliases (a "billion laughs" file expands to gigabytes once walked), recurses once per nesting
level, and lets a tag's constructor raise plain Python errors (`!!int abc`, `!!bool maybe`). Here every such
case is one ConfigError line, and a file that is not YAML text at all (a video, a photo, a
zip) is named for what it looks like.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from detect.errors import ConfigError

MAX_BYTES = 1 << 20
MAX_DEPTH = 64
MAX_ALIASES = 100
SIGNATURES = (
    (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
    (b"RIFF", "a RIFF file (AVI video, WAV or WebP)"), (b"\x1aE\xdf\xa3", "a Matroska/WebM video"),
    (b"PK\x03\x04", "a zip archive (a .pt model?)"), (b"\x80\x02", "a pickle (a .pt model?)"),
    (b"%PDF", "a PDF document"), (b"\x00\x00\x00", "a binary file (an MP4/MOV video?)"),
)


class _LimitedLoader(yaml.SafeLoader):
    """SafeLoader with caps on nesting depth and on the number of aliases."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise ConfigError(f"more than {MAX_ALIASES} YAML aliases (*name): refused")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise ConfigError(f"YAML nested deeper than {MAX_DEPTH} levels: refused")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def parse_yaml(text: str, what: str = "YAML") -> Any:
    """Parse YAML text with the limits above; every failure is one ConfigError line."""
    try:
        return yaml.load(text, Loader=_LimitedLoader)  # noqa: S506  (a SafeLoader subclass)
    except ConfigError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ConfigError(f"{what} syntax error at {line}{exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{what} error: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{what} nested too deeply: refused") from None
    except (ValueError, TypeError, OverflowError, LookupError, AttributeError) as exc:
        raise ConfigError(f"{what}: a value cannot be read ({type(exc).__name__}: {exc})") from None


def read_yaml_file(path: Path) -> Any:
    """The parsed YAML of a file that must be UTF-8 text of at most MAX_BYTES. Messages leave the
    path out: the caller (config.load_yaml) puts it in front of each."""
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except IsADirectoryError:
        raise ConfigError("a config file is expected, got a folder") from None
    except OSError as exc:
        raise ConfigError(f"cannot read it: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise ConfigError(f"larger than {MAX_BYTES >> 20} MB, not a pipeline config")
    kind = _binary_kind(raw)
    if kind:
        media = any(word in kind for word in ("video", "image"))
        what_to_do = (f"; to process it: detect run {path} (the dashcam pipeline), or "
                      f"detect run CONFIG.yaml --source {path}" if media else "; a config is YAML text (see configs/)")
        raise ConfigError(f"looks like {kind}, not a YAML config{what_to_do}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text (byte {exc.start}); save the config as UTF-8") from None
    return parse_yaml(text)


def _binary_kind(raw: bytes) -> str:
    if raw[4:8] == b"ftyp":
        return "an MP4/MOV video"
    for signature, kind in SIGNATURES:
        if raw.startswith(signature):
            return kind
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16 text (save it as UTF-8)"
    if b"\x00" in raw[:4096]:
        return "a binary file"
    return ""
