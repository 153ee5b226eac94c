"""bench.json (versioned), bench.md tables and the PNG plots, from synthetic results."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bench_fakes import fake_record

from detect.bench.plots import ACCURACY_PLOT, STAGES_PLOT, write_plots
from detect.bench.reports import (
    MAIN_HEADERS,
    SCHEMA_VERSION,
    build_report,
    main_rows,
    stage_rows,
    terminal_table,
    text_table,
    write_markdown,
    write_report_json,
)
from detect.bench.spec import parse_spec

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def record(detector: str, clip: str, fps_scale: float, hota: float | None) -> dict:
    combination = {"key": f"{detector}-{clip}".replace("/", "-"), "label": f"{detector} | bytetrack | {clip}",
                   "detector_label": detector, "tracker_label": "bytetrack", "clip_label": clip,
                   "detector": {"type": "ultralytics", "model": "x.pt"}, "tracker": {"type": "bytetrack"},
                   "clip": {"path": f"{clip}.mp4"}}
    return fake_record({"combination": combination}, fps_scale=fps_scale, hota=hota)


@pytest.fixture
def report() -> dict:
    results = [record("yolo11n/torch/640", "TUD", 1.0, 60.0), record("yolo11n/torch/640", "highway", 1.0, None),
               record("yolo11n/openvino/640", "TUD", 2.0, 58.5),
               {"status": "failed", "error": "model exploded", "key": "k", "label": "bad | bytetrack | TUD",
                "detector_label": "bad", "tracker_label": "bytetrack", "clip_label": "TUD"}]
    spec = parse_spec({"detectors": [{}], "clips": [{"path": "TUD.mp4"}]})
    return build_report(results, spec, "configs/bench.yaml")


def test_json_is_versioned_strict_and_complete(report: dict, tmp_path: Path) -> None:
    path = write_report_json(report, tmp_path / "bench.json")
    loaded = json.loads(path.read_text(), parse_constant=lambda c: pytest.fail(f"non-strict JSON constant {c}"))
    assert loaded["schema"] == "detect.bench" and loaded["schema_version"] == SCHEMA_VERSION == 1
    assert loaded["summary"] == {"combinations": 4, "ok": 3, "failed": 1, "reused": 0}
    assert loaded["platform"]["logical_cores"] >= 1 and loaded["platform"]["cpu"]
    speed = loaded["combinations"][0]["speed"]
    for name in ("fps", "realtime_factor", "load_s", "warmup_s", "cpu_util_pct", "peak_rss_mb", "latency_ms",
                 "background_cpu_pct"):
        assert speed[name] is not None, name
    assert set(speed["stages"]) == {"decode", "inference", "track", "encode"}
    assert speed["serial"]["ok"] and speed["serial"]["sum_over_wall"] == pytest.approx(0.98)


def test_tables_group_by_clip_and_leave_accuracy_blank_without_ground_truth(report: dict) -> None:
    rows = main_rows(report["combinations"])
    assert [(r[0], r[1]) for r in rows] == [("TUD", "yolo11n/torch/640"), ("TUD", "yolo11n/openvino/640"),
                                           ("highway", "yolo11n/torch/640")]
    hota = MAIN_HEADERS.index("HOTA")
    assert [r[hota] for r in rows] == ["60.0", "58.5", ""]
    assert float(rows[1][MAIN_HEADERS.index("fps")]) == pytest.approx(2 * float(rows[0][MAIN_HEADERS.index("fps")]))
    assert stage_rows(report["combinations"])[0][-1] == "98 %"
    text = text_table(MAIN_HEADERS, rows)
    assert text.splitlines()[0].startswith("clip") and len(text.splitlines()) == 2 + len(rows)
    long = [{**r, "clip_label": "a-very-long-sequence-name-" * 4, "detector_label": "yolo11n/openvino/640 conf=0.1"}
            for r in report["combinations"]]
    terminal = terminal_table(long)
    assert max(len(line) for line in terminal.splitlines()) <= 120
    assert terminal.splitlines()[0].split() == ["clip", "detector", "tracker", "fps", "infer", "p50", "ms", "RSS",
                                                "MB", "HOTA", "MOTA", "IDF1", "AP50"]


def test_markdown_and_plots(report: dict, tmp_path: Path) -> None:
    plots = write_plots(report["combinations"], tmp_path)
    assert set(plots.values()) == {tmp_path / ACCURACY_PLOT, tmp_path / STAGES_PLOT}
    for path in plots.values():
        data = path.read_bytes()
        assert data.startswith(PNG_SIGNATURE) and 5_000 < len(data) < 150_000
        from matplotlib.image import imread

        assert imread(path).shape[2] in (3, 4)
    text = write_markdown(report, plots, tmp_path).read_text()
    assert "| clip | detector | tracker | frames | fps |" in text
    assert "| TUD | yolo11n/openvino/640 | bytetrack | 10 |" in text
    assert f"![accuracy vs fps]({ACCURACY_PLOT})" in text
    assert "## Failed\n\n- bad | bytetrack | TUD: model exploded" in text


def test_no_plot_without_data(tmp_path: Path) -> None:
    assert write_plots([{"status": "failed", "error": "x"}], tmp_path) == {}


def test_summary_line_calls_out_a_shared_cpu() -> None:
    from detect.bench.runner import summary_line

    quiet = record("yolo11n/torch/640", "TUD", 1.0, 60.0)
    assert summary_line(quiet) == "yolo11n/torch/640 | bytetrack | TUD: 20.0 fps (2.00x real time), HOTA 60.0, MOTA 55.0, AP50 70.0"
    busy = {**quiet, "speed": {**quiet["speed"], "background_cpu_pct": 32.0}}
    assert summary_line(busy).endswith("[shared CPU: other processes used 32 % of it]")
    assert summary_line({"status": "failed", "label": "x", "error": "boom"}) == "x: FAILED: boom"
