"""`detect bench SPEC.yaml`: run the spec's combinations, then write bench.json, bench.md and plots."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from detect.bench.plots import write_plots
from detect.bench.report_json import build_report, write_report_json
from detect.bench.report_md import write_markdown
from detect.bench.runner import run_bench
from detect.bench.spec import load_spec
from detect.bench.tables import MAIN_HEADERS, failed_lines, main_rows, text_table


def bench_main(args: argparse.Namespace) -> int:
    """Exit 0 when every combination succeeded, 1 when some failed (their errors are listed)."""
    spec = load_spec(args.spec, args.overrides)
    out_dir = Path(args.out)
    outcome = run_bench(spec, out_dir, force=args.force, progress=not args.quiet and sys.stderr.isatty(),
                        spec_path=str(args.spec))
    report = build_report(outcome.results, spec, str(args.spec))
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = write_report_json(report, out_dir / "bench.json")
    plots = write_plots(report["combinations"], out_dir)
    md_path = write_markdown(report, plots, out_dir)
    print(text_table(MAIN_HEADERS, main_rows(report["combinations"])))
    for line in failed_lines(report["combinations"]):
        print(f"FAILED {line}")
    outputs = ", ".join(str(p) for p in (json_path, md_path, *plots.values()))
    print(f"done: {outcome.ran} run, {outcome.reused} reused, {outcome.failed} failed -> {outputs}")
    return 1 if outcome.failed else 0
