"""One exit-code scheme for every command (detect/errors.py): 0 complete, 2 user error,
3 partial (stopped early, damaged input, no frame), 130 interrupted during start-up."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import SCRIPTED_CLI, decode_all, default_signals, pipeline_dict

from detect.errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_PARTIAL, EXIT_USER_ERROR
from detect.sinks.base import staging_path


def config_file(tmp_path: Path, config: dict) -> Path:
    path = tmp_path / "run.yaml"
    path.write_text(json.dumps(config))
    return path


def detect(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([*SCRIPTED_CLI, *args], capture_output=True, text=True, timeout=timeout)


def test_complete_partial_and_user_error(make_clip, tmp_path: Path) -> None:
    clip = make_clip(frames=10)
    done = detect("run", str(config_file(tmp_path, pipeline_dict(clip, tmp_path))), "--quiet")
    assert done.returncode == EXIT_OK, done.stderr
    nothing = detect("run", str(config_file(tmp_path, pipeline_dict(clip, tmp_path))), "--quiet",
                     "--set", "source.start=50")
    assert nothing.returncode == EXIT_PARTIAL and "0 frames" in nothing.stdout
    bad = detect("run", str(config_file(tmp_path, pipeline_dict(clip, tmp_path))), "--set", "tracker.type=nope")
    assert bad.returncode == EXIT_USER_ERROR and bad.stderr.startswith("error: ")


def test_a_truncated_file_warns_and_exits_partial(make_clip, tmp_path: Path) -> None:
    clip = make_clip(frames=60)
    data = clip.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) * 2 // 3])
    out = tmp_path / "out"
    result = detect("run", str(config_file(tmp_path, pipeline_dict(cut, out))), "--quiet")
    assert result.returncode == EXIT_PARTIAL, result.stderr
    assert "warning: source (video):" in result.stderr and "Traceback" not in result.stderr
    assert 0 < len(decode_all(out / "out.mp4")) < 60


def test_sigterm_on_a_file_run_exits_partial_with_complete_outputs(make_clip, tmp_path: Path) -> None:
    clip = make_clip(frames=300)
    config = pipeline_dict(clip, tmp_path, detector={"type": "scripted", "delay_s": 0.05})
    proc = subprocess.Popen([*SCRIPTED_CLI, "run", str(config_file(tmp_path, config)), "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=default_signals)
    staged = staging_path(tmp_path / "out.jsonl")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (staged.exists() and len(staged.read_text().splitlines()) >= 5):
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == EXIT_PARTIAL, err
    assert "(stopped early)" in out
    frames = len(decode_all(tmp_path / "out.mp4"))
    assert 5 <= frames < 300 and frames == len((tmp_path / "out.jsonl").read_text().splitlines())


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_during_start_up_exits_130_and_writes_nothing(signum, make_clip, tmp_path: Path) -> None:
    clip = make_clip(frames=10)
    config = pipeline_dict(clip, tmp_path, detector={"type": "scripted", "open_delay_s": 60})
    proc = subprocess.Popen([*SCRIPTED_CLI, "run", str(config_file(tmp_path, config)), "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=default_signals)
    time.sleep(4)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == EXIT_INTERRUPTED, err
    assert "interrupted before the first frame" in err and "Traceback" not in err
    assert not (tmp_path / "out.mp4").exists() and not (tmp_path / "out.jsonl").exists()
