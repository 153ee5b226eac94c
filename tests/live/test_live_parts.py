"""The small parts of live support: backoff, latency statistics, the HUD's live section, `realtime` files."""

from __future__ import annotations

import random
import time
from pathlib import Path

import numpy as np
import pytest
from live_helpers import CLIP, REPO, build_live, run_frames
from pydantic import ValidationError

from detect.annotators.hud import HudAnnotator
from detect.columns import LIVE_STATS
from detect.config import load
from detect.live_stats import StatsLines
from detect.sources.backoff import ReconnectParams, delays
from detect.sources.video import VideoSource
from detect.stats import Durations, percentiles_ms
from detect.types import Detections, Frame, Packet


def test_backoff_doubles_up_to_max_with_bounded_jitter():
    plain = list(delays(ReconnectParams(initial=0.5, max=3, max_attempts=6, jitter=0)))
    assert plain == [0.5, 1.0, 2.0, 3.0, 3.0, 3.0]
    jittered = list(delays(ReconnectParams(initial=1, max=8, max_attempts=200, jitter=0.25), random.Random(1)))
    assert len(jittered) == 200 and min(jittered) >= 0.75 and max(jittered) <= 10.0
    assert len(set(jittered)) > 100, "jitter spreads the retries"


def test_backoff_forever_and_never():
    forever = delays(ReconnectParams(max_attempts=None))
    assert len([next(forever) for _ in range(1000)]) == 1000
    assert list(delays(ReconnectParams(max_attempts=0))) == []
    with pytest.raises(ValidationError, match="max .* must be at least initial"):
        ReconnectParams(initial=5, max=1)


def test_histogram_percentiles_match_numpy_within_one_percent():
    values = np.random.default_rng(0).gamma(4, 0.02, 5000)
    histogram = Durations().extend(float(v) for v in values)
    exact = percentiles_ms(values)
    approx = histogram.percentiles_ms()
    assert approx.keys() == exact.keys()
    for key in ("p50", "p95"):
        assert abs(approx[key] - exact[key]) <= 0.01 * exact[key] + 0.1
    assert approx["max"] == exact["max"]
    assert histogram.count == 5000 and abs(histogram.total_s - values.sum()) < 1e-6
    assert percentiles_ms([]) == {} and Durations().percentiles_ms() == {}


def test_histogram_size_does_not_grow_with_the_run():
    histogram = Durations()
    size = histogram._counts.nbytes
    histogram.extend([0.0, 1e-9, 0.5, 3e5, float("nan"), 0.02] * 10_000)
    assert histogram._counts.nbytes == size
    assert histogram.count == 50_000, "NaN is not a duration"
    assert histogram.percentile_s(100) == histogram.max_s == 3e5


def packet(index: int, dropped: int = 0, age_s: float = 0.05) -> Packet:
    image = np.zeros((120, 200, 3), np.uint8)
    frame = Frame(image=image, index=index, pts_s=index / 30, source_id="cam", capture_time=time.monotonic() - age_s)
    return Packet(frame=frame, detections=Detections.empty(), dropped=dropped)


def test_stats_lines_report_windows_and_a_final_record():
    lines = StatsLines(every_s=0, source_id="cam")
    assert lines.final() is None
    for i in range(10):
        assert lines.add(packet(i * 3, dropped=i * 2)) is None
    final = lines.final()
    assert final.kind == LIVE_STATS and final.frame is None
    stats = final.payload
    assert stats["final"] and stats["frames"] == 10 and stats["dropped_total"] == 18
    assert 40 <= stats["latency_ms"]["p50"] <= 80 and stats["drop_ratio"] == round(18 / 28, 4)


def test_hud_live_section_draws_and_keeps_its_own_window():
    params = HudAnnotator.Params(sections=("live",))
    first, second = HudAnnotator(params), HudAnnotator(params)
    canvas = first.annotate(packet(5, dropped=3).frame.image.copy(), packet(5, dropped=3))
    assert canvas.any(), "the panel is drawn"
    assert first._sections[0] is not second._sections[0], "no frame-rate window shared between pipelines"
    with pytest.raises(ValidationError, match="unknown hud section lvie"):
        HudAnnotator.Params(sections=("lvie",))


def test_a_realtime_file_is_paced_and_live(shared_videos: Path, tmp_path: Path):
    source = VideoSource(VideoSource.Params(path=str(shared_videos / CLIP), realtime=True, end=0.5))
    info = source.open()
    try:
        frames = list(source)
    finally:
        source.close()
    assert source.live and info.live
    wall = np.array([f.capture_time for f in frames]) - frames[0].capture_time
    media = np.array([f.pts_s for f in frames]) - frames[0].pts_s
    assert np.all(wall > media - 0.001), "never ahead of the clip's own clock"
    assert abs((frames[-1].capture_time - frames[0].capture_time) - (frames[-1].pts_s - frames[0].pts_s)) < 0.1


def test_a_realtime_file_with_a_slow_detector_drops_stale_frames(shared_videos: Path, tmp_path: Path):
    config = {"source": {"type": "video", "path": str(shared_videos / CLIP), "realtime": True, "end": 2.0},
              "detector": {"type": "scripted", "delay_s": 0.12},
              "sinks": [{"type": "jsonl", "path": str(tmp_path / "o.jsonl")}]}
    result = run_frames(build_live(config), frames=10_000)
    assert result.dropped > 0 and result.frames + result.dropped == 50
    assert result.latency.max_s < 2.0, "a queue would reach about 4 s; the newest frame keeps it near 0.2 s"


def test_the_live_configs_load_and_take_a_url_from_source():
    webcam = load(REPO / "configs" / "webcam.yaml")
    assert webcam.source.type == "webcam" and webcam.source.params.fourcc == "MJPG"
    assert [s.type for s in webcam.sinks] == ["display", "mjpeg", "jsonl"]
    stream = load(REPO / "configs" / "stream.yaml", source="rtsp://u:pw@10.0.0.5/stream1")
    assert stream.source.type == "stream" and stream.source.params.path == "rtsp://u:pw@10.0.0.5/stream1"
    assert stream.source.params.transport == "tcp" and stream.source.params.reconnect.max_attempts is None
