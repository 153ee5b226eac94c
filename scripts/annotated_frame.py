"""Save one annotated frame of a clip as a PNG, as a run would draw it (README pictures, reviews).

The real pipeline (detector, tracker, analytics, annotators) runs from the first frame up to
FRAME, so tracks, trails and smoothed analytics are what a run would show at that frame; no
sink is written.

    python scripts/annotated_frame.py clip.mp4 configs/adas.yaml 60 --out frame.png
"""

from __future__ import annotations

import argparse
import sys

import cv2

from detect import Pipeline
from detect.errors import EXIT_USER_ERROR, DetectError


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", help="a video, image folder or stream the config's source type reads")
    parser.add_argument("config", help="the pipeline YAML (its annotators draw the frame)")
    parser.add_argument("frame", type=int, help="0-based index of the frame to save")
    parser.add_argument("--out", required=True, help="the PNG to write")
    args = parser.parse_args()
    try:
        pipeline = Pipeline.from_yaml(args.config, source=args.source)
        for result in pipeline.stream(images=True):
            if result.index >= args.frame:
                if not cv2.imwrite(args.out, result.image):
                    raise DetectError(f"could not write {args.out} (a .png path in an existing folder?)")
                print(f"{args.out}: frame {result.index} of {args.source}, {len(result.detections)} boxes")
                return 0
        raise DetectError(f"{args.source} ended before frame {args.frame}")
    except DetectError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR


if __name__ == "__main__":
    sys.exit(main())
