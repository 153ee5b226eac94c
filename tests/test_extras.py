"""A missing optional package is one line naming the extra that installs it, never a traceback
or Ultralytics trying to pip-install it in the middle of a run."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from detect.detectors.backends.onnx_backend import OnnxBackend
from detect.detectors.backends.openvino_backend import OpenVINOBackend
from detect.detectors.export_cache import exported
from detect.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]
INSTALL_FAST = 'pip install "detect[fast]"'


def missing(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    """Make `import module` raise ImportError, as if the package were not installed."""
    for name in modules:
        monkeypatch.setitem(sys.modules, name, None)


def one_line(exc: pytest.ExceptionInfo[ConfigError]) -> str:
    text = str(exc.value)
    assert "\n" not in text
    return text


@pytest.mark.parametrize("backend,module", [(OpenVINOBackend, "openvino"), (OnnxBackend, "onnxruntime")])
def test_runtime_backend_names_the_fast_extra(monkeypatch, backend, module):
    missing(monkeypatch, module)
    with pytest.raises(ConfigError) as exc:
        backend("model-not-read-before-the-check")
    text = one_line(exc)
    assert f"'{module}' package" in text and INSTALL_FAST in text


@pytest.mark.parametrize("backend,module,int8", [
    ("onnx", "onnx", False), ("onnx", "onnxslim", False), ("onnx", "onnxruntime", False),
    ("openvino", "openvino", False), ("openvino", "nncf", True),
])
def test_export_checks_its_packages_before_exporting(monkeypatch, tmp_path, backend, module, int8):
    monkeypatch.setenv("DETECT_CACHE_DIR", str(tmp_path / "cache"))
    missing(monkeypatch, module)
    weights = tmp_path / "tiny.pt"
    weights.write_bytes(b"not loaded before the check")
    with pytest.raises(ConfigError) as exc:
        exported(str(weights), backend, (64, 64), int8_calibration=str(tmp_path) if int8 else None)
    text = one_line(exc)
    assert f"'{module}' package" in text and INSTALL_FAST in text
    assert not (tmp_path / "cache").exists(), "nothing is exported or cached"


def test_detect_run_without_openvino_is_one_line_and_exit_2(models_dir, tmp_path):
    hide_openvino = ("import sys; sys.modules['openvino'] = None; from detect.cli import main; "
                     "sys.exit(main(sys.argv[1:]))")
    proc = subprocess.run(
        [sys.executable, "-c", hide_openvino, "run", "configs/dashcam.yaml", "--quiet",
         "--set", "detector.backend=openvino", "--set", f"sinks.0.path={tmp_path / 'o.mp4'}",
         "--set", f"sinks.1.path={tmp_path / 'o.jsonl'}"],
        capture_output=True, text=True, cwd=REPO, timeout=120,
        env={**os.environ, "DETECT_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert "'openvino' package" in lines[0] and INSTALL_FAST in lines[0]
