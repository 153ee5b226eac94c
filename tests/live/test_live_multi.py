"""Two loopback MJPEG cameras in one run: a camera that goes away and comes back leaves the other
stream untouched; a signal stops every stream promptly with playable outputs."""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path

import yaml
from conftest import decode_all
from live_helpers import (
    clip_jpegs,
    events,
    read_jsonl,
    start_cli,
    stream_source,
    wait_for_lines,
)

from detect.multi_runtime import MultiPipeline
from detect.sinks.base import staging_path
from detect.streams import parse_streams
from detect.testing.fake_camera import ClipServer

FPS = 15.0
STOP_S = 2.0
"""The documented bound for Ctrl-C / SIGTERM (README), as for one stream: measured to the summary
line, printed once every output is closed (the interpreter's own exit after it is not the run's)."""


def two_camera_config(urls: dict[str, str], out: Path) -> dict:
    return {
        "streams": {name: stream_source(url, stall_timeout=3) for name, url in urls.items()},
        "detector": {"type": "scripted", "delay_s": 0.005},
        "tracker": {"type": "bytetrack"},
        "annotators": [{"type": "boxes"}],
        "sinks": [{"type": "video", "path": str(out / "{stream}.mp4"), "preset": "ultrafast"},
                  {"type": "jsonl", "path": str(out / "{stream}.jsonl"), "flush_every": 1, "stats_every_s": 0}],
    }


def lines_so_far(path: Path) -> int:
    staged = staging_path(path)
    return len(staged.read_text().splitlines()) if staged.exists() else 0


def wait_until(condition, what: str, limit_s: float = 20.0) -> None:
    deadline = time.monotonic() + limit_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_a_camera_restarting_leaves_the_other_stream_without_a_gap(shared_videos: Path, tmp_path: Path):
    jpegs = list(clip_jpegs(shared_videos))
    steady = ClipServer(jpegs, fps=FPS).start()
    flaky = ClipServer(jpegs, fps=FPS).start()
    port = flaky.port
    run = MultiPipeline(parse_streams(two_camera_config({"steady": steady.url, "flaky": flaky.url}, tmp_path)))
    thread = threading.Thread(target=lambda: outcomes.extend(run.run()), daemon=True)
    outcomes: list = []
    thread.start()
    try:
        wait_until(lambda: lines_so_far(tmp_path / "flaky.jsonl") >= 40, "steady state")
        flaky.close()
        time.sleep(1.5)
        flaky = ClipServer(jpegs, fps=FPS, port=port).start()
        before = lines_so_far(tmp_path / "flaky.jsonl")
        wait_until(lambda: lines_so_far(tmp_path / "flaky.jsonl") >= before + 10, "frames after the restart")
    finally:
        run.request_stop("test over")
        thread.join(timeout=10)
        steady.close()
        flaky.close()
    assert not thread.is_alive()
    assert [o.error for o in outcomes] == [None, None]
    flaky_lines = read_jsonl(tmp_path / "flaky.jsonl")
    (gap,) = events(flaky_lines, "gap")
    assert gap["stream"] == "flaky" and gap["to_pts"] - gap["from_pts"] >= 1.0
    steady_lines = read_jsonl(tmp_path / "steady.jsonl")
    assert not [g for g in events(steady_lines, "gap") if g["to_pts"] > gap["from_pts"] - 1], \
        "no outage of the steady stream while the other camera was away"
    pts = [r["pts"] for r in steady_lines if "event" not in r]
    assert len(decode_all(tmp_path / "steady.mp4")) == len(pts)
    # Both cameras' clocks start when their stream opens (within a fraction of a second of each
    # other): the steady stream has frames all through the other's outage.
    during = [p for p in pts if gap["from_pts"] - 0.5 <= p <= gap["to_pts"] + 0.5]
    assert during and during[0] < gap["from_pts"] and during[-1] > gap["to_pts"]
    assert max(b - a for a, b in zip(during, during[1:])) < 0.5, (" ".join(f"{p:.2f}" for p in pts), gap)


def test_a_signal_stops_every_stream_within_2_s_with_playable_outputs(shared_videos: Path, tmp_path: Path):
    jpegs = list(clip_jpegs(shared_videos))
    with ClipServer(jpegs, fps=FPS) as a, ClipServer(jpegs, fps=FPS) as b:
        config = tmp_path / "two.yaml"
        config.write_text(yaml.safe_dump(two_camera_config({"a": a.url, "b": b.url}, tmp_path)))
        proc = start_cli("run", str(config), "--quiet")
        try:
            wait_for_lines(tmp_path / "a.jsonl", 15, proc)
            wait_for_lines(tmp_path / "b.jsonl", 15, proc)
            sent = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            assert proc.stdout is not None
            first = proc.stdout.readline()  # "done: ...", printed once every output is closed
            took = time.monotonic() - sent
            out, err = first + proc.stdout.read(), proc.stderr.read() if proc.stderr else ""
            proc.wait(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode == 0, err
    assert took < STOP_S, f"stopped {took:.2f} s after the signal"
    assert "2 of 2 streams complete" in out and "stream a: " in out and "stream b: " in out, out
    for name in ("a", "b"):
        lines = [json.loads(line) for line in (tmp_path / f"{name}.jsonl").read_text().splitlines()]
        frames = [r for r in lines if "event" not in r]
        assert len(frames) >= 10 and {r["stream"] for r in frames} == {name}
        assert len(decode_all(tmp_path / f"{name}.mp4")) == len(frames)
