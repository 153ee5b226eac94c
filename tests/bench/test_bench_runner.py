"""The bench runner: stored results are reused, --force runs again, failures are reported and skipped past."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench_fakes import FakeLauncher, fake_weights, spec_dict

from detect.bench.combos import expand_spec
from detect.bench.runner import run_bench
from detect.bench.spec import parse_spec


@pytest.fixture
def spec_data(tmp_path: Path, make_clip) -> dict:
    return spec_dict(make_clip(), fake_weights(tmp_path))


def test_second_run_reuses_everything_and_force_runs_again(spec_data: dict, tmp_path: Path) -> None:
    spec, out = parse_spec(spec_data), tmp_path / "out"
    launcher = FakeLauncher()
    first = run_bench(spec, out, launcher=launcher)
    assert (first.ran, first.reused, first.failed) == (2, 0, 0) and len(launcher.runs) == 2
    assert sorted(p.name for p in (out / "combos").glob("*.json")) == sorted(f"{k}.json" for k in launcher.runs)

    again = run_bench(spec, out, launcher=launcher)
    assert (again.ran, again.reused) == (0, 2) and len(launcher.runs) == 2
    assert all(r["cached"] for r in again.results)
    assert [r["key"] for r in again.results] == [r["key"] for r in first.results]

    forced = run_bench(spec, out, force=True, launcher=launcher)
    assert (forced.ran, forced.reused) == (2, 0) and len(launcher.runs) == 4


def test_only_changed_combinations_run_again(spec_data: dict, tmp_path: Path) -> None:
    out = tmp_path / "out"
    launcher = FakeLauncher()
    run_bench(parse_spec(spec_data), out, launcher=launcher)
    spec_data["detectors"].append({"model": spec_data["detectors"][0]["model"], "backend": "torch", "conf": 0.5})
    outcome = run_bench(parse_spec(spec_data), out, launcher=launcher)
    assert (outcome.ran, outcome.reused) == (1, 2)
    assert "conf=0.5" in outcome.results[-1]["detector_label"]


def test_a_failed_combination_is_reported_and_the_rest_runs(spec_data: dict, tmp_path: Path) -> None:
    out = tmp_path / "out"
    outcome = run_bench(parse_spec(spec_data), out, launcher=FakeLauncher(fail=("-torch-",)))
    assert (outcome.ran, outcome.failed) == (2, 1)
    failed = [r for r in outcome.results if r["status"] == "failed"]
    assert failed[0]["error"] == "RuntimeError: the backend fell over (log: worker.log)"
    assert failed[0]["detector_label"] == "tiny/torch/640"
    retry = FakeLauncher()
    assert run_bench(parse_spec(spec_data), out, launcher=retry).ran == 1, "a failure is not stored as done"
    assert retry.runs == [failed[0]["key"]]


def test_exported_backends_are_prepared_once_per_detector_before_timing(spec_data: dict, tmp_path: Path,
                                                                        make_clip) -> None:
    spec_data["clips"].append({"path": str(make_clip("second.mp4")), "frames": 3, "classes": ["person"]})
    launcher = FakeLauncher()
    run_bench(parse_spec(spec_data), tmp_path / "out", launcher=launcher)
    assert len(launcher.prepared) == 1, "torch needs no export; openvino from a .pt does, once (whatever the classes)"
    assert [c["detector"]["backend"] for c in launcher.prepared[0]] == ["openvino", "openvino"]
    assert launcher.prepared[0][1]["source"]["end"] == pytest.approx(0.25), "3 frames at 10 fps end at 2.5 frames"


def test_a_failed_export_fails_that_detector_only(spec_data: dict, tmp_path: Path) -> None:
    launcher = FakeLauncher(fail_prepare=True)
    outcome = run_bench(parse_spec(spec_data), tmp_path / "out", launcher=launcher)
    by_backend = {r["detector"]["backend"]: r for r in outcome.results}
    assert by_backend["torch"]["status"] == "ok"
    assert by_backend["openvino"]["error"] == "preparing the detector failed: export failed: no space left"
    assert len(launcher.runs) == 1


def test_requests_write_predictions_only_where_they_are_scored(spec_data: dict, tmp_path: Path) -> None:
    from detect.bench.combo_request import build_request

    spec = parse_spec(spec_data)
    request = build_request(expand_spec(spec)[0], spec, tmp_path / "c")
    assert request["threaded"]["sinks"] == [] and request["predictions"] is None and request["gt"] is None
    assert request["serial"]["source"] == request["threaded"]["source"]
    spec = parse_spec({**spec_data, "outputs": {"jsonl": True, "video": True}, "measure": {"serial": False}})
    request = build_request(expand_spec(spec)[0], spec, tmp_path / "c")
    assert [s["type"] for s in request["threaded"]["sinks"]] == ["jsonl", "video"]
    assert [a["type"] for a in request["threaded"]["annotators"]] == ["boxes", "labels"]
    assert request["serial"] is None


def test_a_clip_that_cannot_be_cut_fails_alone(spec_data: dict, tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00" * 100)
    spec_data["clips"].append({"path": str(junk), "frames": 5})
    launcher = FakeLauncher()
    outcome = run_bench(parse_spec(spec_data), tmp_path / "out", launcher=launcher)
    assert (outcome.ran, outcome.failed) == (4, 2) and len(launcher.runs) == 2
    assert all(r["error"].startswith(f"cannot read the frame rate of {junk}") for r in outcome.results
               if r["status"] == "failed")
