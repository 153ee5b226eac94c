"""`bench.json`: every number of every combination, in a versioned, machine-readable layout.

Layout (schema_version 1): {schema, schema_version, created, spec_path, spec, platform,
summary: {combinations, ok, failed, reused}, combinations: [result, ...]} where each
result is what the worker wrote (see worker.run_combination) or a failed record
{status: "failed", error, key, label, detector, tracker, clip, ...}. Rates are
percentages, times are seconds (`*_s`) or milliseconds (`*_ms`), undefined values null.
Bump SCHEMA_VERSION on any change that could break a reader.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from detect.bench.json_files import write_json
from detect.bench.nan_json import nan_to_none
from detect.bench.platform_info import platform_info
from detect.bench.spec import BenchSpec

SCHEMA = "detect.bench"
SCHEMA_VERSION = 1


def build_report(results: list[dict[str, Any]], spec: BenchSpec, spec_path: str | None) -> dict[str, Any]:
    """The whole bench as one JSON-able mapping."""
    ok = sum(r.get("status") == "ok" for r in results)
    return nan_to_none({
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "spec_path": spec_path,
        "spec": spec.model_dump(mode="json"),
        "platform": platform_info(),
        "summary": {"combinations": len(results), "ok": ok, "failed": len(results) - ok,
                    "reused": sum(bool(r.get("cached")) for r in results)},
        "combinations": results,
    })


def write_report_json(report: dict[str, Any], path: Path) -> Path:
    write_json(path, report)
    return path
