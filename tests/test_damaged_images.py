"""An image folder with unreadable files loses only those: they are skipped, counted and named
in one warning; a folder with no readable image is one line."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import decode_all, pipeline_dict

from detect.config import parse
from detect.errors import SourceError
from detect.pipeline import build
from detect.sources.images import ImageSource


def write_images(folder: Path, sizes: list[tuple[int, int]]) -> list[Path]:
    folder.mkdir(exist_ok=True)
    paths = []
    for i, (w, h) in enumerate(sizes):
        path = folder / f"{i}.jpg"
        cv2.imwrite(str(path), np.full((h, w, 3), 20 * i, np.uint8))
        paths.append(path)
    return paths


def test_a_corrupt_image_is_skipped_and_named(tmp_path: Path) -> None:
    paths = write_images(tmp_path / "shots", [(64, 48)] * 6)
    for bad in (paths[0], paths[3]):
        bad.write_bytes(b"\xff\xd8\xff not a jpeg after all")
    source = ImageSource(ImageSource.Params(path=str(tmp_path / "shots"), fps=10))
    info = source.open()
    frames = list(source)
    assert (info.width, info.height) == (64, 48)
    assert [f.index for f in frames] == [0, 1, 2, 3]
    assert [round(f.pts_s, 2) for f in frames] == [0.1, 0.2, 0.4, 0.5], "a skipped image leaves its gap in time"
    assert source.warnings() == [f"skipped 2 unreadable images: {paths[0]}, {paths[3]}"]


def test_many_corrupt_images_are_named_up_to_a_few_and_counted(tmp_path: Path) -> None:
    paths = write_images(tmp_path / "shots", [(64, 48)] * 9)
    for bad in paths[1:]:
        bad.write_bytes(b"")
    source = ImageSource(ImageSource.Params(path=str(tmp_path / "shots")))
    source.open()
    assert len(list(source)) == 1
    assert source.warnings() == [f"skipped 8 unreadable images: {paths[1]}, {paths[2]}, {paths[3]} and 5 more"]


def test_a_folder_with_no_readable_image_is_one_error(tmp_path: Path) -> None:
    for bad in write_images(tmp_path / "shots", [(64, 48)] * 3):
        bad.write_text("text")
    with pytest.raises(SourceError, match=r"no readable image .*shots: all 3 files are unreadable or corrupt"):
        ImageSource(ImageSource.Params(path=str(tmp_path / "shots"))).open()


def test_a_run_over_images_of_mixed_sizes_and_a_corrupt_one_completes(tmp_path: Path) -> None:
    paths = write_images(tmp_path / "shots", [(64, 48), (80, 40), (48, 64), (64, 48), (64, 48)])
    paths[3].write_bytes(b"broken")
    for as_video in (False, True):
        source = {"type": "images", "path": str(tmp_path / "shots"), "as_video": as_video}
        result = build(parse({**pipeline_dict(tmp_path / "shots", tmp_path / str(as_video)), "source": source})).run()
        assert result.frames == 4
        assert result.warnings == [f"source (images): skipped 1 unreadable image: {paths[3]}"]
        assert len((tmp_path / str(as_video) / "out.jsonl").read_text().splitlines()) == 4
    stills = tmp_path / "False" / "out"
    assert [cv2.imread(str(stills / f"{i}.jpg")).shape[1::-1] for i in (0, 1, 2, 4)] == [(64, 48), (80, 40), (48, 64),
                                                                                        (64, 48)]
    assert len(decode_all(tmp_path / "True" / "out.mp4")) == 4
