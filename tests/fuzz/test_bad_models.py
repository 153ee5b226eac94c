"""`detect validate` and `detect run` answer every broken model path or file with one line
`detector.model: <what is wrong> (<path>)` and exit code 2: the 22 kinds of model_files.py
(23 files: torch.save of a dict and of a tensor), 46 forked runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from fork_cli import run_cli
from fuzz_material import error_line, pipeline, write_config
from model_files import MODEL_CASES

RUN_ARGS = ["--quiet", "--set", "source.end=1"]


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("kind", list(MODEL_CASES))
def test_bad_model_is_one_line(kind: str, command: str, warm_cli: Path, short_clip: Path, tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    model = MODEL_CASES[kind](tmp_path, warm_cli, short_clip)
    config = write_config(tmp_path / "config.yaml", pipeline(short_clip, model))
    argv = [command, str(config), *(RUN_ARGS if command == "run" else [])]
    outcome = run_cli(argv, tmp_path, obey_file_modes=kind == "no read permission")
    assert outcome.code == 2, outcome.report()
    assert not outcome.problems(), outcome.report()
    assert "detector.model: " in error_line(outcome.stderr), outcome.report()
