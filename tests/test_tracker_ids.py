"""Each tracker instance numbers its own tracks from 1, whatever other trackers in the process do
and wherever the installed Ultralytics release keeps its id counter."""

from __future__ import annotations

import itertools
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from ultralytics.trackers.byte_tracker import BYTETracker

from detect.detectors.ultralytics_yolo import UltralyticsDetector
from detect.trackers.ultralytics_trackers import BoTSORT, ByteTrack, TrackerInput
from detect.types import Detections, Frame, SourceInfo

CLIPS = ("highway_udacity_solidWhiteRight.mp4", "urban_kitti_raw_2011_09_26_stopgo.mp4")
FRAMES = 60
EVERY = 3
"""Real clips' first frames, the detector on every third of them as with `detect_every: 3`."""

Stream = list[tuple[Frame, Detections]]
Tracker = ByteTrack | BoTSORT


def first_frames(path: Path, count: int) -> list[np.ndarray]:
    import av

    with av.open(str(path)) as container:
        return [f.to_ndarray(format="bgr24") for f in itertools.islice(container.decode(video=0), count)]


@pytest.fixture(scope="module")
def streams(shared_videos: Path, models_dir: Path) -> list[Stream]:
    """yolo11n's detections on the two clips, computed once for every test here."""
    out = []
    for clip in CLIPS:
        images = first_frames(shared_videos / clip, FRAMES)
        h, w = images[0].shape[:2]
        detector = UltralyticsDetector(UltralyticsDetector.Params(model="yolo11n.pt"))
        detector.open(SourceInfo(width=w, height=h, fps=25, total_frames=None, source_id=clip))
        try:
            found = detector.detect(images[::EVERY])
        finally:
            detector.close()
        frames = [Frame(image=image, index=i, pts_s=i / 25, source_id=clip) for i, image in enumerate(images)]
        out.append([(frame, found[i // EVERY] if i % EVERY == 0 else Detections.empty())
                    for i, frame in enumerate(frames)])
    return out


@pytest.fixture(params=["per-tracker counter (installed release)", "shared class counter (before 8.4)"])
def id_counter(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test on the installed release, and again as older releases number tracks: from one
    counter shared by every tracker in the process (simulated; checked to take effect)."""
    if request.param.startswith("shared"):
        shared = itertools.count(1)
        monkeypatch.setattr(BYTETracker, "reset_id", lambda tracker: setattr(tracker, "_ids", shared))
        first, second = bare_bytetrack(), bare_bytetrack()
        box = library_input(Detections(np.array([[0, 0, 10, 10]], np.float32), np.array([0.9], np.float32),
                                       np.array([0])))
        first.update(box)
        assert second.update(box)[0, 4] == 2, "the simulated shared counter is not in effect"
    return request.param


def bare_bytetrack() -> BYTETracker:
    """Ultralytics' own BYTETracker with our default parameters."""
    return BYTETracker(SimpleNamespace(**ByteTrack.Params().model_dump()))


def library_input(detections: Detections) -> TrackerInput:
    return TrackerInput(detections.xyxy, detections.confidence, detections.class_id.astype(np.float32))


def make(kind: type[Tracker]) -> Tracker:
    return kind(kind.Params()) if kind is ByteTrack else kind(kind.Params(gmc_method="none"))


def step(tracker: Tracker, frame: Frame, detections: Detections) -> list[int]:
    """One frame as the pipeline does it: update on detector frames, predict in between."""
    if frame.index % EVERY == 0:
        return tracker.update(detections, frame).tracker_id.tolist()
    return tracker.predict(frame, (frame.index % EVERY) / EVERY).tracker_id.tolist()


def alone(kind: type[Tracker], stream: Stream) -> list[list[int]]:
    tracker = make(kind)
    return [step(tracker, frame, detections) for frame, detections in stream]


@pytest.mark.parametrize("kind", [ByteTrack, BoTSORT])
def test_interleaved_trackers_number_each_clip_as_a_solo_run_does(streams, id_counter, kind):
    solo = [alone(kind, stream) for stream in streams]
    first, second = make(kind), make(kind)
    interleaved: list[list[list[int]]] = [[], []]
    for a, b in zip(*streams):
        interleaved[0].append(step(first, *a))
        interleaved[1].append(step(second, *b))
    for clip, by_itself, mixed in zip(CLIPS, solo, interleaved):
        assert mixed == by_itself, f"{clip}: interleaved with another tracker, the ids change"
        ids = {i for frame_ids in by_itself for i in frame_ids if i >= 0}
        assert len(ids) >= 4, f"{clip}: too few tracks to tell id spaces apart: {ids}"
        assert min(ids) == 1, f"{clip}: ids start at {min(ids)}"


def test_ids_relabel_the_library_own_one_to_one_counting_only_tracks_shown(streams):
    """The same tracks as Ultralytics' own (its update's rows: x1, y1, x2, y2, track_id, score, cls,
    detection index), numbered 1, 2, ... in the order they are first shown, with no number used up by a
    tentative track that was never confirmed."""
    ours, library = ByteTrack(ByteTrack.Params()), bare_bytetrack()
    mapping: dict[int, int] = {}
    for frame, detections in streams[1][::EVERY]:
        rows = library.update(library_input(detections))
        expected = np.full(len(detections), -1)
        if len(rows):
            expected[rows[:, 7].astype(int)] = rows[:, 4]
        got = ours.update(detections, frame).tracker_id
        assert ((got >= 0) == (expected >= 0)).all()
        for library_id, our_id in zip(expected[expected >= 0], got[got >= 0]):
            assert mapping.setdefault(int(library_id), int(our_id)) == our_id
    assert sorted(mapping.values()) == list(range(1, len(mapping) + 1))
    assert max(mapping) > len(mapping), "the library used numbers on tentative tracks: nothing was tested"


def crowd(frame_index: int, count: int = 6) -> Detections:
    """`count` boxes that appear only in this frame, far from earlier ones: each one a new track."""
    x = np.arange(count, dtype=np.float32) * 50 + frame_index * 400
    xyxy = np.stack([x, np.zeros(count), x + 40, np.full(count, 40)], 1).astype(np.float32)
    return Detections(xyxy, np.full(count, 0.9, np.float32), np.zeros(count, np.int64))


def frame_at(index: int) -> Frame:
    return Frame(image=np.zeros((120, 160, 3), np.uint8), index=index, pts_s=index / 10, source_id="s")


@pytest.mark.parametrize("kind", [ByteTrack, BoTSORT])
def test_a_new_instance_starts_at_1_after_another_made_many_tracks(id_counter, kind):
    busy = make(kind)
    for i in range(10):
        busy.update(crowd(i), frame_at(i))
    fresh = make(kind)
    assert fresh.update(crowd(0, 2), frame_at(0)).tracker_id.tolist() == [1, 2]
    busy.reset()
    assert busy.update(crowd(0, 3), frame_at(0)).tracker_id.tolist() == [1, 2, 3], "reset restarts at 1"
    assert fresh.update(crowd(0, 2), frame_at(1)).tracker_id.tolist() == [1, 2], "another's reset changes nothing"
