"""Passwords never leave the program: one helper hides them in any text that is printed,
logged, written to an output or served.

Hidden are the password of anything URL-like (`rtsp://user:pw@cam`, also the one-slash typo
`rtsp:/user:pw@cam` and a URL cut short by an ellipsis before its `@`), secret-looking query
values (`?password=...`, `&token=...`), and every value registered with `register_secret`
(what `${VAR}` expanded to, see env_vars.py). It is applied where text leaves: the CLI's error
line, every log record (`RedactingFilter`), events, JSONL `source` fields, the summary's outputs
and the MJPEG page. It never raises: a malformed URL is exactly where a leak would happen.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

MASK = "***"

_USERINFO = re.compile(
    r"(?P<head>\b[A-Za-z][A-Za-z0-9+.-]*:/{0,3}[^\s/:@'\"]*:)"   # scheme:/user: or scheme://user:
    r"(?P<password>(?:[^\s@'\"]*@)+|[^\s@'\"]*?(?=\.\.\.|\u2026))"  # up to the last @, or an ellipsis
)
_SECRET_QUERY = re.compile(
    r"(?P<head>[?&;](?:[A-Za-z0-9_.-]*)(?:pass|pwd|secret|token|key|auth|sig)[A-Za-z0-9_.-]*=)"
    r"(?P<password>[^&;#\s'\"]*)",
    re.IGNORECASE,
)

_secrets: set[str] = set()
_secrets_lock = threading.Lock()
_by_length: tuple[str, ...] = ()


def register_secret(value: str) -> None:
    """From now on `value` is shown as *** wherever `redact_text` runs (empty is ignored)."""
    global _by_length
    if not value:
        return
    with _secrets_lock:
        _secrets.add(value)
        _by_length = tuple(sorted(_secrets, key=len, reverse=True))  # a secret inside another: longest first


def redact_text(text: str) -> str:
    """`text` with every password and registered secret replaced by ***."""
    for secret in _by_length:
        if secret in text:
            text = text.replace(secret, MASK)
    text = _USERINFO.sub(_mask_userinfo, text)
    return _SECRET_QUERY.sub(lambda m: m["head"] + MASK, text)


def _mask_userinfo(match: re.Match[str]) -> str:
    password = match["password"]
    tail = "@" if password.endswith("@") else ""
    if not password.rstrip("@") and tail:
        return match[0]  # `user:@host`: nothing to hide
    return match["head"] + MASK + tail


def redact_values(value: Any) -> Any:
    """A JSON-ready value with `redact_text` applied to every string in it (events, records)."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {key: redact_values(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_values(item) for item in value]
    return value


class RedactingFilter(logging.Filter):
    """Attached to a handler: each record is formatted once and redacted, traceback included,
    before any formatter sees it (a logger's filter would miss records from child loggers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a bad format string: logging itself reports it, not lost
            return True
        record.msg, record.args = redact_text(message), None
        if record.exc_info:
            record.exc_text = redact_text(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        return True


def redact_logging(handlers: list[logging.Handler]) -> None:
    """Add one RedactingFilter to each handler (idempotent: main() may run many times in a process)."""
    for handler in handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
