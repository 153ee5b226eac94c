"""scripts/gpu_check.sh where there is no GPU: one line and exit 2, never a crash; and with the
presence check skipped, every GPU path that fell back is reported as failed (exit 1)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

from detect.gpu_video import cuda_problem

SCRIPT = REPO / "scripts" / "gpu_check.sh"


def gpu_check(env: dict[str, str], timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHON": sys.executable, **env})


@pytest.mark.skipif(shutil.which("nvidia-smi") is not None, reason="this machine has nvidia-smi")
def test_without_a_driver_it_says_so_in_one_line():
    proc = gpu_check({})
    assert proc.returncode == 2
    assert proc.stdout + proc.stderr == "gpu_check: no GPU to check: nvidia-smi not found (no NVIDIA driver)\n"


def test_a_driver_that_answers_nothing_is_one_line(tmp_path: Path):
    """nvidia-smi present but failing, as after a driver update without a reboot."""
    fake = tmp_path / "nvidia-smi"
    fake.write_text("#!/bin/sh\n"
                    "echo \"NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\"\n"
                    "exit 9\n")
    fake.chmod(0o755)
    proc = gpu_check({"PATH": f"{tmp_path}:{os.environ['PATH']}"})
    assert proc.returncode == 2
    assert proc.stdout + proc.stderr == ("gpu_check: no GPU to check: nvidia-smi failed: NVIDIA-SMI has failed "
                                         "because it couldn't communicate with the NVIDIA driver.\n")


def test_a_path_that_fell_back_fails_the_check(make_clip, models_dir):
    """The codec paths run for real on a 24-frame clip with the detector on the CPU: none may pass."""
    clip = make_clip(frames=12, width=160, height=96)
    proc = gpu_check({"GPU_CHECK_SKIP_PRESENCE": "1", "GPU_CHECK_DEVICE": "cpu", "GPU_CHECK_CLIP": str(clip),
                      "GPU_CHECK_LOOPS": "2", "GPU_CHECK_PATHS": "torch+nvdec torch+nvenc",
                      "DETECT_MODELS_DIR": str(models_dir), "YOLO_OFFLINE": "1"}, timeout=180)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "24 frames of 160x96 per path; fps without start-up"
    rows = {line.split()[0]: line for line in lines[2:-1]}
    assert set(rows) == {"torch+nvdec", "torch+nvenc"}
    for name in rows:
        fps = float(rows[name].split()[1])
        assert fps > 0 and "torch cpu" in rows[name]
        assert "FAIL: detector not on CUDA (torch cpu)" in rows[name]
    if cuda_problem() is not None:
        assert "decode fell back: WARNING: " in rows["torch+nvdec"]
        assert f"clip.mp4: hwaccel cuda: {cuda_problem()}; decoding on the CPU" in rows["torch+nvdec"]
        assert "encode fell back: WARNING: sink video " in rows["torch+nvenc"]
        assert f"encoder h264_nvenc: {cuda_problem()}; encoding with libx264" in rows["torch+nvenc"]
    assert "output is" not in proc.stdout  # each output: H.264 yuv420p, 160x96, all 24 frames
    assert lines[-1].startswith("gpu_check: a GPU path fell back to the CPU or failed")
    shutil.rmtree(proc.stdout.split("logs in ")[1].split(")")[0])  # kept for the user on failure
