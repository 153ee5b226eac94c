"""`detect validate` refuses what `detect run` would refuse later, each with one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from fork_cli import run_cli
from fuzz_material import error_line, pipeline, write_config

from detect.detectors import backend_choice
from detect.errors import ConfigError


def _validate(tmp_path: Path, data: dict, *extra: str) -> str:
    config = write_config(tmp_path / "config.yaml", data)
    outcome = run_cli(["validate", str(config), *extra], tmp_path)
    assert outcome.code == 2, outcome.report()
    assert not outcome.problems(), outcome.report()
    return error_line(outcome.stderr)


def test_empty_source_path(warm_cli: Path, short_clip: Path, tmp_path: Path) -> None:
    assert "source.path: " in _validate(tmp_path, {**pipeline(short_clip), "source": {"type": "video", "path": ""}})


def test_missing_image_folder(warm_cli: Path, short_clip: Path, tmp_path: Path) -> None:
    data = {**pipeline(short_clip), "source": {"type": "images", "path": str(tmp_path / "nowhere")}}
    assert f"source.path: not found: {tmp_path / 'nowhere'}" in _validate(tmp_path, data)
    (tmp_path / "empty").mkdir()
    data["source"]["path"] = str(tmp_path / "empty")
    assert "source.path: no images found" in _validate(tmp_path, data)


@pytest.mark.skipif(backend_choice.cuda_available(), reason="this machine has a CUDA device")
@pytest.mark.parametrize("device", ["cuda", "cuda:0", "cuda:3"])
def test_cuda_without_cuda(device: str, warm_cli: Path, short_clip: Path, tmp_path: Path) -> None:
    line = _validate(tmp_path, pipeline(short_clip), "--set", f"detector.device={device}")
    assert f"detector.device: {device} asked for, but no CUDA device is available" in line


@pytest.mark.parametrize("requested,expected", [("cuda", "cuda:0"), ("cuda:1", "cuda:1"), ("cpu", "cpu"), ("auto", "cuda:0")])
def test_cuda_devices_that_exist_are_kept(requested: str, expected: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backend_choice, "cuda_devices", lambda: 2)
    assert backend_choice.device(requested) == expected


def test_cuda_index_past_the_last_device(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backend_choice, "cuda_devices", lambda: 2)
    with pytest.raises(ConfigError, match=r"only 2 CUDA devices \(cuda:0 to cuda:1\)"):
        backend_choice.device("cuda:2")


@pytest.mark.parametrize("size", ["0", "-1", "1025"])
def test_queue_size_is_bounded(size: str, warm_cli: Path, short_clip: Path, tmp_path: Path) -> None:
    assert "runtime.queue_size: " in _validate(tmp_path, pipeline(short_clip), "--set", f"runtime.queue_size={size}")


@pytest.mark.skipif(backend_choice.cuda_available(), reason="this machine has a CUDA device")
def test_tensorrt_without_cuda(warm_cli: Path, short_clip: Path, tmp_path: Path) -> None:
    assert "detector.backend: tensorrt needs a CUDA device" in _validate(
        tmp_path, pipeline(short_clip), "--set", "detector.backend=tensorrt")


def test_int8_of_an_exported_model(warm_cli: Path, short_clip: Path, tmp_path: Path) -> None:
    data = pipeline(short_clip, str(warm_cli / "yolo11n_int8_openvino_model"))
    assert "detector.int8: INT8 needs a .pt" in _validate(tmp_path, data, "--set", "detector.int8=true")


def test_nul_byte_in_any_parameter(warm_cli: Path, short_clip: Path, tmp_path: Path) -> None:
    data = {**pipeline(short_clip), "sinks": [{"type": "jsonl", "path": "out\0.jsonl"}]}
    assert "sinks[0].path: must not contain a NUL byte" in _validate(tmp_path, data)
