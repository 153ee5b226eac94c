"""Combination expansion (detector matrix x trackers x clips) and stable keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench_fakes import fake_weights, spec_dict

from detect.bench.combos import expand, expand_spec
from detect.bench.spec import parse_spec


@pytest.mark.parametrize("entry,expected", [
    ({"model": "a", "imgsz": 640}, [{"model": "a", "imgsz": 640}]),
    ({"model": ["a", "b"], "backend": ["torch", "openvino"]},
     [{"model": "a", "backend": "torch"}, {"model": "a", "backend": "openvino"},
      {"model": "b", "backend": "torch"}, {"model": "b", "backend": "openvino"}]),
    ({"classes": ["person", "car"]}, [{"classes": ["person", "car"]}]),
    ({"classes": [["person"], ["person", "bicycle"]]}, [{"classes": ["person"]}, {"classes": ["person", "bicycle"]}]),
])
def test_matrix_expansion(entry: dict, expected: list[dict]) -> None:
    assert expand(entry, {"classes"}) == expected


@pytest.fixture
def two_clips(tmp_path: Path, make_clip) -> dict:
    data = spec_dict(make_clip("a.mp4"), fake_weights(tmp_path))
    gt = tmp_path / "gt.txt"
    gt.write_text("1,1,10,10,20,20,1,-1,-1,-1\n")
    data["clips"].append({"path": str(make_clip("b.mp4")), "gt": str(gt), "classes": ["person"]})
    data["trackers"] = ["bytetrack", {"type": "botsort", "track_buffer": 60}]
    return data


def test_every_combination_once_detector_major(two_clips: dict) -> None:
    combos = expand_spec(parse_spec(two_clips))
    assert len(combos) == 2 * 2 * 2
    assert [c.detector["backend"] for c in combos] == ["torch"] * 4 + ["openvino"] * 4
    assert len({c.key for c in combos}) == 8
    labels = {c.label for c in combos}
    assert "tiny/torch/640 | botsort track_buffer=60 | b" in labels
    assert combos[0].key.startswith("tiny-torch-640-bytetrack-synthetic-")


def test_keys_are_stable_and_follow_what_changes_the_numbers(two_clips: dict, monkeypatch, tmp_path: Path) -> None:
    first = {c.label: c.key for c in expand_spec(parse_spec(two_clips))}
    assert first == {c.label: c.key for c in expand_spec(parse_spec(two_clips))}
    monkeypatch.chdir(tmp_path)
    relative = {**two_clips, "clips": [{**two_clips["clips"][0], "path": "a.mp4"}, two_clips["clips"][1]]}
    assert first == {c.label: c.key for c in expand_spec(parse_spec(relative))}, "a path is keyed absolute"
    changed = {**two_clips, "detectors": [{**two_clips["detectors"][0], "conf": 0.4}]}
    second = {c.label.replace(" conf=0.4", ""): c.key for c in expand_spec(parse_spec(changed))}
    assert set(first) == set(second) and not set(first.values()) & set(second.values())
    later = {**two_clips, "clips": [{**two_clips["clips"][0], "frames": 5}, two_clips["clips"][1]]}
    third = {c.label: c.key for c in expand_spec(parse_spec(later))}
    assert [label for label in first if first[label] != third[label]] == [name for name in first if name.endswith("| synthetic")]


def test_clip_classes_replace_the_detector_classes(two_clips: dict) -> None:
    two_clips["detectors"][0]["classes"] = ["car"]
    combos = expand_spec(parse_spec(two_clips))
    assert {c.clip.label: c.detector["classes"] for c in combos} == {"synthetic": ["car"], "b": ["person"]}
    assert all(Path(c.detector["model"]).is_absolute() for c in combos)
