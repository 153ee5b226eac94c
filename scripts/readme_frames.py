"""Render the README's pictures of the bundled sample: the dashcam pipeline and the driving analytics.

The single source of ``docs/images/sample_dashcam.jpg`` and ``docs/images/sample_adas.jpg``:
each is one frame of ``configs/dashcam.yaml`` / ``configs/adas.yaml`` run on
``sample_videos/highway.mp4`` through the Python API, drawn by the project's own annotators,
so re-running this script after an annotator change refreshes both pictures. Frame 150 (6 s
in) has cars tracked in both lanes to the left and, by then, two crossings of the analytics'
counting line. The pictures are JPEG at the clip's 960x540, kept under the README's 300 KB
budget (the script fails rather than write a bigger one).

Usage (from the repository root, models found as for ``detect run``)::

    DETECT_MODELS_DIR=../shared/models python scripts/readme_frames.py [--frame 150] [--out docs/images]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import cv2
import numpy as np

from detect import Pipeline

SAMPLE = "sample_videos/highway.mp4"
PICTURES = {"sample_dashcam.jpg": "configs/dashcam.yaml", "sample_adas.jpg": "configs/adas.yaml"}
MAX_BYTES = 300_000
JPEG_QUALITY = 85


def annotated_frame(config: str, index: int) -> np.ndarray:
    """Frame ``index`` of the sample as ``config`` draws it (tracks and analytics warmed up by the frames before)."""
    pipeline = Pipeline.from_yaml(config, source=SAMPLE)
    for result in pipeline.stream(images=True):
        if result.index == index:
            assert result.image is not None
            return result.image.copy()
    raise SystemExit(f"{SAMPLE} has no frame {index}")


def write_jpeg(image: np.ndarray, path: Path) -> int:
    """Write ``image`` as JPEG under a staging name, refuse one over the budget, rename into place."""
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY, cv2.IMWRITE_JPEG_OPTIMIZE, 1])
    if not ok:
        raise SystemExit(f"cannot encode {path.name}")
    if data.size > MAX_BYTES:
        raise SystemExit(f"{path.name} would be {data.size:,} bytes, over the README's {MAX_BYTES:,}")
    tmp = path.with_name(f".{path.name}.partial")
    tmp.write_bytes(data.tobytes())
    os.replace(tmp, path)
    return int(data.size)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frame", type=int, default=150, help="frame index of the sample to show")
    parser.add_argument("--out", type=Path, default=Path("docs/images"), help="folder for the pictures")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name, config in PICTURES.items():
        size = write_jpeg(annotated_frame(config, args.frame), args.out / name)
        print(f"wrote {args.out / name}: frame {args.frame} of {SAMPLE} through {config}, {size:,} bytes")


if __name__ == "__main__":
    main()
