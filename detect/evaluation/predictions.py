"""Prediction readers: our `jsonl` sink, our `mot` sink and any MOTChallenge results file -> `BoxTable`.

jsonl frames are 0-based already; MOTChallenge frames are 1-based and converted here.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from detect.evaluation.boxes import NO_TRACK, BoxTable
from detect.evaluation.inputs import (
    EvalInputError,
    first_line,
    ltwh_to_xyxy,
    numbers,
    read_text,
    split_lines,
)


def read_predictions(path: str | Path) -> BoxTable:
    """Read a tracking/detection output; a file whose first line is a JSON object is jsonl."""
    path = Path(path)
    if not path.is_file():
        raise EvalInputError(f"{path}: predictions not found")
    if first_line(path).startswith("{"):
        return read_jsonl_predictions(path)
    return read_mot_predictions(path)


def read_jsonl_predictions(path: str | Path) -> BoxTable:
    """Our jsonl sink: `{"frame", "detections": [{"xyxy", "conf", "class_name", "track_id"}]}` per line.

    Event lines (an "event" key) are skipped. A null track_id is an
    untracked detection: it counts for detection AP, not for tracking metrics.
    """
    path = Path(path)
    frames, boxes, scores, names, ids = [], [], [], [], []
    last_frame = -1
    for line, text in enumerate(read_text(path, "predictions").splitlines(), start=1):
        if not text.strip():
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            raise EvalInputError(f"{path}:{line}: not JSON ({exc.msg})") from exc
        if not isinstance(record, dict) or "event" in record:
            continue
        try:
            frame = int(record["frame"])
            for det in record["detections"]:
                boxes.append([float(v) for v in det["xyxy"]])
                scores.append(float(det.get("conf", 1.0)))
                names.append(str(det.get("class_name") or det.get("class_id", "")).lower())
                tid = det.get("track_id")
                ids.append(NO_TRACK if tid is None else int(tid))
                frames.append(frame)
        except (KeyError, TypeError, ValueError) as exc:
            problem = f"{type(exc).__name__}: {exc}"
            raise EvalInputError(f"{path}:{line}: not a detect jsonl frame record ({problem})") from exc
        if frame < 0:
            raise EvalInputError(f"{path}:{line}: negative frame {frame} (jsonl frames are 0-based)")
        last_frame = max(last_frame, frame)
    if any(len(b) != 4 for b in boxes):
        raise EvalInputError(f"{path}: every xyxy must have 4 numbers")
    return BoxTable.build(
        frames, np.array(boxes, dtype=np.float64).reshape(-1, 4), track_id=ids, class_name=names, score=scores,
        num_frames=last_frame + 1 if last_frame >= 0 else None, source=str(path),
    )


def read_mot_predictions(path: str | Path) -> BoxTable:
    """MOTChallenge results (`frame,id,left,top,width,height,conf,...`, frames 1-based), our mot sink included.

    No class column: rows carry class "" and are evaluated against whatever single
    class the ground truth is evaluated as.
    """
    path = Path(path)
    rows = []
    for line, fields in split_lines(read_text(path, "predictions"), ","):
        if len(fields) < 6:
            raise EvalInputError(f"{path}:{line}: MOTChallenge rows need frame,id,left,top,width,height[,conf]")
        rows.append(numbers(fields[:7], path, line))
    frames = np.array([r[0] for r in rows], dtype=np.float64)
    if len(frames) and frames.min() < 1:
        raise EvalInputError(f"{path}: frame {int(frames.min())} found, but MOTChallenge frames are numbered from 1")
    return BoxTable.build(
        frames.astype(np.int64) - 1, ltwh_to_xyxy(np.array([r[2:6] for r in rows])),
        track_id=[int(r[1]) if r[1] >= 0 else NO_TRACK for r in rows],
        score=[r[6] if len(r) > 6 else 1.0 for r in rows],
        source=str(path),
    )
