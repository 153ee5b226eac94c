"""--inputs: folders, globs and manifests become inputs with collision-free output folders;
what names nothing, or a broken manifest, is one line and exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from detect.batch.inputs import collect_inputs
from detect.cli import main
from detect.errors import ConfigError


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for name in ["clips/day1/car1.mp4", "clips/day1/car2.MOV", "clips/day2/car1.mp4", "clips/notes.txt",
                 "clips/day2/same.mp4", "clips/day2/same.mkv"]:
        touch(tmp_path / name)
    return tmp_path


def test_a_folder_is_every_video_under_it_named_by_its_place(tree: Path) -> None:
    items = collect_inputs(str(tree / "clips"))
    assert [i.name for i in items] == ["day1/car1", "day1/car2", "day2/car1", "day2/same_mkv", "day2/same_mp4"]
    assert all(Path(i.path).is_absolute() and i.start is None for i in items)


def test_a_glob_takes_what_it_matches_named_below_its_fixed_part(tree: Path) -> None:
    items = collect_inputs(str(tree / "clips" / "**" / "car1.mp4"))
    assert [i.name for i in items] == ["day1/car1", "day2/car1"]


def test_a_csv_manifest_resolves_against_its_folder_and_keeps_segments(tree: Path) -> None:
    manifest = tree / "lists" / "fleet.csv"
    manifest.parent.mkdir()
    manifest.write_text("path,start,end\n../clips/day1/car1.mp4,,\n../clips/day2/car1.mp4,2,5.5\n"
                        "../clips/day2/car1.mp4,5.5,\n")
    items = collect_inputs(str(manifest))
    assert [(i.name, i.start, i.end) for i in items] == [
        ("day1/car1", None, None), ("day2/car1_2s-5.5s", 2.0, 5.5), ("day2/car1_5.5s-end", 5.5, None)]
    assert items[0].path == str(tree / "clips/day1/car1.mp4")


def test_a_txt_manifest_is_one_path_a_line(tree: Path) -> None:
    manifest = tree / "clips" / "list.txt"
    manifest.write_text("# the fleet\nday1/car1.mp4\n\n/nonexistent/elsewhere.mp4\n")
    items = collect_inputs(str(manifest))
    assert [i.path for i in items] == [str(tree / "clips/day1/car1.mp4"), "/nonexistent/elsewhere.mp4"]
    assert items[1].name == "nonexistent/elsewhere"


@pytest.mark.parametrize("text, message", [
    ("file,start\na.mp4,1\n", "no 'path' column (columns: file, start)"),
    ("path,start,end\na.mp4,soon,\n", "line 2: start must be seconds >= 0, got 'soon'"),
    ("path,start,end\na.mp4,4,2\n", "line 2: end (2.0) must be after start (4.0)"),
    ("path\na.mp4\na.mp4\n", "listed more than once"),
])
def test_a_broken_manifest_is_a_user_error(tmp_path: Path, text: str, message: str) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_text(text)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        collect_inputs(str(manifest))


def test_inputs_that_name_nothing_are_one_line_and_exit_2(tree: Path, capsys: pytest.CaptureFixture[str],
                                                          models_dir: Path) -> None:
    config = tree / "batch.yaml"
    config.write_text("source: {type: video, path: x.mp4}\ndetector: {type: ultralytics, model: yolo11n.pt}\n"
                      "sinks: [{type: jsonl, path: out.jsonl}]\n")
    for spec in [str(tree / "missing"), str(tree / "clips" / "*.avi"), str(tree / "empty")]:
        (tree / "empty").mkdir(exist_ok=True)
        assert main(["batch", str(config), "--inputs", spec, "--out", str(tree / "out")]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: --inputs:") and err.count("\n") == 1, err


def test_a_sink_that_writes_no_file_is_refused(tree: Path, capsys: pytest.CaptureFixture[str],
                                               models_dir: Path) -> None:
    config = tree / "batch.yaml"
    config.write_text("source: {type: video, path: x.mp4}\ndetector: {type: ultralytics, model: yolo11n.pt}\n"
                      "sinks: [{type: jsonl, path: out.jsonl}, {type: display}]\n")
    assert main(["batch", str(config), "--inputs", str(tree / "clips"), "--out", str(tree / "out")]) == 2
    assert "sinks[1] (display) writes none" in capsys.readouterr().err
