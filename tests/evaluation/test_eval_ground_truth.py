"""Ground-truth readers on the real shared sequences: counts, roles, and explicit frame alignment."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import shared_data, tracking_dir

from detect.errors import DetectError
from detect.evaluation.boxes import IGNORE, IGNORE_REGION, OTHER, TARGET
from detect.evaluation.ground_truth import (
    read_ground_truth,
    read_mot_gt,
    sniff_ground_truth,
)
from detect.evaluation.inputs import EvalInputError
from detect.evaluation.matching import box_iou

# Counts from shared/data/PROVENANCE.md (target boxes / ignored / not scored, seqLength, image size).
SEQUENCES = [
    ("KITTI-17", 683, 99, 0, 145, (1224, 370)),
    ("MOT16-11", 9174, 306, 596, 900, (1920, 1080)),
    ("PETS09-S2L1", 4476, 174, 0, 795, (768, 576)),
    ("TUD-Stadtmitte", 1156, 0, 0, 179, (640, 480)),
]


def _roles(table) -> dict[str, int]:
    return {role: int(np.sum(table.role == role)) for role in (TARGET, IGNORE, IGNORE_REGION, OTHER)}


@pytest.mark.parametrize("name,targets,ignored,other,length,size", SEQUENCES)
def test_mot_sequence_folder_counts(name, targets, ignored, other, length, size) -> None:
    gt = read_ground_truth(tracking_dir() / name)
    assert _roles(gt) == {TARGET: targets, IGNORE: ignored, IGNORE_REGION: 0, OTHER: other}
    assert gt.num_frames == length and gt.image_size == size
    assert gt.frame.min() == 0 and gt.frame.max() == length - 1


@pytest.mark.parametrize("name,simple", [
    ("MOT16-11", "gt_simple.csv"),
    ("PETS09-S2L1", "gt_simple.csv"),
    ("TUD-Stadtmitte", "gt_simple.csv"),
    ("KITTI-17", "gt_simple_mot15_pedestrians.csv"),
])
def test_gt_txt_and_gt_simple_agree(name: str, simple: str) -> None:
    """Same boxes, frames, ids, classes and roles whichever file is read (both are 1-based on disk)."""
    a = read_ground_truth(tracking_dir() / name / "gt" / "gt.txt")
    b = read_ground_truth(tracking_dir() / name / simple)
    key_a = np.lexsort((a.track_id, a.frame))
    key_b = np.lexsort((b.track_id, b.frame))
    np.testing.assert_array_equal(a.frame[key_a], b.frame[key_b])
    np.testing.assert_array_equal(a.track_id[key_a], b.track_id[key_b])
    np.testing.assert_allclose(a.xyxy[key_a], b.xyxy[key_b], atol=1e-3)
    np.testing.assert_array_equal(a.role[key_a], b.role[key_b])
    np.testing.assert_array_equal(a.class_name[key_a], b.class_name[key_b])
    assert a.num_frames == b.num_frames


def test_frame_one_on_disk_is_frame_zero_in_memory() -> None:
    """gt.txt `1,1,88,99,61.08,218.56,...` and gt_simple.csv `1,1,pedestrian,88,99,149.08,317.56` -> frame 0."""
    sequence = tracking_dir() / "TUD-Stadtmitte"
    for path in (sequence / "gt" / "gt.txt", sequence / "gt_simple.csv"):
        gt = read_ground_truth(path)
        first = np.flatnonzero((gt.frame == 0) & (gt.track_id == 1))
        assert len(first) == 1, path
        np.testing.assert_allclose(gt.xyxy[first[0]], [88, 99, 149.08, 317.56], atol=1e-6)
        assert not np.any(gt.frame < 0)


def test_kitti_frame_zero_is_mot_frame_one() -> None:
    """PROVENANCE: every MOT15 KITTI-17 box matches a KITTI Pedestrian (IoU >= 0.92) when MOT frame = KITTI frame + 1.

    After reading, both must sit on the same in-memory frame; shifting either by one breaks the match.
    """
    mot = read_ground_truth(tracking_dir() / "KITTI-17" / "gt" / "gt.txt")
    kitti = read_ground_truth(tracking_dir() / "KITTI-17" / "kitti_label_02" / "0017.txt")
    pedestrians = kitti.select(kitti.class_name == "pedestrian")
    assert kitti.frame.min() == 0 and mot.frame.min() == 0

    def matched(shift: int) -> int:
        count = 0
        for frame in np.unique(mot.frame):
            here = pedestrians.xyxy[pedestrians.frame == frame + shift]
            if len(here):
                count += int(np.sum(box_iou(mot.xyxy[mot.frame == frame], here).max(axis=1) >= 0.92))
        return count

    assert matched(0) == len(mot) == 782
    assert matched(1) < len(mot) // 2


def test_kitti_label_roles() -> None:
    gt = read_ground_truth(tracking_dir() / "KITTI-17" / "kitti_label_02" / "0017.txt")
    assert _roles(gt)[IGNORE_REGION] == 616
    assert set(gt.class_name[gt.role == TARGET]) == {"pedestrian", "cyclist"}
    assert np.all(gt.track_id[gt.role == IGNORE_REGION] == -1)
    assert len(np.unique(gt.track_id[gt.role == TARGET])) == 11
    simple = read_ground_truth(tracking_dir() / "KITTI-17" / "gt_simple.csv")
    assert _roles(simple) == _roles(gt)


def test_coco_stills() -> None:
    gt = read_ground_truth(shared_data() / "stills" / "kitti_object" / "annotations_coco.json")
    assert gt.num_frames == 3
    assert gt.frame_names == ("image_2/000000.png", "image_2/000001.png", "image_2/000002.png")
    assert _roles(gt) == {TARGET: 6, IGNORE: 0, IGNORE_REGION: 4, OTHER: 0}
    assert np.all(gt.frame[gt.role == IGNORE_REGION] == 1)
    truck = np.flatnonzero(gt.class_name == "truck")
    assert gt.frame[truck].tolist() == [1]
    # label_2/000001.txt: Truck ... 599.41 156.40 629.75 189.25
    np.testing.assert_allclose(gt.xyxy[truck[0]], [599.41, 156.40, 629.75, 189.25], atol=1e-6)


def test_mot16_classes_become_roles(tmp_path: Path) -> None:
    rows = [
        "1,1,10,10,20,40,1,1,1",      # pedestrian -> target
        "1,2,50,10,20,40,0,1,0.5",    # pedestrian, flag 0 -> ignore
        "1,3,90,10,20,40,0,7,1",      # static person -> ignore
        "1,4,130,10,20,40,0,8,1",     # distractor -> ignore
        "2,5,170,10,20,40,0,9,0.2",   # occluder -> not scored
        "2,6,210,10,20,40,0,3,1",     # car -> not scored
    ]
    path = tmp_path / "gt.txt"
    path.write_text("\n".join(rows) + "\n")
    gt = read_mot_gt(path)
    assert gt.role.tolist() == [TARGET, IGNORE, IGNORE, IGNORE, OTHER, OTHER]
    assert gt.class_name.tolist()[:4] == ["pedestrian", "pedestrian", "static_person", "distractor"]
    assert gt.visibility.tolist()[:2] == [1.0, 0.5]
    assert gt.frame.tolist() == [0, 0, 0, 0, 1, 1]
    np.testing.assert_allclose(gt.xyxy[0], [10, 10, 30, 50])
    assert gt.num_frames is None


@pytest.mark.parametrize("text,suffix,message", [
    ("0,1,10,10,20,40,1,-1,-1,-1\n", ".txt", "numbers frames from 1"),
    ("1,1,10,ten,20,40,1,-1,-1,-1\n", ".txt", r":1: expected numbers"),
    ("frame,track_id,class,x1\n1,1,pedestrian,3\n", ".csv", "missing columns"),
    ("hello world\n", ".txt", "unknown ground-truth format"),
    ("{not json", ".json", "not a COCO detection file"),
])
def test_unreadable_ground_truth_names_the_file(tmp_path: Path, text: str, suffix: str, message: str) -> None:
    path = tmp_path / f"broken{suffix}"
    path.write_text(text)
    with pytest.raises(EvalInputError, match=message) as info:
        read_ground_truth(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, DetectError)


def test_missing_ground_truth(tmp_path: Path) -> None:
    with pytest.raises(EvalInputError, match="not found"):
        read_ground_truth(tmp_path / "nope.txt")
    with pytest.raises(EvalInputError, match="not a MOTChallenge sequence folder"):
        read_ground_truth(tmp_path)


def test_sniffing() -> None:
    seq = tracking_dir() / "KITTI-17"
    assert sniff_ground_truth(seq / "gt" / "gt.txt") == "mot"
    assert sniff_ground_truth(seq / "gt_simple.csv") == "gt_simple"
    assert sniff_ground_truth(seq / "kitti_label_02" / "0017.txt") == "kitti"
