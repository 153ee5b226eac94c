"""Broken media, paths and outputs (media_cases.py, 55 cases from the shared clip): `detect
validate` and `detect run` (video sources end at 1 s) each end with exit 0, 2 or 3, one `error:`
line for 2, no traceback, within 20 s and 1 GB. A damaged clip may run (processed up to the
damage); a case validate accepts must also run."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from fork_cli import run_cli
from fuzz_material import pipeline, write_config
from media_cases import MEDIA_CASES

from detect.errors import EXIT_OK, EXIT_PARTIAL

KNOWN: dict[str, str] = {}
"""Case -> why it still fails: a defect in a file another engineer owns (xfail, strict)."""


def _params() -> list[object]:
    return [pytest.param(name, id=name, marks=[pytest.mark.xfail(strict=True, reason=KNOWN[name])] if name in KNOWN else [])
            for name in MEDIA_CASES]


def _special_files(folder: Path) -> dict[Path, int]:
    """Devices, pipes and links in the case's folder, by file type: none may be replaced by a file."""
    return {p: stat.S_IFMT(p.lstat().st_mode) for p in folder.iterdir() if not stat.S_ISREG(p.lstat().st_mode)}


@pytest.mark.parametrize("name", _params())
def test_media_case(name: str, warm_cli: Path, short_clip: Path, tmp_path: Path) -> None:
    case = MEDIA_CASES[name](tmp_path, short_clip)
    special = _special_files(tmp_path)
    source = {k: (str(short_clip) if v == "CLIP" else v) for k, v in case.source.items()}
    config = write_config(tmp_path / "config.yaml", {**pipeline(short_clip), "source": source, "sinks": case.sinks})
    validated = run_cli(["validate", str(config), *case.extra], tmp_path)
    assert not validated.problems(), validated.report()
    end = ["--set", "source.end=1"] if source["type"] == "video" and not case.extra else []
    ran = run_cli(["run", str(config), "--quiet", *case.extra, *end], tmp_path)
    assert not ran.problems(), ran.report()
    assert {p: kind for p, kind in _special_files(tmp_path).items() if p in special} == special, \
        f"a device, pipe or link was replaced by the run: {ran.report()}"
    if validated.code == EXIT_OK:
        assert ran.code in (EXIT_OK, EXIT_PARTIAL), f"validate passed, run failed: {ran.report()}"
