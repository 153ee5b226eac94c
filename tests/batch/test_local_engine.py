"""The local engine on real clips: a corrupt input fails alone, reruns skip what is done and redo
what changed, and a batch survives SIGKILL of its parent or of a worker."""

from __future__ import annotations

import csv
import json
import os
import signal
import time
from pathlib import Path

import av
import psutil
import pytest
from batch_helpers import (
    LONG_CUT,
    batch,
    batch_process,
    copy_fleet,
    cut,
    make_fleet,
    record,
    summary,
)

from detect import Pipeline

pytestmark = pytest.mark.model
GOOD = ["highway/a", "urban/b", "urban/c"]


@pytest.fixture(scope="module")
def fleet(shared_videos: Path, models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_fleet(shared_videos, tmp_path_factory.mktemp("fleet"))


@pytest.fixture
def fleet_copy(fleet: Path, tmp_path: Path) -> Path:
    return copy_fleet(fleet, tmp_path)


def test_a_batch_fails_the_corrupt_input_alone_and_reruns_skip_what_is_done(
        fleet_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = fleet_copy / "out"
    assert batch(fleet_copy, out, "--workers", "2") == 3
    printed = capsys.readouterr()
    assert "batch: 4 inputs: 3 done, 0 skipped, 1 failed;" in printed.out
    assert "failed: " in printed.err and "bad.mp4" in printed.err
    rows = summary(out)
    assert sorted(rows) == sorted([*GOOD, "urban/bad"])
    bad = rows["urban/bad"]
    assert bad["status"] == "failed" and bad["frames"] == 0 and "\n" not in bad["error"]
    assert "not a video or corrupt" in bad["error"]
    assert not (out / "urban/bad/completed.json").exists()
    for name in GOOD:
        row = rows[name]
        stem = name.split("/")[1]
        assert row["status"] == "done" and row["attempts"] == 1 and row["error"] == ""
        assert row["outputs"] == [f"{name}/{stem}.mp4", f"{name}/{stem}.jsonl"]
        lines = [json.loads(line) for line in (out / name / f"{stem}.jsonl").read_text().splitlines()]
        frames = [line for line in lines if "frame" in line and "event" not in line]
        assert len(frames) == row["frames"] > 0
        with av.open(str(out / name / f"{stem}.mp4")) as video:
            assert sum(1 for _ in video.decode(video=0)) == row["frames"]
        tracks = {d["track_id"] for f in frames for d in f["detections"] if d["track_id"] is not None and d["track_id"] >= 0}
        assert row["tracks"] == len(tracks) == sum(row["tracks_by_class"].values())
    assert rows["urban/b"]["tracks_by_class"].get("car", 0) > 0
    with (out / "summary.csv").open() as handle:
        table = list(csv.DictReader(handle))
    assert [r["status"] for r in table] == ["done", "done", "failed", "done"]
    assert table[1]["tracks_by_class"] == ";".join(f"{k}:{v}" for k, v in rows["urban/b"]["tracks_by_class"].items())
    _reruns_skip_what_is_done_and_redo_what_changed(fleet_copy, out)


def test_each_input_gives_what_its_own_run_gives(fleet: Path, tmp_path: Path) -> None:
    """One worker's pipeline, reused across inputs with the model loaded once, writes for each
    input exactly what a fresh pipeline run on that input alone writes."""
    out = tmp_path / "batch"
    assert batch(fleet, out, "--workers", "1", inputs=str(fleet / "clips" / "urban" / "[bc].mp4")) == 0
    for stem in ["b", "c"]:
        alone = Pipeline.from_yaml(fleet / "batch.yaml", source=str(fleet / "clips/urban" / f"{stem}.mp4"),
                                   detector__threads=1, sinks__0__path=str(tmp_path / "alone.mp4"),
                                   sinks__1__path=str(tmp_path / "alone.jsonl"))
        alone.run()
        assert (out / stem / f"{stem}.jsonl").read_text() == (tmp_path / "alone.jsonl").read_text()


def _reruns_skip_what_is_done_and_redo_what_changed(fleet_copy: Path, out: Path) -> None:
    first = {name: record(out, name)["batch_id"] for name in GOOD}

    assert batch(fleet_copy, out, "--workers", "1") == 3
    rows = summary(out)
    assert [rows[n]["status"] for n in GOOD] == ["skipped"] * 3 and rows["urban/bad"]["status"] == "failed"
    assert rows["urban/b"]["frames"] > 0, "a skipped row keeps the numbers of the run that did it"
    assert {name: record(out, name)["batch_id"] for name in GOOD} == first

    _rewrite(fleet_copy)
    assert batch(fleet_copy, out, "--workers", "1") == 3
    rows = summary(out)
    assert [rows[n]["status"] for n in GOOD] == ["skipped", "done", "skipped"]
    assert record(out, "urban/b")["batch_id"] != first["urban/b"]

    assert batch(fleet_copy, out, "--workers", "1", "--set", "detector.conf=0.5") == 3
    assert [summary(out)[n]["status"] for n in GOOD] == ["done"] * 3

    assert batch(fleet_copy, out, "--workers", "1", "--set", "detector.conf=0.5", "--force",
                 inputs=str(fleet_copy / "clips/highway")) == 0
    assert summary(out)["a"]["status"] == "done"


def _rewrite(root: Path) -> None:
    """Change an input: the same clip cut shorter (a new size and modification time)."""
    source = root / "clips/urban/b.mp4"
    shorter = root / "b_short.mp4"
    frames = 0
    with av.open(str(source)) as original, av.open(str(shorter), "w") as out:
        stream = original.streams.video[0]
        encoder = out.add_stream("libx264", rate=stream.average_rate)
        encoder.width, encoder.height, encoder.pix_fmt = stream.width, stream.height, "yuv420p"
        for frame in original.decode(stream):
            if frames == 8:
                break
            for packet in encoder.encode(frame.reformat(format="yuv420p")):
                out.mux(packet)
            frames += 1
        for packet in encoder.encode():
            out.mux(packet)
    os.replace(shorter, source)


def _long_input(root: Path, shared_videos: Path) -> None:
    """An input that takes seconds, so a kill lands while it is processed."""
    video, seconds = LONG_CUT
    cut(shared_videos / video, root / "clips/urban/long.mp4", seconds)


def _wait_for(predicate, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _staging(out: Path) -> list[Path]:
    return [p for p in out.rglob(".*.partial") if p.name != ".completed.json.partial"]


def _final_outputs_are_whole(out: Path) -> None:
    """Every file under a final name is complete: JSON lines parse, videos decode to the end."""
    for path in out.rglob("*.jsonl"):
        if not path.name.startswith("."):
            for line in path.read_text().splitlines():
                json.loads(line)
    for path in out.rglob("*.mp4"):
        if not path.name.startswith("."):
            with av.open(str(path)) as video:
                assert sum(1 for _ in video.decode(video=0)) > 0


def test_a_killed_batch_reruns_to_completion_without_redoing_finished_inputs(
        fleet_copy: Path, shared_videos: Path) -> None:
    _long_input(fleet_copy, shared_videos)
    out = fleet_copy / "out"
    child = batch_process(fleet_copy, out, "--workers", "1")
    parent = psutil.Process(child.pid)
    _wait_for(lambda: any(out.rglob("completed.json")) and bool(_staging(out)))
    workers = parent.children(recursive=True)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(30)
    psutil.wait_procs(workers, timeout=30)
    assert not any(w.is_running() and w.status() != psutil.STATUS_ZOMBIE for w in workers), "orphaned workers"
    _final_outputs_are_whole(out)
    finished = {p.parent.relative_to(out).as_posix(): json.loads(p.read_text())["batch_id"]
                for p in out.rglob("completed.json")}
    assert 0 < len(finished) < 4

    assert batch(fleet_copy, out, "--workers", "2") == 3
    rows = summary(out)
    assert {n for n, r in rows.items() if r["status"] == "skipped"} == set(finished)
    assert {n for n, r in rows.items() if r["status"] == "done"} == {*GOOD, "urban/long"} - set(finished)
    assert {n: record(out, n)["batch_id"] for n in finished} == finished, "a finished input was redone"
    assert not _staging(out)
    _final_outputs_are_whole(out)


def test_a_killed_worker_is_replaced_and_its_input_retried(fleet_copy: Path, shared_videos: Path) -> None:
    _long_input(fleet_copy, shared_videos)
    out = fleet_copy / "out"
    child = batch_process(fleet_copy, out, "--workers", "1", "--retries", "1",
                          inputs=str(fleet_copy / "clips/urban/long.mp4"))
    _wait_for(lambda: bool(_staging(out)))
    [worker] = [p for p in psutil.Process(child.pid).children() if "spawn_main" in " ".join(p.cmdline())]
    worker.send_signal(signal.SIGKILL)
    stdout, stderr = child.communicate(timeout=180)
    assert child.returncode == 0, stderr
    row = summary(out)["long"]
    assert row["status"] == "done" and row["attempts"] == 2 and row["frames"] > 0

    out = fleet_copy / "out_no_retry"
    child = batch_process(fleet_copy, out, "--workers", "1", "--retries", "0",
                          inputs=str(fleet_copy / "clips/urban/long.mp4"))
    _wait_for(lambda: bool(_staging(out)))
    [worker] = [p for p in psutil.Process(child.pid).children() if "spawn_main" in " ".join(p.cmdline())]
    worker.send_signal(signal.SIGKILL)
    stdout, stderr = child.communicate(timeout=180)
    assert child.returncode == 3
    row = summary(out)["long"]
    assert row["status"] == "failed" and row["error"] == "the worker process was killed by SIGKILL on each of 1 attempts"
    assert f"failed: {fleet_copy / 'clips/urban/long.mp4'}: the worker process was killed" in stderr
    assert not (out / "long" / "long.mp4").exists()


def test_ctrl_c_lets_the_input_in_progress_finish_and_starts_no_other(fleet_copy: Path, shared_videos: Path) -> None:
    _long_input(fleet_copy, shared_videos)
    out = fleet_copy / "out"
    manifest = fleet_copy / "list.txt"
    manifest.write_text("clips/urban/long.mp4\nclips/urban/b.mp4\n")
    child = batch_process(fleet_copy, out, "--workers", "1", inputs=str(manifest))
    _wait_for(lambda: bool(_staging(out)))
    child.send_signal(signal.SIGINT)
    stdout, stderr = child.communicate(timeout=180)
    assert child.returncode == 130, stderr
    assert "stopping: the inputs in progress finish" in stderr and "traceback" not in stderr.lower()
    rows = summary(out)
    assert rows["long"]["status"] == "done" and (out / "long" / "completed.json").exists()
    assert rows["b"]["status"] == "not run" and not (out / "b").exists()
    assert "1 done, 0 skipped, 0 failed, 1 not run" in stdout
