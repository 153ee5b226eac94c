"""Run `detect.cli.main(argv)` in a forked child of this warm process, with a deadline and a memory cap.

A new interpreter per fuzz case costs seconds (torch, Ultralytics, PyAV imports); a fork of a
process that imported them once costs milliseconds. The child gets fresh stdout/stderr pipes, a
root logger writing to them (as `python -m detect` would), its own working folder, and an
address-space limit; the parent kills it at the deadline and reads its peak memory from wait4.
"""

from __future__ import annotations

import ctypes
import logging
import os
import resource
import select
import signal
import sys
import threading
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from detect.errors import EXIT_OK, EXIT_PARTIAL, EXIT_USER_ERROR

TIMEOUT_S = 20.0
MEMORY_BYTES = 1 << 30
"""What one case may add on top of the warm parent, in address space and in resident memory."""


@dataclass(frozen=True)
class Outcome:
    argv: tuple[str, ...]
    code: int | None
    """Exit code; None when the child was killed at the deadline."""
    stdout: str
    stderr: str
    seconds: float
    rss_growth: int
    """Peak resident bytes of the child beyond what it shared with the parent at the fork."""

    def problems(self) -> list[str]:
        """Every way this run broke the promise: exit 0, 2 or 3 (errors.py), one `error:` line,
        no traceback, no hang, bounded memory."""
        found = []
        if self.code is None:
            found.append(f"hung: killed after {TIMEOUT_S:.0f} s")
        elif self.code not in (EXIT_OK, EXIT_USER_ERROR, EXIT_PARTIAL):
            found.append(f"exit code {self.code}")
        if "Traceback" in self.stderr:
            found.append("traceback on stderr")
        errors = [line for line in self.stderr.splitlines() if line.startswith("error:")]
        if self.code == EXIT_USER_ERROR and len(errors) != 1:
            found.append(f"{len(errors)} 'error:' lines for exit 2")
        if self.rss_growth > MEMORY_BYTES:
            found.append(f"memory grew by {self.rss_growth >> 20} MB")
        return found

    def report(self) -> str:
        tail = self.stderr[-1500:] if len(self.stderr) > 1500 else self.stderr
        return f"{'; '.join(self.problems())}\nargv: {list(self.argv)}\nstderr:\n{tail}"


def run_cli(argv: Sequence[str], cwd: Path, timeout: float = TIMEOUT_S, obey_file_modes: bool = False) -> Outcome:
    """`detect <argv>` in a forked child working in `cwd`; `obey_file_modes` makes even root
    meet "permission denied" (an unreadable file cannot be made otherwise when tests run as root)."""
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    base_rss = _resident_bytes()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(out_r)
        os.close(err_r)
        _child(list(argv), cwd, out_w, err_w, obey_file_modes)
    os.close(out_w)
    os.close(err_w)
    streams = _drain({out_r: bytearray(), err_r: bytearray()}, started + timeout)
    killed = streams is None
    if killed:
        os.kill(pid, signal.SIGKILL)
    _, status, usage = os.wait4(pid, 0)
    for fd in (out_r, err_r):
        os.close(fd)
    code = None if killed else os.waitstatus_to_exitcode(status)
    texts = ("", "") if streams is None else tuple(bytes(streams[fd]).decode("utf-8", "replace") for fd in (out_r, err_r))
    return Outcome(tuple(argv), code, texts[0], texts[1], time.monotonic() - started,
                   max(0, usage.ru_maxrss * 1024 - base_rss))


def _drain(buffers: dict[int, bytearray], deadline: float) -> dict[int, bytearray] | None:
    """Read both pipes until the child closes them; None at the deadline."""
    open_fds = list(buffers)
    while open_fds:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        ready, _, _ = select.select(open_fds, [], [], left)
        for fd in ready:
            chunk = os.read(fd, 1 << 16)
            if chunk:
                if len(buffers[fd]) < 1 << 20:
                    buffers[fd] += chunk
            else:
                open_fds.remove(fd)
    return buffers


def _child(argv: list[str], cwd: Path, out_w: int, err_w: int, obey_file_modes: bool) -> None:
    """Never returns: runs the CLI as `python -m detect` would, then exits with its code."""
    code = 1
    try:
        os.dup2(out_w, 1)
        os.dup2(err_w, 2)
        os.close(out_w)
        os.close(err_w)
        sys.stdout = open(1, "w", buffering=1, closefd=False, errors="backslashreplace")  # noqa: SIM115
        sys.stderr = open(2, "w", buffering=1, closefd=False, errors="backslashreplace")  # noqa: SIM115
        root = logging.getLogger()
        for handler in list(root.handlers):
            root.removeHandler(handler)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.chdir(cwd)
        if obey_file_modes:
            _drop_file_mode_override()
        limit = _address_space_bytes() + MEMORY_BYTES
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        from detect.cli import main

        code = main(argv)
        threading._shutdown()  # what interpreter exit does: atexit hooks of thread pools, then join non-daemon threads
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001  (what the interpreter would print for an uncaught error)
        traceback.print_exc()
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001, S110  (a closed pipe: nothing left to say)
                pass
        os._exit(code)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _drop_file_mode_override() -> None:
    """Clear CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH: root then obeys a file's mode like anyone."""
    libc = ctypes.CDLL(None, use_errno=True)
    header, data = _CapHeader(0x20080522, 0), (_CapData * 2)()
    if libc.capget(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capget")
    data[0].effective &= ~((1 << 1) | (1 << 2))
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset")


def _resident_bytes() -> int:
    return _status_kib("VmRSS") * 1024


def _address_space_bytes() -> int:
    return _status_kib("VmSize") * 1024


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0
