"""`detect bench SPEC.yaml`: run the spec's combinations, then write bench.json, bench.md and plots.

The CLI builds its parser from `add_bench_arguments` on every call, so the benchmark
machinery (pipeline, OpenCV, pydantic) is imported only when the command runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from detect.errors import EXIT_OK, EXIT_PARTIAL

DEFAULT_OUT = "runs/bench"


def add_bench_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `detect bench`."""
    parser.add_argument("spec", help="bench spec YAML: detectors x trackers x clips (see configs/bench.yaml)")
    parser.add_argument("--out", default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    parser.add_argument("--force", action="store_true", help="run every combination again, even those already done")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a spec value, e.g. clips.0.frames=20 or 'detectors.0.backend=[torch]'")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar or info logs")


def bench_main(args: argparse.Namespace) -> int:
    """Exit 0 when every combination succeeded, 3 (partial) when some failed (their errors are listed)."""
    from detect.bench.plots import write_plots
    from detect.bench.reports import (
        build_report,
        failed_lines,
        terminal_table,
        write_markdown,
        write_report_json,
    )
    from detect.bench.runner import run_bench
    from detect.bench.spec import load_spec

    spec = load_spec(args.spec, args.overrides)
    out_dir = Path(args.out)
    outcome = run_bench(spec, out_dir, force=args.force, progress=not args.quiet and sys.stderr.isatty(),
                        spec_path=str(args.spec))
    report = build_report(outcome.results, spec, str(args.spec))
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = write_report_json(report, out_dir / "bench.json")
    plots = write_plots(report["combinations"], out_dir)
    md_path = write_markdown(report, plots, out_dir)
    print(terminal_table(report["combinations"]))
    print(f"(the full table, with every column, is in {out_dir / 'bench.md'})")
    for line in failed_lines(report["combinations"]):
        print(f"FAILED {line}")
    outputs = ", ".join(str(p) for p in (json_path, md_path, *plots.values()))
    print(f"done: {outcome.ran} run, {outcome.reused} reused, {outcome.failed} failed -> {outputs}")
    return EXIT_PARTIAL if outcome.failed else EXIT_OK
