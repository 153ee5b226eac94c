"""The record sink: a real `detect run` killed with SIGKILL mid-segment, then retention."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import av
import pytest
import yaml
from conftest import SCRIPTED_CLI, tracking_dir

from detect.pipeline import Pipeline
from detect.sinks.h264_file import KEYFRAME_S
from detect.sinks.record import RecordSink
from detect.testing.fake_camera import ClipServer, encode_clip
from detect.types import SourceInfo

SEGMENT_S = 2.0
FPS = 25


def decoded_pts(path: Path) -> list[float]:
    with av.open(str(path)) as container:
        return [float(frame.time) for frame in container.decode(video=0)]


def frame_pts(jsonl: Path) -> list[float]:
    lines = jsonl.read_text().splitlines()
    return [json.loads(line)["pts"] for line in lines if line.endswith("}") and '"event"' not in line]


def cut(pts: list[float]) -> list[list[float]]:
    """Frame times per segment, cut as the sink cuts: a new segment once `segment_s` has passed."""
    segments: list[list[float]] = []
    for t in pts:
        if not segments or t - segments[-1][0] >= SEGMENT_S:
            segments.append([])
        segments[-1].append(t)
    return segments


def test_sigkill_mid_segment_keeps_every_closed_segment_and_most_of_the_open_one(tmp_path: Path) -> None:
    """`detect run` on a camera that never ends (TUD-Stadtmitte looped by the fake MJPEG camera),
    killed 1.7 s into its third segment."""
    jpegs = encode_clip(tracking_dir() / "TUD-Stadtmitte" / "video.mp4", max_frames=100)
    with ClipServer(jpegs, fps=FPS) as camera:
        config = {
            "source": {"type": "stream", "path": camera.url},
            "detector": {"type": "scripted"},
            "sinks": [{"type": "record", "path": str(tmp_path / "rec"), "stream": "tud", "segment_s": SEGMENT_S},
                      {"type": "jsonl", "path": str(tmp_path / "run.jsonl"), "flush_every": 1}],
        }
        (tmp_path / "camera.yaml").write_text(yaml.safe_dump(config))
        run = subprocess.Popen([*SCRIPTED_CLI, "run", str(tmp_path / "camera.yaml")], cwd=tmp_path,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        folder = tmp_path / "rec" / "tud"
        progress = tmp_path / ".run.jsonl.partial"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and run.poll() is None:
            segments = cut(frame_pts(progress)) if progress.exists() else []
            if len(segments) == 3 and segments[2][-1] - segments[2][0] >= 1.5:
                break
            time.sleep(0.02)
        run.send_signal(signal.SIGKILL)
        run.wait()
    assert run.returncode == -signal.SIGKILL, run.stderr.read().decode()[-2000:]

    written = cut(frame_pts(tmp_path / ".run.jsonl.partial"))
    closed = sorted(folder.glob("*/*.mp4"))
    [open_segment] = folder.glob("*/.*.mp4.partial")
    assert len(closed) == 2 and len(written) == 3
    for segment, frames in zip(closed, written):
        pts = decoded_pts(segment)
        assert len(pts) == len(frames), f"{segment.name} plays in full"
        assert pts[-1] - pts[0] == pytest.approx(frames[-1] - frames[0], abs=0.002)
    recovered = decoded_pts(open_segment)
    assert recovered, "the open segment plays"
    lost_s = (written[2][-1] - written[2][0]) - recovered[-1]
    assert lost_s < KEYFRAME_S + 0.2 < SEGMENT_S, f"open segment: {len(recovered)} of {len(written[2])} frames"

    sink = RecordSink(RecordSink.Params(path=str(tmp_path / "rec"), stream="tud"))
    sink.open(SourceInfo(640, 480, FPS, None, "x"))
    sink.close()
    assert not list(folder.glob("*/.*.partial"))
    assert len(decoded_pts(folder / open_segment.parent.name / open_segment.name[1:-len(".partial")])) == len(recovered)


def test_retention_deletes_oldest_first_never_the_open_one(make_clip, tmp_path: Path) -> None:
    clip = make_clip(frames=60, fps=10, width=320, height=192)
    folder = tmp_path / "rec" / "camera"
    old = folder / "2020-01-01" / "00-00-00.mp4"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"\0" * 1000)
    os.utime(old, (time.time() - 3 * 86400,) * 2)
    budget_gb = 8e-6  # 8 kB: two or three one-second segments of this clip
    config = {"source": {"type": "video", "path": str(clip)}, "detector": {"type": "scripted"},
              "sinks": [{"type": "record", "path": str(tmp_path / "rec"), "segment_s": 1, "keep_days": 1,
                         "max_gb": budget_gb}]}
    pipeline = Pipeline.from_dict(config)
    seen_open: list[set[Path]] = []

    def on_packet(packet) -> None:
        sink = pipeline.sinks[0].stage
        seen_open.append({p for p in sink.deleted} & {sink._file.path} if sink._file else set())

    pipeline.run(on_packet=on_packet)
    sink = pipeline.sinks[0].stage
    assert sink.deleted[0] == old, "older than keep_days: deleted when the sink opened"
    made = sink.closed_segments
    assert len(made) == 6
    kept = sorted(folder.glob("*/*.mp4"))
    deleted = [p for p in sink.deleted if p != old]
    assert deleted == made[:len(deleted)] and kept == made[len(deleted):], "oldest first"
    assert 0 < len(deleted) < 6 and sum(p.stat().st_size for p in kept) <= budget_gb * 1e9
    assert not any(seen_open), "the open segment is never deleted"
    assert not old.parent.exists()
