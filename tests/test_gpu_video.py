"""Hardware decode (NVDEC) and encode (NVENC) options on real clips through real PyAV.

On a machine without an NVIDIA GPU (CI, this repository's machines) every GPU request must fall
back to the CPU with exactly one log line and change nothing in the frames or the files; on a
machine with one, the same tests expect the one line that says the GPU did the work."""

import logging
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import pipeline_dict
from test_cli import detect

from detect.gpu_video import (
    NVENC_PRESETS,
    cuda_problem,
    encoder_options,
    nvenc_problem,
    to_cpu_layout,
)
from detect.pipeline import Pipeline
from detect.sinks.clips import ClipsSink
from detect.sinks.record import RecordSink
from detect.sinks.video import VideoSink
from detect.sources.video import VideoSource

GPU = cuda_problem() is None


def gpu_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "detect.gpu_video"]


def decoded_frames(clip: Path, hwaccel: str) -> list[np.ndarray]:
    source = VideoSource(VideoSource.Params(path=str(clip), hwaccel=hwaccel))
    source.open()
    try:
        return [frame.image for frame in source]
    finally:
        source.close()


@pytest.mark.parametrize("hwaccel,level", [("cuda", logging.WARNING), ("auto", logging.INFO)])
def test_hwaccel_gives_the_cpu_frames_and_says_once_where_they_were_decoded(short_clip, caplog, hwaccel, level):
    expected = decoded_frames(short_clip, "none")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="detect.gpu_video"):
        frames = decoded_frames(short_clip, hwaccel)
    assert len(frames) == len(expected) == 38
    assert all(np.array_equal(a, b) for a, b in zip(frames, expected))  # H.264 decoding is exact on either
    [line] = gpu_lines(caplog)
    if GPU:
        assert line.levelno == logging.INFO and "decoding on the GPU (NVDEC, h264)" in line.getMessage()
    else:
        assert line.levelno == level
        assert re.search(rf"hwaccel {hwaccel}: .+; decoding on the CPU$", line.getMessage()), line.getMessage()
        assert cuda_problem() in line.getMessage()


def test_hwaccel_none_never_mentions_the_gpu(short_clip, caplog):
    with caplog.at_level(logging.DEBUG, logger="detect.gpu_video"):
        decoded_frames(short_clip, "none")
    assert gpu_lines(caplog) == []


def test_a_frame_nvdec_hands_back_gets_the_cpu_decoders_layout(short_clip):
    """NVDEC returns 8-bit 4:2:0 as NV12; the pipeline gets the yuv420p FFmpeg's CPU decoder gives,
    pixel for pixel (only the chroma planes are de-interleaved)."""
    import av

    with av.open(str(short_clip)) as container:
        cpu = next(container.decode(video=0))
    from_gpu = to_cpu_layout(cpu.reformat(format="nv12"))
    assert from_gpu.format.name == "yuv420p" and (from_gpu.pts, from_gpu.time) == (cpu.pts, cpu.time)
    assert np.array_equal(from_gpu.to_ndarray(), cpu.to_ndarray())


def h264_description(path: Path) -> tuple[str, str, int, int, int]:
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        ctx = stream.codec_context
        return ctx.name, ctx.pix_fmt, ctx.width, ctx.height, frames


def test_gpu_codecs_asked_by_name_run_the_pipeline_to_the_same_file(make_clip, tmp_path, caplog):
    """A run with hwaccel: cuda and encoder: h264_nvenc on a machine without a GPU: one warning
    each, and the mp4 is what libx264 makes: H.264 yuv420p at the input size, every frame."""
    clip = make_clip(frames=30, width=160, height=96)
    config = pipeline_dict(clip, tmp_path / "out")
    config["source"]["hwaccel"] = "cuda"
    config["sinks"][0]["encoder"] = "h264_nvenc"
    with caplog.at_level(logging.INFO, logger="detect.gpu_video"):
        result = Pipeline.from_dict(config).run()
    assert result.frames == 30
    assert h264_description(tmp_path / "out" / "out.mp4") == ("h264", "yuv420p", 160, 96, 30)
    decode, encode = gpu_lines(caplog)
    if GPU:
        assert "decoding on the GPU" in decode.getMessage()
        assert "encoding with h264_nvenc" in encode.getMessage()
    else:
        assert decode.levelno == encode.levelno == logging.WARNING
        assert decode.getMessage().endswith("decoding on the CPU")
        assert encode.getMessage().startswith(f"sink video {tmp_path / 'out' / 'out.mp4'}: encoder h264_nvenc: ")
        assert encode.getMessage().endswith("; encoding with libx264")


@pytest.mark.parametrize("sink", [RecordSink, ClipsSink])
def test_record_and_clips_choose_their_encoder_once(sink, tmp_path, caplog):
    from detect.types import SourceInfo

    info = SourceInfo(width=160, height=96, fps=10.0, total_frames=None, source_id="test", live=False)
    stage = sink(sink.Params(path=str(tmp_path), encoder="auto"))
    with caplog.at_level(logging.INFO, logger="detect.gpu_video"):
        stage.open(info)
        stage.close()
    [line] = gpu_lines(caplog)
    assert line.levelno == logging.INFO
    assert line.getMessage().startswith(f"sink {'record' if sink is RecordSink else 'clips'} {tmp_path}")


def test_nvenc_is_refused_here_for_a_stated_reason():
    problem = nvenc_problem((160, 96), 10)
    if GPU:
        assert problem is None
    else:
        assert problem == cuda_problem() and problem


def test_every_preset_a_sink_accepts_has_an_nvenc_preset():
    for params in (VideoSink.Params, RecordSink.Params, ClipsSink.Params):
        pattern = params.model_fields["preset"].metadata[0].pattern
        for preset in pattern.strip("^()$").split("|"):
            assert encoder_options("h264_nvenc", 23, preset)["preset"] == NVENC_PRESETS[preset]
    assert encoder_options("libx264", 20, "fast", low_delay=True) == {
        "crf": "20", "preset": "fast", "x264-params": "rc-lookahead=5:bframes=0"}
    assert encoder_options("h264_nvenc", 0, "veryslow", low_delay=True) == {
        "rc": "vbr", "cq": "1", "preset": "p7", "forced-idr": "1", "bf": "0"}


@pytest.mark.parametrize("setting,message", [
    ("source.hwaccel=gpu", "source.hwaccel: Input should be 'none', 'auto' or 'cuda' (got 'gpu')"),
    ("sinks.0.encoder=nvenc", "sinks[0].encoder: Input should be 'libx264', 'h264_nvenc' or 'auto' (got 'nvenc')"),
])
def test_validate_refuses_an_unknown_codec_choice_in_one_line(setting, message):
    proc = detect("validate", "configs/dashcam.yaml", "--set", setting)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"error: configs/dashcam.yaml: {message}"
