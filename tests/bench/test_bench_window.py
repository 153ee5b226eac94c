"""Scoring only the frames a run covered, and the `frames:` cap as the source's end second."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import tracking_dir

from detect.bench.combo_request import crop_window, source_end
from detect.bench.spec import ClipSpec
from detect.config import parse
from detect.evaluation.boxes import BoxTable
from detect.evaluation.ground_truth import read_ground_truth
from detect.pipeline import build


def test_crop_keeps_the_window_and_renumbers_from_zero() -> None:
    table = BoxTable.build([0, 3, 4, 9], np.zeros((4, 4)), track_id=[1, 2, 3, 4], num_frames=10)
    cropped = crop_window(table, 3, 5)
    assert cropped.frame.tolist() == [0, 1] and cropped.track_id.tolist() == [2, 3]
    assert cropped.num_frames == 5 and cropped.frame_count == 5


def test_crop_of_a_real_sequence() -> None:
    gt = read_ground_truth(tracking_dir() / "TUD-Stadtmitte")
    window = crop_window(gt, 25, 40)
    assert window.frame_count == 40
    assert len(window) == int(np.sum((gt.frame >= 25) & (gt.frame < 65)))


@pytest.mark.parametrize("start,frames,expected_first,expected_count", [
    (0.0, 7, 0, 7),
    (0.5, 4, 5, 4),
    (0.0, 100, 0, 20),
])
def test_frames_cap_reads_exactly_that_many_frames(make_clip, start: float, frames: int, expected_first: int,
                                                   expected_count: int) -> None:
    clip = make_clip(frames=20, fps=10)
    end = source_end(ClipSpec(path=str(clip), start=start, frames=frames))
    config = parse({"source": {"type": "video", "path": str(clip), "start": start, "end": end},
                    "detector": {"type": "scripted"}})
    firsts: list[float] = []
    result = build(config).run(threaded=False, on_packet=lambda p: firsts.append(p.frame.pts_s))
    assert result.frames == expected_count
    assert round(firsts[0] * 10) == expected_first


def test_end_wins_when_it_comes_first(make_clip) -> None:
    clip = make_clip(frames=20, fps=10)
    assert source_end(ClipSpec(path=str(clip), frames=15, end=1.0)) == 1.0
    assert source_end(ClipSpec(path=str(clip), end=1.2)) == 1.2
