"""The Ray engine on a real two-node cluster (a head and a worker node on this machine, 1 CPU
each): the same summary and outputs as the local engine, and a killed actor's input retried."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import av
import psutil
import pytest
from batch_helpers import LONG_CUT, batch, comparable, cut, make_fleet, summary

from detect.testing.ray_cluster import local_cluster

pytestmark = pytest.mark.model
if os.environ.get("CI", "").lower() != "true":
    pytest.importorskip("ray")  # installed by .[dev]; in CI its absence fails the tests below


@pytest.fixture(scope="module")
def fleet(shared_videos: Path, models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_fleet(shared_videos, tmp_path_factory.mktemp("fleet"))
    video, seconds = LONG_CUT
    cut(shared_videos / video, root / "long" / "long.mp4", seconds)
    return root


@pytest.fixture(scope="module")
def cluster(fleet: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """Its temp dir is short (Ray's socket paths must fit in 107 bytes) and removed afterwards."""
    temp = Path(tempfile.mkdtemp(prefix="detect-ray-", dir=os.environ.get("TMPDIR", "/tmp")))
    try:
        with local_cluster(temp) as started:
            yield started
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def ray_batch(root: Path, out: Path, cluster: tuple[str, dict[str, str]], *flags: str,
              inputs: str | None = None) -> subprocess.Popen:
    address, client_env = cluster
    command = [sys.executable, "-m", "detect", "batch", str(root / "batch.yaml"), "--inputs",
               inputs or str(root / "clips"), "--out", str(out), "--quiet", "--engine", "ray", "--address", address,
               *flags]
    return subprocess.Popen(command, env=dict(os.environ, **client_env), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_the_ray_engine_gives_the_local_engines_summary_and_outputs(fleet: Path, tmp_path: Path,
                                                                    cluster: tuple[str, dict[str, str]]) -> None:
    on_ray = ray_batch(fleet, tmp_path / "ray", cluster, "--workers", "2")
    assert batch(fleet, tmp_path / "local", "--workers", "2") == 3
    stdout, stderr = on_ray.communicate(timeout=300)
    assert on_ray.returncode == 3, stderr
    assert "batch: 4 inputs: 3 done, 0 skipped, 1 failed;" in stdout
    local, ray = summary(tmp_path / "local"), summary(tmp_path / "ray")
    assert {n: comparable(r) for n, r in ray.items()} == {n: comparable(r) for n, r in local.items()}
    assert ray["urban/bad"]["status"] == "failed" and ray["urban/b"]["status"] == "done"
    for row in local.values():
        for output in row["outputs"]:
            ours, theirs = tmp_path / "local" / output, tmp_path / "ray" / output
            if output.endswith(".jsonl"):
                assert ours.read_text() == theirs.read_text()
            else:
                assert _frames(ours) == _frames(theirs) == row["frames"]


def test_a_killed_ray_worker_is_replaced_and_its_input_retried(fleet: Path, tmp_path: Path,
                                                                cluster: tuple[str, dict[str, str]]) -> None:
    out = tmp_path / "out"
    run = ray_batch(fleet, out, cluster, "--workers", "1", "--retries", "1", inputs=str(fleet / "long"))
    deadline = time.monotonic() + 240
    while not any(out.rglob(".*.partial")):
        assert run.poll() is None and time.monotonic() < deadline, run.stderr.read() if run.poll() else "timeout"
        time.sleep(0.02)
    actors = [p for p in psutil.process_iter(["cmdline"]) if "ray::RayBatchWorker" in " ".join(p.info["cmdline"] or [])]
    assert actors
    for actor in actors:
        actor.send_signal(signal.SIGKILL)
    stdout, stderr = run.communicate(timeout=300)
    assert run.returncode == 0, stderr
    row = summary(out)["long"]
    assert row["status"] == "done" and row["attempts"] == 2 and row["frames"] > 0
    assert not list(out.rglob(".*.partial"))


def _frames(path: Path) -> int:
    with av.open(str(path)) as video:
        return sum(1 for _ in video.decode(video=0))
