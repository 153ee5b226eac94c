from pathlib import Path

import cv2
import numpy as np
import pytest

from detect.errors import SourceError
from detect.sources.images import ImageSource, natural_key
from detect.sources.video import VideoSource


def read(path: Path, **params) -> tuple[object, list]:
    source = VideoSource(VideoSource.Params(path=str(path), **params))
    info = source.open()
    try:
        return info, list(source)
    finally:
        source.close()


def test_video_frames_carry_index_and_container_pts(make_clip):
    info, frames = read(make_clip(frames=20, fps=10))
    assert (info.width, info.height, info.fps, info.total_frames) == (160, 96, 10.0, 20)
    assert [f.index for f in frames] == list(range(20))
    assert frames[5].pts_s == pytest.approx(0.5)


def test_start_end_and_stride(make_clip):
    info, frames = read(make_clip(frames=30, fps=10), start=1.0, end=2.5, stride=2)
    assert [round(f.pts_s, 2) for f in frames] == [1.0, 1.2, 1.4, 1.6, 1.8, 2.0, 2.2, 2.4]
    assert info.total_frames == 8
    assert info.fps == 5.0


@pytest.mark.parametrize("content,message", [
    (None, "video not found"),
    (b"this is not a video at all", "not a video or corrupt"),
])
def test_bad_files(tmp_path: Path, content, message):
    path = tmp_path / "clip.mp4"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SourceError, match=message):
        read(path)


def test_truncated_video_stops_with_warning(make_clip, tmp_path: Path):
    whole = make_clip(frames=60, width=320, height=192)
    cut = tmp_path / "cut.mp4"
    data = whole.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    source = VideoSource(VideoSource.Params(path=str(cut)))
    source.open()
    frames = list(source)
    source.close()
    assert 0 < len(frames) < 60
    assert source.stopped_early and "truncated" in source.stopped_early


def test_images_natural_order(tmp_path: Path):
    for i in (10, 2, 1):
        cv2.imwrite(str(tmp_path / f"frame{i}.png"), np.full((8, 8, 3), i, np.uint8))
    (tmp_path / "notes.txt").write_text("not an image")
    source = ImageSource(ImageSource.Params(path=str(tmp_path), fps=5))
    info = source.open()
    frames = list(source)
    assert info.total_frames == 3
    assert [int(f.image[0, 0, 0]) for f in frames] == [1, 2, 10]
    assert frames[2].pts_s == pytest.approx(0.4)
    assert sorted(["a10", "a2", "a1"], key=natural_key) == ["a1", "a2", "a10"]


def test_images_glob_and_empty(tmp_path: Path):
    cv2.imwrite(str(tmp_path / "a.jpg"), np.zeros((8, 8, 3), np.uint8))
    assert ImageSource(ImageSource.Params(path=str(tmp_path / "*.jpg"))).open().total_frames == 1
    with pytest.raises(SourceError, match="no images found"):
        ImageSource(ImageSource.Params(path=str(tmp_path / "*.png"))).open()
