"""Ground-truth readers: MOTChallenge, KITTI tracking, gt_simple.csv and COCO JSON -> `BoxTable`.

Frame conventions are converted here and nowhere else:
MOTChallenge gt.txt and gt_simple.csv count frames from 1, KITTI label_02 from 0,
COCO has no frame numbers (images are put in natural file-name order, the order
the image-folder source reads them). In memory, frame 0 is always the first image.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from detect.evaluation.boxes import (
    IGNORE,
    IGNORE_REGION,
    NO_TRACK,
    OTHER,
    TARGET,
    BoxTable,
)
from detect.evaluation.inputs import (
    EvalInputError,
    SeqInfo,
    find_seqinfo,
    first_line,
    is_number,
    ltwh_to_xyxy,
    numbers,
    read_seqinfo,
    read_text,
    split_lines,
)

MOT16_CLASSES = {
    1: "pedestrian", 2: "person_on_vehicle", 3: "car", 4: "bicycle", 5: "motorbike",
    6: "non_mot_vehicle", 7: "static_person", 8: "distractor", 9: "occluder",
    10: "occluder_on_ground", 11: "occluder_full", 12: "reflection",
}
MOT16_DISTRACTORS = {2, 7, 8, 12}
"""Classes whose matched predictions are dropped (MOTChallenge's distractors); 3-6 and 9-11 are not scored."""

GT_SIMPLE_COLUMNS = ("frame", "track_id", "class", "x1", "y1", "x2", "y2", "role")
KITTI_DONTCARE = "dontcare"


def read_ground_truth(path: str | Path) -> BoxTable:
    """Read any supported ground truth, deciding the format from what the path is."""
    path = Path(path)
    if path.is_dir():
        return _read_folder(path)
    if not path.is_file():
        raise EvalInputError(f"{path}: ground truth not found")
    return GT_READERS[sniff_ground_truth(path)](path)


def sniff_ground_truth(path: Path) -> str:
    """Which reader fits a file: 'coco', 'gt_simple', 'mot' or 'kitti'."""
    if path.suffix.lower() == ".json":
        return "coco"
    line = first_line(path)
    if line.replace(" ", "").lower().startswith("frame,track_id,"):
        return "gt_simple"
    if "," in line:
        return "mot"
    fields = line.split()
    if len(fields) >= 17 and not is_number(fields[2]):
        return "kitti"
    raise EvalInputError(
        f"{path}: unknown ground-truth format (expected a MOTChallenge gt.txt, a KITTI tracking "
        "label_02 file, a gt_simple.csv or a COCO .json)"
    )


def read_mot_gt(path: str | Path, seqinfo: SeqInfo | None = None) -> BoxTable:
    """MOTChallenge gt.txt; 9 columns = MOT16/17 (flag, class, visibility), else MOT15 (flag only).

    Frames are 1-based in the file. Roles: pedestrians with flag 1 are targets,
    flag 0 and the distractor classes (2, 7, 8, 12) are ignored objects,
    occluders and vehicles are not scored. `seqinfo` defaults to the sequence's seqinfo.ini.
    """
    path = Path(path)
    seqinfo = seqinfo or find_seqinfo(path)
    rows = [numbers(fields, path, line) for line, fields in split_lines(read_text(path, "ground truth"), ",")]
    if rows and min(len(r) for r in rows) < 6:
        raise EvalInputError(f"{path}: MOTChallenge rows need at least 6 columns (frame,id,left,top,width,height)")
    width = min((len(r) for r in rows), default=10)
    data = np.array([r[:width] for r in rows], dtype=np.float64).reshape(-1, width)
    frames = _one_based(data[:, 0], path)
    flag = data[:, 6] if width >= 7 else np.ones(len(data))
    if width == 9:
        class_ids = data[:, 7].astype(int)
        names = [MOT16_CLASSES.get(c, str(c)) for c in class_ids]
        roles = [_mot16_role(c, f) for c, f in zip(class_ids, flag)]
        visibility = data[:, 8]
    else:
        names = ["pedestrian"] * len(data)
        roles = [TARGET if f != 0 else IGNORE for f in flag]
        visibility = None
    return BoxTable.build(
        frames,
        ltwh_to_xyxy(data[:, 2:6]),
        track_id=data[:, 1].astype(np.int64),
        class_name=names,
        role=roles,
        visibility=visibility,
        **_sequence_fields(seqinfo),
        source=str(path),
    )


def _mot16_role(class_id: int, flag: float) -> str:
    if class_id == 1:
        return TARGET if flag != 0 else IGNORE
    return IGNORE if class_id in MOT16_DISTRACTORS else OTHER


def read_kitti_tracking(path: str | Path) -> BoxTable:
    """KITTI tracking label_02 file: frames 0-based, `DontCare` rows are ignore regions."""
    path = Path(path)
    frames, ids, names, boxes, roles, scores = [], [], [], [], [], []
    for line, fields in split_lines(read_text(path, "KITTI label"), None):
        if len(fields) < 17:
            raise EvalInputError(f"{path}:{line}: KITTI tracking rows have 17 columns, got {len(fields)}")
        values = numbers(fields[:2] + fields[3:], path, line)
        name = fields[2].lower()
        frames.append(int(values[0]))
        ids.append(NO_TRACK if name == KITTI_DONTCARE else int(values[1]))
        names.append(name)
        boxes.append(values[5:9])
        roles.append(IGNORE_REGION if name == KITTI_DONTCARE else TARGET)
        scores.append(values[16] if len(values) > 16 else 1.0)
    if frames and min(frames) < 0:
        raise EvalInputError(f"{path}: negative frame number (KITTI frames are 0-based)")
    return BoxTable.build(
        frames, np.array(boxes).reshape(-1, 4), track_id=ids, class_name=names, score=scores, role=roles,
        **_sequence_fields(find_seqinfo(path)), source=str(path),
    )


def read_gt_simple(path: str | Path) -> BoxTable:
    """This project's hand-off CSV (`frame,track_id,class,x1,y1,x2,y2,role,visibility,...`, frames 1-based)."""
    path = Path(path)
    reader = csv.DictReader(read_text(path, "ground truth").splitlines())
    missing = [c for c in GT_SIMPLE_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise EvalInputError(f"{path}: gt_simple.csv is missing columns {missing}")
    frames, ids, names, boxes, roles, visibility = [], [], [], [], [], []
    for line, row in enumerate(reader, start=2):
        values = numbers([row[c] for c in ("frame", "track_id", "x1", "y1", "x2", "y2")], path, line)
        name = row["class"].strip().lower()
        frames.append(values[0])
        ids.append(int(values[1]))
        names.append(name)
        boxes.append(values[2:6])
        roles.append(_simple_role(row["role"].strip(), name, path, line))
        visibility.append(float(row.get("visibility") or -1))
    return BoxTable.build(
        _one_based(np.array(frames), path), np.array(boxes).reshape(-1, 4), track_id=ids, class_name=names,
        role=roles, visibility=visibility, **_sequence_fields(find_seqinfo(path)), source=str(path),
    )


def _simple_role(role: str, name: str, path: Path, line: int) -> str:
    """gt_simple roles -> ours; KITTI DontCare is an area, so its 'ignore' is an ignore region."""
    if role == "ignore":
        return IGNORE_REGION if name == KITTI_DONTCARE else IGNORE
    if role == "target":
        return TARGET
    if role in ("occluder", "other"):
        return OTHER
    raise EvalInputError(f"{path}:{line}: unknown role {role!r} (expected target, ignore, occluder or other)")


def read_coco(path: str | Path) -> BoxTable:
    """COCO detection JSON for stills: images in natural file-name order become frames 0, 1, ...

    `iscrowd` annotations and per-image `ignore_regions` ([x, y, w, h] lists) are ignore regions.
    """
    from detect.sources.images import (
        natural_key,  # the image source's order; a top-level import slows `detect`
    )

    path = Path(path)
    try:
        data = json.loads(read_text(path, "COCO annotations"))
        images = sorted(data["images"], key=lambda im: natural_key(str(im.get("file_name", im["id"]))))
        categories = {c["id"]: c["name"] for c in data.get("categories", [])}
        frame_of = {im["id"]: index for index, im in enumerate(images)}
        rows = [_coco_row(a, frame_of, categories) for a in data.get("annotations", [])]
        rows += [
            (frame_of[im["id"]], NO_TRACK, KITTI_DONTCARE, region, IGNORE_REGION)
            for im in images for region in im.get("ignore_regions", [])
        ]
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise EvalInputError(f"{path}: not a COCO detection file ({type(exc).__name__}: {exc})") from exc
    sizes = {(im.get("width"), im.get("height")) for im in images}
    size = sizes.pop() if len(sizes) == 1 else None
    return BoxTable.build(
        [r[0] for r in rows],
        ltwh_to_xyxy(np.array([r[3] for r in rows], dtype=np.float64).reshape(-1, 4)),
        track_id=[r[1] for r in rows],
        class_name=[r[2] for r in rows],
        role=[r[4] for r in rows],
        num_frames=len(images),
        image_size=size if size and None not in size else None,
        frame_names=tuple(str(im.get("file_name", im["id"])) for im in images),
        source=str(path),
    )


def _coco_row(ann: dict[str, Any], frame_of: dict[Any, int], categories: dict[Any, str]) -> tuple:
    if ann["image_id"] not in frame_of:
        raise ValueError(f"annotation {ann.get('id')} refers to unknown image_id {ann['image_id']}")
    role = IGNORE_REGION if ann.get("iscrowd") or ann.get("ignore") else TARGET
    name = str(categories.get(ann["category_id"], ann["category_id"])).lower()
    return frame_of[ann["image_id"]], int(ann.get("track_id", NO_TRACK)), name, [float(v) for v in ann["bbox"]], role


def _read_folder(folder: Path) -> BoxTable:
    """A MOTChallenge sequence folder: gt/gt.txt plus seqinfo.ini."""
    for candidate in (folder / "gt" / "gt.txt", folder / "gt.txt"):
        if candidate.is_file():
            seqinfo = read_seqinfo(folder / "seqinfo.ini") if (folder / "seqinfo.ini").is_file() else None
            return read_mot_gt(candidate, seqinfo)
    raise EvalInputError(f"{folder}: not a MOTChallenge sequence folder (no gt/gt.txt)")


def _one_based(frames: np.ndarray, path: Path) -> np.ndarray:
    """1-based file frame numbers -> 0-based in-memory frames, refusing 0 or negatives."""
    if len(frames) and frames.min() < 1:
        raise EvalInputError(f"{path}: frame {int(frames.min())} found, but this format numbers frames from 1")
    return frames.astype(np.int64) - 1


def _sequence_fields(seqinfo: SeqInfo | None) -> dict[str, Any]:
    if seqinfo is None:
        return {}
    size = (seqinfo.width, seqinfo.height) if seqinfo.width and seqinfo.height else None
    return {"num_frames": seqinfo.length, "image_size": size}


GT_READERS: dict[str, Callable[[Path], BoxTable]] = {
    "mot": read_mot_gt,
    "kitti": read_kitti_tracking,
    "gt_simple": read_gt_simple,
    "coco": read_coco,
}
