"""Config text an attacker or an unlucky user hands `detect validate`: one line, exit 2, fast."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}' if i > 1 else '*a'] * 9)}]\n" for i in range(1, 12)
) + "source: {type: video, path: *a11}\ndetector: {type: ultralytics, classes: *a11}\n"

CASES = {
    "billion laughs": (LAUGHS.encode(), "more than 100 YAML aliases"),
    "bad int tag": (b"source: !!int abc\n", "a value cannot be read (ValueError: invalid literal for int()"),
    "bad float tag": (b"detector: {type: ultralytics, conf: !!float x}\n", "a value cannot be read"),
    "huge integer": (b"detector: {type: ultralytics, imgsz: " + b"9" * 5000 + b"}\n", "Exceeds the limit"),
    "deep nesting": (b"a: " + b"[" * 2000 + b"]" * 2000 + b"\n", "YAML nested deeper than 64 levels"),
    "python tag": (b"source: !!python/object/apply:os.system [echo hi]\n", "could not determine a constructor"),
    "latin-1": ("source: {type: video, path: caf\u00e9.mp4}\n".encode("latin-1"), "not UTF-8 text"),
    "utf-16": ("source: x\n".encode("utf-16"), "looks like UTF-16 text"),
    "binary": (bytes(range(256)) * 4, "looks like a binary file"),
    "an mp4": (b"\x00\x00\x00\x20ftypisom" + b"\x00" * 100, "looks like an MP4/MOV video"),
    "a jpeg": (b"\xff\xd8\xff\xe0" + b"\x00" * 100, "looks like a JPEG image, not a YAML config"),
    "1 MB class name": (b"source: {type: video, path: x.mp4}\ndetector: {type: ultralytics, classes: [" + b"c" * 1_000_000
                        + b"]}\n", "more characters)"),
}


def validate(config: Path, *args: str) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "detect", "validate", str(config), *args], capture_output=True,
                          text=True, timeout=60)
    return done, time.monotonic() - started


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_config_text_is_one_short_line(name: str, tmp_path: Path) -> None:
    text, expected = CASES[name]
    config = tmp_path / "c.yaml"
    config.write_bytes(text)
    done, seconds = validate(config)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: "), done.stderr[-2000:]
    assert expected in lines[0]
    assert len(lines[0]) < 8_000, "echoes of the input are clipped"
    assert seconds < 30, "no hang (generous: a loaded CI machine)"


@pytest.mark.parametrize("override,expected", [
    ("detector.conf=[", "--set detector.conf syntax error"),
    ("detector.conf=!!python/name:os.system", "could not determine a constructor"),
    ("detector.imgsz=!!int x", "a value cannot be read"),
])
def test_hostile_set_values_are_one_line(override: str, expected: str, tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("source: {type: video, path: x.mp4}\ndetector: {type: ultralytics}\n")
    done, _ = validate(config, "--set", override)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1 and expected in lines[0], done.stderr[-2000:]
