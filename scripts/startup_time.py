"""Start-up cost of `detect run`: what a user waits for before the first frame, and how much of it
is Python imports. Compare trees (before/after a change) by giving `--repo` once per tree.

For a one-frame run of the config on its own source, the median over N runs of
(a) the process wall time, (b) the start-up the summary line reports (`+X s start-up`: open the
source, load and warm up the detector, open the sinks), (c) the time all of the run's imports
take (`python -X importtime`, summed over the top-level imports), and (d) the same for
`import detect.cli` alone (what every `detect` command pays before it parses its arguments).

    DETECT_MODELS_DIR=../shared/models python scripts/startup_time.py [--runs 5] [--repo BEFORE --repo AFTER]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
STARTUP = re.compile(r"\+([\d.]+) s start-up")
IMPORT_LINE = re.compile(r"^import time:\s+\d+ \|\s+(\d+) \| (\s*)(\S+)")


def run_command(repo: Path, config: str, end: float, out: Path) -> list[str]:
    """`detect run` on the config's own source, `end` seconds long, every sink writing into `out`."""
    sinks = yaml.safe_load((repo / config).read_text()).get("sinks") or []
    overrides = [f"sinks.{i}.path={out / Path(sink['path']).name}" for i, sink in enumerate(sinks) if "path" in sink]
    args = ["-m", "detect", "run", config, "--quiet", "--set", f"source.end={end}"]
    for override in overrides:
        args += ["--set", override]
    return args


def python(repo: Path, args: list[str], importtime: bool = False) -> subprocess.CompletedProcess:
    flags = ["-X", "importtime"] if importtime else []
    env = {**os.environ, "PYTHONPATH": str(repo), "YOLO_OFFLINE": os.environ.get("YOLO_OFFLINE", "1")}
    proc = subprocess.run([sys.executable, *flags, *args], capture_output=True, text=True, cwd=repo, env=env,
                          timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return proc


def import_seconds(stderr: str) -> float:
    """Sum of the cumulative times of top-level imports (each nested one is inside its parent's)."""
    total_us = 0
    for line in stderr.splitlines():
        match = IMPORT_LINE.match(line)
        if match and len(match.group(2)) == 0:
            total_us += int(match.group(1))
    return total_us / 1e6


def timed_run(repo: Path, command: list[str]) -> tuple[float, float]:
    """Wall time of the whole process and the start-up the summary line reports."""
    t0 = time.perf_counter()
    proc = python(repo, command)
    wall = time.perf_counter() - t0
    found = STARTUP.search(proc.stdout)
    if found is None:
        raise RuntimeError(f"no start-up in the summary line:\n{proc.stdout}")
    return wall, float(found.group(1))


def imports_of(repo: Path, args: list[str]) -> float:
    return import_seconds(python(repo, args, importtime=True).stderr)


def one_round(repo: Path, command: list[str]) -> dict[str, float]:
    wall, startup = timed_run(repo, command)
    return {
        "process wall, 1-frame run": wall,
        "start-up (summary line)": startup,
        "imports of the run (-X importtime)": imports_of(repo, command),
        "import detect.cli (-X importtime)": imports_of(repo, ["-c", "import detect.cli"]),
    }


def cell(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, action="append",
                        help="tree to measure (its code, configs and sample); repeat to compare trees, "
                             "whose runs alternate so that load from other processes hits both alike")
    parser.add_argument("--config", default="configs/dashcam.yaml")
    parser.add_argument("--end", type=float, default=0.02, help="seconds of video (0.02: one frame at 30 fps)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    repos = [repo.resolve() for repo in args.repo or [REPO]]
    samples: dict[Path, list[dict[str, float]]] = {repo: [] for repo in repos}
    with tempfile.TemporaryDirectory() as out:
        commands = {repo: run_command(repo, args.config, args.end, Path(out)) for repo in repos}
        for _ in range(args.runs):
            for repo in repos:
                samples[repo].append(one_round(repo, commands[repo]))
    print(f"{args.config}: seconds, median (min-max) of {args.runs} runs")
    print("| what | " + " | ".join(str(repo) for repo in repos) + " |")
    print("|---|" + "---|" * len(repos))
    for what in samples[repos[0]][0]:
        print(f"| {what} | " + " | ".join(cell([s[what] for s in samples[repo]]) for repo in repos) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
