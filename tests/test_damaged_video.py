"""Damaged or unusual video never loses a readable frame and never ends in a traceback: damaged
packets are skipped, counted and named in one warning; rotated phone video is turned upright;
unusable files and parameter values are one-line errors."""

from __future__ import annotations

import json
import math
from fractions import Fraction
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from conftest import decode_all, pipeline_dict

from detect.config import parse
from detect.errors import ConfigError, SourceError
from detect.pipeline import build
from detect.sources.video import VideoSource

PHONE_PORTRAIT = (0, 65536, 0, -65536, 0, 0, 0, 0, 1 << 30)
"""The display matrix a phone writes for portrait video ("rotate: 90", shown turned clockwise)."""
UPSIDE_DOWN = (-65536, 0, 0, 0, -65536, 0, 0, 0, 1 << 30)
TILTED = (46341, 46341, 0, -46341, 46341, 0, 0, 0, 1 << 30)
"""45 degrees: no player-like quarter turn exists."""


def read_video(path: Path) -> tuple[VideoSource, list]:
    source = VideoSource(VideoSource.Params(path=str(path)))
    source.open()
    try:
        return source, list(source)
    finally:
        source.close()


def cut_from_shared(shared: Path, out: Path, frames: int = 90) -> Path:
    """The first `frames` frames of a real clip, at half size, re-encoded single-threaded
    (deterministic bytes, so the seeded damage always hits the same packets)."""
    import av

    with av.open(str(shared / "highway_udacity_solidWhiteRight.mp4")) as source, av.open(str(out), "w") as sink:
        stream = sink.add_stream("libx264", rate=Fraction(25))
        stream.width, stream.height, stream.pix_fmt = 480, 270, "yuv420p"
        stream.codec_context.thread_count = 1
        for index, frame in enumerate(source.decode(video=0)):
            if index == frames:
                break
            sink.mux(stream.encode(frame.reformat(width=480, height=270, format="yuv420p")))
        sink.mux(stream.encode(None))
    return out


def damage_middle(path: Path, size: int = 20_000, seed: int = 0) -> Path:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + size] = np.random.default_rng(seed).integers(0, 256, size, dtype=np.uint8).tobytes()
    path.write_bytes(bytes(data))
    return path


def reference_counts(path: Path) -> tuple[int, int, int]:
    """(frames FFmpeg's plain decode loop gives before it raises, frames decoded when damaged
    packets are skipped, damaged packets)."""
    import av

    plain = 0
    with av.open(str(path)) as container:
        try:
            for _ in container.decode(video=0):
                plain += 1
        except av.FFmpegError:
            pass
    skipping = damaged = 0
    with av.open(str(path)) as container:
        for packet in container.demux(video=0):
            try:
                skipping += len(packet.decode())
            except av.FFmpegError:
                damaged += 1
    return plain, skipping, damaged


@pytest.fixture
def damaged_clip(shared_videos: Path, tmp_path: Path) -> Path:
    return damage_middle(cut_from_shared(shared_videos, tmp_path / "damaged.mp4"))


def test_damage_in_the_middle_skips_the_bad_packets_and_reads_on(damaged_clip: Path) -> None:
    plain, skipping, damaged = reference_counts(damaged_clip)
    assert plain < 60 and damaged > 0, "the damage must stop a plain decode loop mid-file"
    source, frames = read_video(damaged_clip)
    assert len(frames) == skipping >= 70
    assert [f.index for f in frames] == list(range(len(frames)))
    assert all(a.pts_s < b.pts_s for a, b in pairwise(frames))
    assert source.warnings() == [f"{damaged_clip}: skipped {damaged} damaged packets; {skipping} frames read"]
    assert source.stopped_early is None


def test_a_run_over_a_damaged_clip_reports_the_skipped_packets(damaged_clip: Path, tmp_path: Path) -> None:
    _, skipping, damaged = reference_counts(damaged_clip)
    out = tmp_path / "out.jsonl"
    result = build(parse(pipeline_dict(damaged_clip, tmp_path, sinks=[{"type": "jsonl", "path": str(out)}]))).run()
    assert result.frames == skipping
    assert [json.loads(line)["frame"] for line in out.read_text().splitlines()] == list(range(skipping))
    assert result.warnings == [f"source (video): {damaged_clip}: skipped {damaged} damaged packets; {skipping} frames read"]


