"""A real plugin package, installed through pip, plugs a stage in through its entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

PLUGIN = Path(__file__).parent / "plugin_pkg"


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pip installs tests/plugin_pkg into a folder of its own (the environment stays untouched)."""
    site = tmp_path_factory.mktemp("plugin_site")
    build = tmp_path_factory.mktemp("plugin_build")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--disable-pip-version-check", "--target", str(site), str(PLUGIN)],
                   check=True, cwd=build, capture_output=True)
    assert list(site.glob("detect_test_plugin-*.dist-info"))
    return site


def detect(site: Path, *args: str) -> subprocess.CompletedProcess:
    """The CLI in a fresh process that sees the plugin's folder (and the tests' scripted detector)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(REPO)])}
    code = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import conftest; "
            "from detect.cli import main; sys.exit(main(sys.argv[1:]))")
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env,
                          cwd=REPO, timeout=300)


def config(tmp_path: Path, clip: Path, sink: dict) -> Path:
    path = tmp_path / "plugin.yaml"
    path.write_text(json.dumps({"source": {"type": "video", "path": str(clip)}, "detector": {"type": "scripted"},
                                "tracker": {"type": "bytetrack"}, "sinks": [sink]}))
    return path


def test_an_installed_plugin_runs_in_a_pipeline(plugin_site: Path, tmp_path: Path, make_clip) -> None:
    clip = make_clip(frames=12)
    totals = tmp_path / "totals.json"
    done = detect(plugin_site, "run", str(config(tmp_path, clip, {"type": "counting", "path": str(totals)})), "--quiet")
    assert done.returncode == 0, done.stderr
    assert json.loads(totals.read_text()) == {"frames": 12, "boxes": 12}
    assert str(totals) in done.stdout, "the plugin's outputs() reach the summary"


def test_broken_plugins_are_one_line_and_do_not_stop_other_runs(plugin_site: Path, tmp_path: Path,
                                                                make_clip) -> None:
    listing = detect(plugin_site, "list")
    assert listing.returncode == 0, listing.stderr
    assert "counting" in listing.stdout and "Counts frames and boxes" in listing.stdout
    assert ("halfdone     BROKEN: plugin sink 'halfdone' (detect_test_plugin.counting:HalfDoneSink, "
            "package detect-test-plugin) does not meet the sink contract: missing write") in listing.stdout
    assert ("BROKEN: plugin sink 'needs_missing' (detect_test_plugin.needs_missing:Sink, package "
            "detect-test-plugin) failed to import: ModuleNotFoundError: No module named "
            "'a_package_nobody_installed'") in listing.stdout
    clip = make_clip(frames=3)
    for name, why in [("halfdone", "missing write"), ("needs_missing", "failed to import")]:
        used = detect(plugin_site, "validate", str(config(tmp_path, clip, {"type": name})))
        assert used.returncode == 2 and "Traceback" not in used.stderr
        lines = used.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and why in lines[0] and "sinks[0].type" in lines[0]
