import json
from pathlib import Path

import av
import numpy as np
import pytest

from detect.columns import CLASS_NAME, GAP, TRACK_ID
from detect.sinks.base import staging_path
from detect.sinks.jsonl import JsonlSink
from detect.sinks.mot import MotSink
from detect.sinks.video import VideoSink
from detect.types import Detections, Event, Frame, Packet, SourceInfo


def packet(i: int, width: int = 64, height: int = 48, tracked: bool = True) -> Packet:
    image = np.full((height, width, 3), i * 10 % 255, np.uint8)
    dets = Detections(
        xyxy=np.array([[1, 2, 11, 22], [5, 5, 9, 9]], np.float32),
        confidence=np.array([0.9, 0.4], np.float32),
        class_id=np.array([1, 0]),
        tracker_id=np.array([7, -1]) if tracked else None,
    )
    frame = Frame(image=image, index=i, pts_s=i / 25, source_id="clip.mp4")
    return Packet(frame=frame, detections=dets, labels=("person", "car"))


INFO = SourceInfo(width=64, height=48, fps=25.0, total_frames=10, source_id="clip.mp4")


def test_video_sink_writes_h264_yuv420p_and_renames(tmp_path: Path):
    sink = VideoSink(VideoSink.Params(path=str(tmp_path / "out" / "v.mp4")))
    sink.open(INFO)
    for i in range(10):
        sink.write(packet(i))
        assert not (tmp_path / "out" / "v.mp4").exists()
    sink.close()
    assert not staging_path(tmp_path / "out" / "v.mp4").exists()
    with av.open(str(tmp_path / "out" / "v.mp4")) as c:
        stream = c.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert stream.average_rate == 25
        assert sum(1 for _ in c.decode(stream)) == 10


def test_video_sink_odd_size_and_resized_frames(tmp_path: Path):
    info = SourceInfo(width=65, height=49, fps=10.0, total_frames=None, source_id="x")
    sink = VideoSink(VideoSink.Params(path=str(tmp_path / "v.mp4")))
    sink.open(info)
    sink.write(packet(0, 65, 49))
    sink.write(packet(1, 130, 98))
    sink.close()
    with av.open(str(tmp_path / "v.mp4")) as c:
        frames = list(c.decode(video=0))
    assert len(frames) == 2 and (frames[0].width, frames[0].height) == (64, 48)


def test_video_sink_without_frames_leaves_nothing(tmp_path: Path):
    sink = VideoSink(VideoSink.Params(path=str(tmp_path / "v.mp4")))
    sink.open(INFO)
    sink.close()
    assert list(tmp_path.iterdir()) == []


def test_jsonl_sink_schema_and_events(tmp_path: Path):
    sink = JsonlSink(JsonlSink.Params(path=str(tmp_path / "d.jsonl")))
    sink.open(INFO)
    sink.write(packet(0))
    sink.write_event(Event(GAP, frame=None, pts=None, payload={"from_pts": 1.0, "to_pts": 2.5}))
    sink.close()
    first, event = [json.loads(line) for line in (tmp_path / "d.jsonl").read_text().splitlines()]
    assert first == {"frame": 0, "pts": 0.0, "source": "clip.mp4", "detections": [
        {"xyxy": [1.0, 2.0, 11.0, 22.0], "conf": 0.9, "class_id": 1, CLASS_NAME: "car", TRACK_ID: 7},
        {"xyxy": [5.0, 5.0, 9.0, 9.0], "conf": 0.4, "class_id": 0, CLASS_NAME: "person", TRACK_ID: None},
    ]}
    assert event == {"event": GAP, "from_pts": 1.0, "to_pts": 2.5}


@pytest.mark.parametrize("tracked,expected", [
    (True, ["3,7,1.00,2.00,10.00,20.00,0.9000,-1,-1,-1"]),
    (False, []),
])
def test_mot_sink_one_based_tracked_only(tmp_path: Path, tracked, expected):
    sink = MotSink(MotSink.Params(path=str(tmp_path / "t.txt")))
    sink.open(INFO)
    sink.write(packet(2, tracked=tracked))
    sink.close()
    assert (tmp_path / "t.txt").read_text().splitlines() == expected