def write_rotated_clip(path: Path, matrix: tuple[int, ...], frames: int = 6, reads_back: int = -90) -> Path:
    """A 96x48 landscape picture with a white square in its top-left corner, tagged with `matrix`."""
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(10))
        stream.width, stream.height, stream.pix_fmt = 96, 48, "yuv420p"
        stream.set_display_matrix(matrix)
        for _ in range(frames):
            image = np.zeros((48, 96, 3), np.uint8)
            image[:16, :16] = 255
            container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")))
        container.mux(stream.encode(None))
    with av.open(str(path)) as container:
        assert next(container.decode(video=0)).rotation == reads_back, "PyAV reads the clip back as rotated"
    return path


def corner_brightness(image: np.ndarray) -> dict[str, float]:
    h, w = image.shape[:2]
    return {"top-left": image[:12, :12].mean(), "top-right": image[:12, w - 12:].mean(),
            "bottom-left": image[h - 12:, :12].mean(), "bottom-right": image[h - 12:, w - 12:].mean()}


def brightest_corner(image: np.ndarray) -> str:
    corners = corner_brightness(image)
    return max(corners, key=corners.__getitem__)


def test_a_phone_portrait_clip_is_read_upright(tmp_path: Path) -> None:
    clip = write_rotated_clip(tmp_path / "portrait.mp4", PHONE_PORTRAIT)
    source = VideoSource(VideoSource.Params(path=str(clip)))
    info = source.open()
    frames = list(source)
    source.close()
    assert (info.width, info.height) == (48, 96)
    assert all(f.image.shape == (96, 48, 3) for f in frames)
    assert brightest_corner(frames[0].image) == "top-right", "turned clockwise, like every player shows it"
    assert source.warnings() == []


@pytest.mark.parametrize("matrix,reads_back,size,corner,warning", [
    (UPSIDE_DOWN, -180, (96, 48), "bottom-right", None),
    (TILTED, -45, (96, 48), "top-left", "display rotation of -45 degrees is not a multiple of 90"),
])
def test_other_rotations(tmp_path: Path, matrix, reads_back: int, size, corner: str, warning: str | None) -> None:
    clip = write_rotated_clip(tmp_path / "rotated.mp4", matrix, reads_back=reads_back)
    source, frames = read_video(clip)
    assert (source.info.width, source.info.height) == size
    assert brightest_corner(frames[0].image) == corner
    assert [warning in line for line in source.warnings()] == ([True] if warning else [])


def test_a_run_over_a_portrait_clip_writes_it_upright(tmp_path: Path) -> None:
    clip = write_rotated_clip(tmp_path / "portrait.mp4", PHONE_PORTRAIT)
    build(parse(pipeline_dict(clip, tmp_path, annotators=[]))).run()
    written = decode_all(tmp_path / "out.mp4")
    assert len(written) == 6 and written[0].shape == (96, 48, 3)
    assert brightest_corner(written[0]) == "top-right"


@pytest.mark.parametrize("key,value,message", [
    ("start", math.inf, "source.start: Input should be a finite number"),
    ("start", 1e30, "source.start: Input should be less than or equal to"),
    ("end", math.inf, "source.end: Input should be a finite number"),
    ("end", math.nan, "source.end: Input should be a finite number"),
    ("end", -1.0, "source.end: Input should be greater than 0"),
    ("stride", 10**30, "source.stride: Input should be less than or equal to"),
])
def test_video_parameters_out_of_bounds_are_one_line(key: str, value: float, message: str) -> None:
    config = {"source": {"type": "video", "path": "clip.mp4", key: value}, "detector": {"type": "scripted"}, "sinks": []}
    with pytest.raises(ConfigError, match=message) as caught:
        parse(config)
    assert "\n" not in str(caught.value)


def write_audio_only(path: Path) -> Path:
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=44100)
        for i in range(10):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 44100, i * 1024
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


@pytest.mark.parametrize("make,message", [
    (lambda p: p.write_bytes(b""), r"not a video or corrupt: .*clip.mp4 \(empty file\)"),
    (lambda p: p.write_text("just some text\n" * 20), r"not a video or corrupt: .*clip.mp4"),
    (write_audio_only, r"not a video or corrupt: .*clip.mp4 \(no video stream\)"),
])
def test_unusable_files_are_one_line(tmp_path: Path, make, message: str) -> None:
    path = tmp_path / "clip.mp4"
    make(path)
    with pytest.raises(SourceError, match=message) as caught:
        read_video(path)
    assert "\n" not in str(caught.value)
