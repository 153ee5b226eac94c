"""Rough edges a new user hits in the first runs (issue 10's acceptance review): switching the
tracker off, a sequence's own frame rate, the summary's grammar, a video given where a config is
expected, a source given twice. Each is the `detect` command line, as the user types it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import av
import pytest
from conftest import REPO, SCRIPTED_CLI, tracking_dir

SCRIPTED = ["--set", "detector={type: scripted}", "--quiet"]


def detect(*argv: str, cwd: Path, scripted: bool = True) -> subprocess.CompletedProcess[str]:
    command = [*SCRIPTED_CLI] if scripted else [sys.executable, "-m", "detect"]
    return subprocess.run([*command, *argv], capture_output=True, text=True, cwd=cwd, timeout=300)


def pts(jsonl: Path) -> list[float]:
    return [json.loads(line)["pts"] for line in jsonl.read_text().splitlines()]


@pytest.fixture
def sequence(tmp_path: Path) -> Path:
    """The first three frames of KITTI-17 in a MOTChallenge layout (seqinfo.ini says 10 fps)."""
    kitti = tracking_dir() / "KITTI-17"
    frames = tmp_path / "KITTI-17" / "img1"
    frames.mkdir(parents=True)
    for name in ("000001.jpg", "000002.jpg", "000003.jpg"):
        shutil.copy(kitti / "img1" / name, frames / name)
    shutil.copy(kitti / "seqinfo.ini", tmp_path / "KITTI-17" / "seqinfo.ini")
    return frames


def test_tracker_none_switches_off_the_dashcam_tracker(make_clip, tmp_path: Path) -> None:
    clip = make_clip(frames=6)
    done = detect("run", str(clip), "--tracker", "none", *SCRIPTED, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "tracks" not in done.stdout and "-> runs/clip.mp4, runs/clip.jsonl" in done.stdout
    records = [json.loads(line) for line in (tmp_path / "runs" / "clip.jsonl").read_text().splitlines()]
    assert all(d["track_id"] is None for r in records for d in r["detections"])
    assert any(r["detections"] for r in records)
    botsort = detect("run", str(clip), "--tracker", "botsort", "--exist-ok", *SCRIPTED, cwd=tmp_path)
    assert botsort.returncode == 0 and "1 track ->" in botsort.stdout, botsort.stderr + botsort.stdout


def test_tracker_type_none_in_a_config_drops_the_old_trackers_settings(models_dir: Path, tmp_path: Path) -> None:
    config = str(REPO / "configs" / "dashcam.yaml")
    done = detect("validate", config, "--set", "tracker.type=none", cwd=tmp_path, scripted=False)
    assert done.returncode == 0, done.stderr
    typo = detect("validate", config, "--set", "tracker.type=bytetrak", cwd=tmp_path, scripted=False)
    assert typo.returncode == 2 and "unknown tracker 'bytetrak' (did you mean 'bytetrack'?" in typo.stderr


def test_as_video_plays_a_sequence_at_its_seqinfo_frame_rate(sequence: Path, tmp_path: Path) -> None:
    done = detect("run", str(sequence), "--as-video", *SCRIPTED, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert pts(tmp_path / "runs" / "img1.jsonl") == [0.0, 0.1, 0.2]
    with av.open(str(tmp_path / "runs" / "img1.mp4")) as video:
        assert video.streams.video[0].average_rate == 10 and video.streams.video[0].frames == 3
    glob = detect("run", f"{sequence}/*.jpg", "--as-video", "--jsonl-only", *SCRIPTED, cwd=tmp_path)
    assert glob.returncode == 0 and pts(tmp_path / "runs" / "img1-2.jsonl") == [0.0, 0.1, 0.2], glob.stderr
    chosen = detect("run", str(sequence), "--as-video", "--jsonl-only", "--set", "source.fps=5", *SCRIPTED, cwd=tmp_path)
    assert chosen.returncode == 0 and pts(tmp_path / "runs" / "img1-3.jsonl") == [0.0, 0.2, 0.4], chosen.stderr
    (sequence.parent / "seqinfo.ini").unlink()
    plain = detect("run", str(sequence), "--as-video", "--jsonl-only", *SCRIPTED, cwd=tmp_path)
    assert plain.returncode == 0 and pts(tmp_path / "runs" / "img1-4.jsonl")[1] == pytest.approx(1 / 30, abs=1e-5)


def test_the_summary_says_one_frame_and_one_track(make_clip, tmp_path: Path) -> None:
    done = detect("run", str(make_clip(frames=1)), *SCRIPTED, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("done: 1 frame in ") and ", 1 track -> " in done.stdout


def test_a_video_where_a_config_is_expected_says_how_to_run_it(make_clip, tmp_path: Path) -> None:
    clip = make_clip()
    done = detect("validate", str(clip), cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert done.stderr == (f"error: {clip}: looks like an MP4/MOV video, not a YAML config; to process it: "
                           f"detect run {clip} (the dashcam pipeline), or detect run CONFIG.yaml --source {clip}\n")
    (tmp_path / "bad.yaml").write_bytes(bytes(range(256)) * 4)
    binary = detect("validate", "bad.yaml", cwd=tmp_path)
    assert binary.returncode == 2 and binary.stderr.startswith("error: bad.yaml: looks like a binary file, not a YAML")


def test_a_source_given_twice_is_refused(make_clip, tmp_path: Path) -> None:
    clip = make_clip()
    done = detect("run", str(clip), "--source", "other.mp4", *SCRIPTED, cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "give a source once" in done.stderr
    assert not (tmp_path / "runs").exists()


def test_the_top_level_help_has_examples(tmp_path: Path) -> None:
    done = detect("--help", cwd=tmp_path)
    assert done.returncode == 0 and "examples:" in done.stdout and "detect run clip.mp4" in done.stdout


def test_validating_the_bench_spec_elsewhere_says_where_its_paths_start(tmp_path: Path) -> None:
    done = detect("validate", str(REPO / "configs" / "bench.yaml"), cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert f"problems: paths in a bench spec are relative to the current directory ({tmp_path})" in done.stderr


def test_a_portrait_photo_after_a_wide_one_is_detected_as_well_as_alone(models_dir: Path, tmp_path: Path) -> None:
    """Stills of mixed sizes: each image is sized for the model on its own, not squeezed into
    the first image's wide input (bus.jpg in a folder after a KITTI frame lost its bus)."""
    import ultralytics

    from detect import Pipeline

    bus = Path(ultralytics.__file__).parent / "assets" / "bus.jpg"
    folder = tmp_path / "photos"
    folder.mkdir()
    shutil.copy(next((tracking_dir() / "KITTI-17" / "img1").glob("*.jpg")), folder / "a_kitti.jpg")
    shutil.copy(bus, folder / "b_bus.jpg")
    config = REPO / "configs" / "dashcam.yaml"
    alone = next(iter(Pipeline.from_yaml(config).stream(str(bus))))
    after = list(Pipeline.from_yaml(config).stream(str(folder)))[1]
    assert Path(after.file).name == "b_bus.jpg" and "bus" in alone.class_names
    assert sorted(after.class_names) == sorted(alone.class_names)
    assert abs(after.detections.confidence.max() - alone.detections.confidence.max()) < 1e-3
