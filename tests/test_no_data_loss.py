"""Nothing a user already has is lost: inputs are never overwritten, a failed run replaces no
previous output, and two sinks never share a file."""

from __future__ import annotations

import json
import resource
import signal
import socket
import subprocess
from pathlib import Path

import pytest
from conftest import SCRIPTED_CLI, decode_all, pipeline_dict

from detect.config import parse
from detect.errors import ConfigError, StageError
from detect.pipeline import build
from detect.validate import check_resources


def run(config: dict) -> None:
    build(parse(config)).run()


def test_an_output_on_the_input_path_is_refused_before_anything_is_opened(make_clip, tmp_path: Path) -> None:
    clip = make_clip(frames=5)
    before = clip.read_bytes()
    for sinks in ([{"type": "video", "path": str(clip)}], [{"type": "jsonl", "path": str(clip)}],
                  [{"type": "mot", "path": str(tmp_path / "." / clip.name)}]):
        config = pipeline_dict(clip, tmp_path, sinks=sinks)
        with pytest.raises(ConfigError, match=r"sinks\[0\]\.path: .* is an input of this run"):
            run(config)
        with pytest.raises(ConfigError, match="is an input of this run"):
            check_resources(parse(config))
    assert clip.read_bytes() == before


def test_two_sinks_on_one_file_are_a_config_error(make_clip, tmp_path: Path) -> None:
    clip = make_clip(frames=5)
    out = str(tmp_path / "same.out")
    config = pipeline_dict(clip, tmp_path, sinks=[{"type": "video", "path": out}, {"type": "jsonl", "path": out}])
    with pytest.raises(ConfigError, match=r"sinks\[1\]\.path: .*same.out is also written by sinks\[0\]"):
        run(config)
    assert not Path(out).exists()


def test_a_sink_path_that_is_a_folder_is_refused(make_clip, tmp_path: Path) -> None:
    clip = make_clip(frames=5)
    config = pipeline_dict(clip, tmp_path, sinks=[{"type": "jsonl", "path": str(tmp_path)}])
    with pytest.raises(ConfigError, match="is a folder; give a file name"):
        run(config)


def test_a_failed_run_keeps_the_previous_outputs_byte_for_byte(make_clip, tmp_path: Path) -> None:
    clip = make_clip(frames=20)
    run(pipeline_dict(clip, tmp_path))
    names = ("out.mp4", "out.jsonl", "out.txt")
    before = {name: (tmp_path / name).read_bytes() for name in names}
    with pytest.raises(StageError, match="scripted failure"):
        run(pipeline_dict(clip, tmp_path, detector={"type": "scripted", "fail_at": 2}))
    assert {name: (tmp_path / name).read_bytes() for name in names} == before
    assert len(decode_all(tmp_path / "out.incomplete.mp4")) == 2, "the failed run's frames are kept aside"
    assert len((tmp_path / "out.incomplete.jsonl").read_text().splitlines()) == 2
    assert not list(tmp_path.glob(".*.partial"))


def test_a_failed_first_run_still_delivers_what_it_processed(make_clip, tmp_path: Path) -> None:
    clip = make_clip(frames=20)
    with pytest.raises(StageError):
        run(pipeline_dict(clip, tmp_path, detector={"type": "scripted", "fail_at": 3}))
    assert len(decode_all(tmp_path / "out.mp4")) == 3
    assert not (tmp_path / "out.incomplete.mp4").exists()


def test_a_sink_failing_at_start_up_leaves_the_old_jsonl_intact(make_clip, tmp_path: Path) -> None:
    clip = make_clip(frames=5)
    sinks = [{"type": "jsonl", "path": str(tmp_path / "out.jsonl")}]
    run(pipeline_dict(clip, tmp_path, sinks=sinks))
    before = (tmp_path / "out.jsonl").read_bytes()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(StageError, match=r"sinks\[1\] \(mjpeg\)"):
            run(pipeline_dict(clip, tmp_path, sinks=[*sinks, {"type": "mjpeg", "port": port}]))
    assert (tmp_path / "out.jsonl").read_bytes() == before
    assert not (tmp_path / "out.incomplete.jsonl").exists(), "nothing was processed, so nothing is kept aside"


def test_a_stop_request_drops_queued_frames_instead_of_processing_them(make_clip, tmp_path: Path) -> None:
    """A slow detector behind a long queue: after the stop, at most the batch in hand is
    processed; every written frame is complete in every output."""
    clip = make_clip(frames=200)
    config = pipeline_dict(clip, tmp_path, detector={"type": "scripted", "delay_s": 0.05},
                           runtime={"queue_size": 64})
    pipeline = build(parse(config))
    written = 0

    def on_packet(packet) -> None:
        nonlocal written
        written += 1
        if written == 5:
            pipeline.stop.request("test")

    result = pipeline.run(on_packet=on_packet)
    assert result.interrupted and 5 <= result.frames < 20, "queued frames were dropped, not processed"
    assert pipeline.stats.discarded > 20
    assert len(decode_all(tmp_path / "out.mp4")) == result.frames
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == result.frames


def test_a_full_disk_is_one_line_and_leaves_no_half_files(make_clip, tmp_path: Path) -> None:
    """The file-size limit makes every write past 20 KB fail with EFBIG, like a full disk."""
    clip = make_clip(frames=200, width=640, height=360)
    config = tmp_path / "run.yaml"
    config.write_text(json.dumps(pipeline_dict(clip, tmp_path / "out")))

    def small_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    done = subprocess.run([*SCRIPTED_CLI, "run", str(config), "--quiet"], capture_output=True, text=True,
                          preexec_fn=small_disk, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: sinks[") and "File too large" in lines[0]
    assert not list((tmp_path / "out").glob(".*.partial")), "no staging file is left behind"


def test_an_output_under_a_file_is_refused(make_clip, tmp_path: Path) -> None:
    clip = make_clip(frames=5)
    config = pipeline_dict(clip, tmp_path, sinks=[{"type": "jsonl", "path": str(clip / "out.jsonl")}])
    with pytest.raises(ConfigError, match=r"sinks\[0\]\.path: cannot create .*: .* is a file, not a folder"):
        run(config)


def test_a_sink_used_without_validation_never_replaces_a_device(tmp_path: Path) -> None:
    """Library code may open a sink directly; its rename must still not replace /dev/null-like files."""
    import os

    from detect.errors import DetectError
    from detect.sinks.jsonl import JsonlSink
    from detect.types import SourceInfo

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    sink = JsonlSink(JsonlSink.Params(path=str(fifo)))
    sink.open(SourceInfo(width=8, height=8, fps=1.0, total_frames=None, source_id="x"))
    with pytest.raises(DetectError, match="is not a regular file"):
        sink.close()
    assert fifo.is_fifo() and not list(tmp_path.glob(".*.partial"))
