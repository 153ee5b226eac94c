"""Where the real evaluation data is: ../shared/data beside the repo, and py-motmetrics' reference files.

Plain functions, not a conftest (tests elsewhere import `conftest` by name). A missing data
set goes through conftest's `missing`: skipped locally with the reason, a failure in CI.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from conftest import missing


def shared_data() -> Path:
    """shared/data (DETECT_SHARED_DIR may name shared/ or shared/data)."""
    root = Path(os.environ.get("DETECT_SHARED_DIR") or Path(__file__).resolve().parents[2].parent / "shared")
    for candidate in (root / "data", root):
        if (candidate / "tracking").is_dir():
            return candidate
    missing(f"shared evaluation data not found under {root} (set DETECT_SHARED_DIR)")


def tracking_dir() -> Path:
    """shared/data/tracking: the MOTChallenge/KITTI sequences with ground truth."""
    return shared_data() / "tracking"


def motmetrics_data() -> Path:
    """The MOTChallenge files py-motmetrics ships (found without importing it: it breaks on NumPy 2)."""
    spec = importlib.util.find_spec("motmetrics")
    if spec is None or not spec.submodule_search_locations:
        missing("py-motmetrics is not installed (pip install motmetrics==1.4.0: its wheel holds the reference data)")
    data = Path(list(spec.submodule_search_locations)[0]) / "data"
    if not (data / "TUD-Campus" / "gt.txt").is_file():
        missing(f"py-motmetrics reference data missing at {data}")
    return data
