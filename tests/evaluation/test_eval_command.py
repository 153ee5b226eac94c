"""`detect eval` end to end: real ground truth against files written by our jsonl and mot sinks."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import tracking_dir
from sink_files import table_packets, write_jsonl, write_mot

from detect.errors import ConfigError
from detect.evaluation.boxes import TARGET, BoxTable
from detect.evaluation.command import (
    add_eval_arguments,
    eval_main,
    format_metrics,
    parse_class_map,
    run_eval,
)
from detect.evaluation.ground_truth import read_ground_truth
from detect.evaluation.inputs import EvalInputError
from detect.types import Event


@pytest.fixture
def tud() -> Path:
    return tracking_dir() / "TUD-Stadtmitte"


def test_perturbed_ground_truth_through_both_sink_formats(tud: Path, tmp_path: Path) -> None:
    gt = read_ground_truth(tud)
    rng = np.random.default_rng(1)
    jittered = gt.with_column("xyxy", gt.xyxy + rng.uniform(-2, 2, size=gt.xyxy.shape))
    jittered = jittered.with_column("score", rng.uniform(0.5, 1.0, size=len(gt)).round(4))
    packets = table_packets(jittered, events=[Event("start", frame=0, pts=0.0, payload={"source": "eval-test"})])
    as_jsonl = run_eval(str(tud), str(write_jsonl(tmp_path / "p.jsonl", packets)))
    as_mot = run_eval(str(tud), str(write_mot(tmp_path / "p.txt", packets)))
    for result in (as_jsonl, as_mot):
        metrics = result["metrics"]
        assert metrics["MOTA"] == pytest.approx(100.0) and metrics["IDF1"] == pytest.approx(100.0)
        assert metrics["AP50"] == pytest.approx(100.0) and metrics["AP50-95"] < 100.0
        assert result["frames"] == 179 and result["tracked"]
    assert as_jsonl["classes"] == ["person"] and not as_jsonl["class_agnostic"]
    assert as_mot["classes"] == ["person"] and as_mot["class_agnostic"]
    for name in ("HOTA", "MOTA", "IDF1", "AP50", "AP50-95"):
        assert as_jsonl["metrics"][name] == pytest.approx(as_mot["metrics"][name], abs=0.05), name


def test_public_detections_as_jsonl_and_as_mot_agree(tud: Path, tmp_path: Path) -> None:
    """det/det.txt (old public detections, no ids) read directly and converted to our jsonl: same AP."""
    det_txt = tud / "det" / "det.txt"
    direct = run_eval(str(tud / "gt_simple.csv"), str(det_txt))
    rows = np.loadtxt(det_txt, delimiter=",")
    dets = BoxTable.build(rows[:, 0].astype(int) - 1, np.c_[rows[:, 2:4], rows[:, 2:4] + rows[:, 4:6]],
                          score=rows[:, 6])
    converted = run_eval(str(tud / "gt_simple.csv"), str(write_jsonl(tmp_path / "det.jsonl", table_packets(dets))))
    for result in (direct, converted):
        assert not result["tracked"] and "HOTA" not in result["metrics"]
        assert 30.0 < result["metrics"]["AP50"] < 100.0
    assert converted["metrics"]["AP50"] == pytest.approx(direct["metrics"]["AP50"], abs=0.05)
    assert converted["metrics"]["AP50-95"] == pytest.approx(direct["metrics"]["AP50-95"], abs=0.05)
    assert "tracking metrics skipped" in format_metrics(direct)


def test_public_detections_with_one_id_each(tud: Path, tmp_path: Path) -> None:
    """Every detection its own track: tracking metrics exist and obey MOTA = (TP - FP - IDSW) / GT."""
    rows = np.loadtxt(tud / "det" / "det.txt", delimiter=",")
    rows[:, 1] = np.arange(1, len(rows) + 1)
    path = tmp_path / "det_ids.txt"
    np.savetxt(path, rows, delimiter=",", fmt="%.3f")
    metrics = run_eval(str(tud), str(path))["metrics"]
    tp, fp, fn, idsw = metrics["TP"], metrics["FP"], metrics["FN"], metrics["IDSW"]
    assert tp + fn == 1156
    assert metrics["MOTA"] == pytest.approx(100.0 * (tp - fp - idsw) / 1156)
    assert metrics["Pred_IDs"] == len(rows) and idsw > 0
    assert metrics["AssA"] < 10.0 and metrics["IDF1"] < 10.0


def test_one_based_jsonl_is_refused(tud: Path, tmp_path: Path) -> None:
    gt = read_ground_truth(tud)
    shifted = write_jsonl(tmp_path / "shifted.jsonl", table_packets(gt.select(gt.role == TARGET), frame_offset=1))
    with pytest.raises(EvalInputError, match=r"reach frame 179 .* has 179 frames; are frame numbers shifted"):
        run_eval(str(tud), str(shifted))


def test_format_metrics_line() -> None:
    result = {
        "metrics": {"HOTA": 44.25, "DetA": 40.0, "AssA": 49.0, "MOTA": 24.2, "IDF1": 58.44, "IDSW": 12,
                    "AP50": float("nan"), "GT_IDs": 3},
        "classes": ["person"], "frames": 10, "tracked": True, "per_class": {"person": {}},
    }
    text = format_metrics(result)
    assert text.splitlines()[0] == "HOTA 44.2  DetA 40.0  AssA 49.0  MOTA 24.2  IDF1 58.4  IDSW 12  AP50 -"
    assert "classes: person; 10 frames" in text


def test_eval_main_json_and_class_map(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    seq = tracking_dir() / "KITTI-17"
    gt = read_ground_truth(seq / "gt_simple.csv")
    pedestrians = gt.select((gt.role == TARGET) & (gt.class_name == "pedestrian"))
    pred = write_jsonl(tmp_path / "k.jsonl", table_packets(pedestrians, class_name="walker"))
    parser = argparse.ArgumentParser()
    add_eval_arguments(parser)
    with pytest.raises(EvalInputError, match=r"no class in common .*--class-map walker="):
        eval_main(parser.parse_args(["--gt", str(seq / "gt_simple.csv"), "--pred", str(pred)]))
    args = parser.parse_args(["--gt", str(seq / "gt_simple.csv"), "--pred", str(pred), "--json",
                              "--class-map", "walker=pedestrian", "--iou", "0.5"])
    assert eval_main(args) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["classes"] == ["pedestrian"] and result["unevaluated_gt_classes"] == ["cyclist"]
    assert result["metrics"]["HOTA"] == pytest.approx(100.0) and result["metrics"]["IDSW"] == 0
    assert eval_main(parser.parse_args(["--gt", str(seq / "gt_simple.csv"), "--pred", str(pred),
                                        "--class-map", "walker=pedestrian"])) == 0
    text = capsys.readouterr().out
    assert text.startswith("HOTA 100.0  DetA 100.0  AssA 100.0  MOTA 100.0  IDF1 100.0  IDSW 0")
    assert "not evaluated (no predictions of that class): cyclist" in text


def test_parse_class_map() -> None:
    assert parse_class_map(["person=pedestrian", "Car=vehicle, truck=vehicle"]) == {
        "person": "pedestrian", "car": "vehicle", "truck": "vehicle"}
    with pytest.raises(EvalInputError, match="NAME=CLASS"):
        parse_class_map(["person"])


def test_bad_iou(tud: Path) -> None:
    with pytest.raises(EvalInputError, match="--iou"):
        run_eval(str(tud), str(tud / "det" / "det.txt"), iou=0.0)


@pytest.mark.parametrize("module,predictions,purpose", [
    ("trackeval.metrics", "gt/gt.txt", "tracking metrics"),
    ("pycocotools.coco", "det/det.txt", "detection AP"),
])
def test_missing_metric_library_names_the_extra(tud: Path, monkeypatch, module: str, predictions: str,
                                                purpose: str) -> None:
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(ConfigError, match=rf'{purpose}.* pip install "detect\[eval\]"'):
        run_eval(str(tud), str(tud / predictions))


def test_building_the_cli_parser_imports_no_metric_or_plot_library() -> None:
    """`detect --help` and `detect run` must not pay for TrackEval, pycocotools, matplotlib or motmetrics."""
    heavy = ("trackeval", "pycocotools", "matplotlib", "motmetrics")
    code = f"import sys; from detect.cli import _parser; _parser(); print([m for m in {heavy!r} if m in sys.modules])"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"
