"""The options of `detect bench`, importable without the benchmark machinery (fast CLI start-up)."""

from __future__ import annotations

import argparse

DEFAULT_OUT = "runs/bench"


def add_bench_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `detect bench`."""
    parser.add_argument("spec", help="bench spec YAML: detectors x trackers x clips (see configs/bench.yaml)")
    parser.add_argument("--out", default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    parser.add_argument("--force", action="store_true", help="run every combination again, even those already done")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a spec value, e.g. clips.0.frames=20 or 'detectors.0.backend=[torch]'")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar or info logs")
