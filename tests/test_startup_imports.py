"""A torch run of the main job imports none of the optional heavy packages: they cost start-up
time and memory, and with extras they may not be installed at all."""

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
UNUSED_BY_A_TORCH_RUN = ("openvino", "onnxruntime", "onnx", "onnxslim", "nncf",
                         "trackeval", "pycocotools", "matplotlib", "motmetrics", "pandas", "ray")
"""Ultralytics (8.4) imports none of these by itself for loading a .pt and tracking."""

RUN_THEN_LIST_MODULES = """
import json, sys
from detect.cli import main
code = main(sys.argv[1:])
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
sys.exit(code)
"""


def test_dashcam_run_on_torch_imports_no_optional_heavy_package(models_dir, tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c", RUN_THEN_LIST_MODULES, "run", "configs/dashcam.yaml", "--quiet",
         "--set", "source.end=0.1", "--set", f"sinks.0.path={tmp_path / 'o.mp4'}",
         "--set", f"sinks.1.path={tmp_path / 'o.jsonl'}"],
        capture_output=True, text=True, cwd=REPO, timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    done, modules = proc.stdout.strip().splitlines()[-2:]
    assert done.startswith("done: "), proc.stdout
    imported = set(json.loads(modules))
    assert {"torch", "ultralytics"} <= imported, "the run really loaded the model"
    assert not imported & set(UNUSED_BY_A_TORCH_RUN), sorted(imported & set(UNUSED_BY_A_TORCH_RUN))
