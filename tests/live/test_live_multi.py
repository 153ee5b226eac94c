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

from detect.multi_runtime import MultiPipeline, StreamOutcome
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


def run_cameras(shared_videos: Path, tmp_path: Path, n: int, detector: dict,
                **runtime: object) -> tuple[MultiPipeline, list[StreamOutcome]]:
    """N loopback cameras at 25 fps in one run until every stream wrote 15 lines; the ended run
    and what each stream did."""
    jpegs = list(clip_jpegs(shared_videos))
    cameras = [ClipServer(jpegs, fps=25.0).start() for _ in range(n)]
    config = {
        "streams": {f"cam{i}": stream_source(c.url) for i, c in enumerate(cameras)},
        "detector": {"type": "scripted", **detector},
        "sinks": [{"type": "jsonl", "path": str(tmp_path / "{stream}.jsonl"), "flush_every": 1, "stats_every_s": 0}],
        "runtime": runtime,
    }
    run = MultiPipeline(parse_streams(config))
    outcomes: list = []
    thread = threading.Thread(target=lambda: outcomes.extend(run.run()), daemon=True)
    thread.start()
    try:
        wait_until(lambda: all(lines_so_far(tmp_path / f"cam{i}.jsonl") >= 15 for i in range(n)), "15 frames a stream",
                   limit_s=60)
    finally:
        run.request_stop("test over")
        thread.join(timeout=10)
        for camera in cameras:
            camera.close()
    assert not thread.is_alive()
    assert [o.error for o in outcomes] == [None] * n
    return run, outcomes


def test_a_live_frame_is_the_newest_when_its_batch_is_built_not_when_it_asked(shared_videos: Path, tmp_path: Path):
    """Six cameras, one image per detect call (the scripted detector's batch) of DELAY s each: a
    frame fixed when its stream asked would wait for the five other streams' calls (about six
    calls from capture to written); the newest frame taken when the call is built waits for its
    own call only. The bound, three calls, lies between the two with room either side."""
    n, delay = 6, 0.1
    _, outcomes = run_cameras(shared_videos, tmp_path, n, {"delay_s": delay})
    for o in outcomes:
        latency = o.result.latency.percentiles_ms()
        assert o.result.frames >= 10 and o.result.dropped > o.result.frames, (o.name, o.result.dropped)
        assert latency["p50"] < 3 * delay * 1000, (o.name, latency)


def test_a_call_holding_a_live_frame_takes_at_most_live_batch_images(shared_videos: Path, tmp_path: Path):
    """Four cameras and a detector of batch 4: by default (`live_batch: 1`) every call is one
    image, so a frame's latency is one image's time; `live_batch: null` batches the cameras."""
    small, _ = run_cameras(shared_videos, tmp_path / "one", 4, {"delay_s": 0.05, "batch": 4})
    assert small.scheduler.calls > 0 and small.scheduler.images == small.scheduler.calls
    batched, _ = run_cameras(shared_videos, tmp_path / "four", 4, {"delay_s": 0.05, "batch": 4}, live_batch=None)
    assert batched.scheduler.images > 1.5 * batched.scheduler.calls
