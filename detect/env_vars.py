"""`${VAR}` in a source's URL or path, expanded from the environment when the source opens.

Credentials belong in the environment, not on the command line (`/proc/PID/cmdline` is readable
by every user of the machine) nor in a config file that gets committed. The expansion happens
only at open, into the source's own state: the config object keeps `${CAM_PASSWORD}`, so
`detect validate`, errors and `--set` echoes never hold the value. Values that are secrets (a
variable named like one, or a URL's password made from a variable) are registered with redaction.py,
so they never appear in any output, log, error or event either.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from detect.errors import ConfigError
from detect.redaction import register_secret

REFERENCE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)\}")
SECRET_NAME = re.compile(r"PASS|PWD|SECRET|TOKEN|KEY|AUTH|CRED", re.IGNORECASE)


def references(text: str) -> list[str]:
    """The variable names `text` refers to, in order."""
    return [match["name"] for match in REFERENCE.finditer(text)]


def check_set(text: str, where: str, environ: Mapping[str, str] | None = None) -> None:
    """ConfigError naming the first variable `text` uses that is not set (never its value)."""
    env = os.environ if environ is None else environ
    for name in references(text):
        if name not in env:
            raise ConfigError(f"{where}: environment variable {name} is not set (used as ${{{name}}})")


def expand(text: str, where: str, environ: Mapping[str, str] | None = None) -> str:
    """`text` with each `${VAR}` replaced by its value; the secret ones are registered first."""
    env = os.environ if environ is None else environ
    check_set(text, where, env)
    names = references(text)
    for name in names:
        if SECRET_NAME.search(name):
            register_secret(env[name])
    expanded = REFERENCE.sub(lambda match: env[match["name"]], text)
    if REFERENCE.search(_url_password(text)):
        register_secret(_url_password(expanded))
    return expanded


def _url_password(text: str) -> str:
    """The password part of a URL ('' when there is none or the URL does not parse)."""
    try:
        return urlsplit(text).password or ""
    except ValueError:
        return ""
