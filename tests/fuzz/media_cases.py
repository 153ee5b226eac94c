"""Broken inputs and outputs made from the shared clip: damaged videos, odd paths, image folders
of junk, outputs that cannot be written. Each entry builds its material in a scratch folder and
returns the `source` (and, for outputs, the `sinks`) of a config plus extra CLI arguments."""

from __future__ import annotations

import os
import random
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


@dataclass(frozen=True)
class MediaCase:
    source: dict[str, Any]
    extra: tuple[str, ...] = ()
    sinks: list[dict[str, Any]] = field(default_factory=lambda: [{"type": "jsonl", "path": "out.jsonl"}])


def _video(path: Path | str) -> MediaCase:
    return MediaCase({"type": "video", "path": str(path)})


def _images(path: Path | str) -> MediaCase:
    return MediaCase({"type": "images", "path": str(path)})


def _copy(work: Path, clip: Path, name: str, keep: float = 1.0) -> Path:
    data = clip.read_bytes()
    target = work / name
    target.write_bytes(data[: int(len(data) * keep)])
    return target


def _damaged(work: Path, clip: Path, start: float, size: int) -> Path:
    data = bytearray(clip.read_bytes())
    at = int(len(data) * start)
    data[at:at + size] = random.Random(size).randbytes(size)
    target = work / f"damaged_{start}_{size}.mp4"
    target.write_bytes(bytes(data))
    return target


def _folder_of(work: Path, files: dict[str, bytes]) -> Path:
    folder = work / "frames"
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def _jpeg(seed: int) -> bytes:
    import cv2

    image = np.random.default_rng(seed).integers(0, 255, (64, 96, 3), np.uint8)
    return cv2.imencode(".jpg", image)[1].tobytes()


def _png_of_size(width: int, height: int) -> bytes:
    import cv2

    return cv2.imencode(".png", np.zeros((height, width, 3), np.uint8))[1].tobytes()


def _fifo(work: Path) -> Path:
    path = work / "pipe.mp4"
    os.mkfifo(path)
    return path


def _null_device(work: Path) -> Path:
    """A private /dev/null: a sink that wrongly replaces a device replaces this one, not the system's."""
    path = work / "null"
    os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    return path


def _loop(work: Path) -> Path:
    (work / "a.mp4").symlink_to(work / "b.mp4")
    (work / "b.mp4").symlink_to(work / "a.mp4")
    return work / "a.mp4"


def _sink(path: str, kind: str = "jsonl") -> MediaCase:
    return MediaCase({"type": "video", "path": "CLIP"}, sinks=[{"type": kind, "path": path}])


MEDIA_CASES: dict[str, Callable[[Path, Path], MediaCase]] = {
    "truncated at 10%": lambda w, c: _video(_copy(w, c, "t10.mp4", 0.1)),
    "truncated at 50%": lambda w, c: _video(_copy(w, c, "t50.mp4", 0.5)),
    "truncated at 95%": lambda w, c: _video(_copy(w, c, "t95.mp4", 0.95)),
    "first 4 KB": lambda w, c: _video(_copy(w, c, "head.mp4", 4096 / c.stat().st_size)),
    "first 100 bytes": lambda w, c: _video(_copy(w, c, "tiny.mp4", 100 / c.stat().st_size)),
    "zero bytes": lambda w, c: _video(_copy(w, c, "zero.mp4", 0)),
    "random bytes": lambda w, c: _video(_write(w / "random.mp4", random.Random(1).randbytes(65536))),
    "damaged header": lambda w, c: _video(_damaged(w, c, 0.0, 512)),
    "damaged middle": lambda w, c: _video(_damaged(w, c, 0.5, 50_000)),
    "damaged tail": lambda w, c: _video(_damaged(w, c, 0.97, 20_000)),
    "wrong extension jpg": lambda w, c: _video(_copy(w, c, "clip.jpg")),
    "no extension": lambda w, c: _video(_copy(w, c, "clip")),
    "text file as video": lambda w, c: _video(_write(w / "notes.mp4", b"hello\n" * 100)),
    "yaml file as video": lambda w, c: _video(_write(w / "config.mp4", b"source: {type: video}\n")),
    "png as video": lambda w, c: _video(_write(w / "still.mp4", _png_of_size(64, 48))),
    "folder as video": lambda w, c: _video(_mkdir(w / "folder.mp4")),
    "dev null as video": lambda w, c: _video(os.devnull),
    "dev zero as video": lambda w, c: _video("/dev/zero"),
    "fifo as video": lambda w, c: _video(_fifo(w)),
    "missing video": lambda w, c: _video(w / "missing.mp4"),
    "empty video path": lambda w, c: _video(""),
    "nul in video path": lambda w, c: _video("clip\x00.mp4"),
    "video path longer than PATH_MAX": lambda w, c: _video("v" * 5000 + ".mp4"),
    "video name longer than NAME_MAX": lambda w, c: _video("v" * 300 + ".mp4"),
    "video symlink loop": lambda w, c: _video(_loop(w)),
    "video under a file": lambda w, c: _video(c / "inner.mp4"),
    "empty image folder": lambda w, c: _images(_mkdir(w / "empty")),
    "missing image folder": lambda w, c: _images(w / "no_such_folder"),
    "empty images path": lambda w, c: _images(""),
    "image glob matching nothing": lambda w, c: _images(w / "*.png"),
    "broken glob": lambda w, c: _images(str(w) + "/[.png"),
    "garbage jpg files": lambda w, c: _images(_folder_of(w, {"1.jpg": b"junk", "2.jpg": random.Random(2).randbytes(999)})),
    "zero-byte png files": lambda w, c: _images(_folder_of(w, {"1.png": b"", "2.png": b""})),
    "good then garbage image": lambda w, c: _images(_folder_of(w, {"1.jpg": _jpeg(1), "2.jpg": b"junk"})),
    "images of different sizes": lambda w, c: _images(_folder_of(w, {"1.png": _png_of_size(64, 48),
                                                                      "2.png": _png_of_size(32, 200)})),
    "one-pixel image": lambda w, c: _images(_folder_of(w, {"1.png": _png_of_size(1, 1)})),
    "video as images folder": lambda w, c: _images(c),
    "dev null as images": lambda w, c: _images(os.devnull),
    "nul in images path": lambda w, c: _images("frames\x00"),
    "--source dev null": lambda w, c: MediaCase({"type": "video", "path": "CLIP"}, ("--source", os.devnull)),
    "--source empty": lambda w, c: MediaCase({"type": "video", "path": "CLIP"}, ("--source", "")),
    "--source star": lambda w, c: MediaCase({"type": "video", "path": "CLIP"}, ("--source", "*")),
    "--source folder": lambda w, c: MediaCase({"type": "video", "path": "CLIP"}, ("--source", str(_mkdir(w / "d")))),
    "--source bad url": lambda w, c: MediaCase({"type": "video", "path": "CLIP"}, ("--source", "rtsp://")),
    "--source missing camera": lambda w, c: MediaCase({"type": "video", "path": "CLIP"}, ("--source", "/dev/video99")),
    "sink to a device": lambda w, c: _sink(str(_null_device(w))),
    "sink to a fifo": lambda w, c: _sink(str(_fifo(w))),
    "sink to a folder": lambda w, c: _sink(str(_mkdir(w / "outdir"))),
    "sink under a file": lambda w, c: _sink(str(c) + "/out.jsonl"),
    "sink overwrites the input": lambda w, c: MediaCase({"type": "video", "path": str(_copy(w, c, "in.mp4"))},
                                                        sinks=[{"type": "video", "path": str(w / "in.mp4")}]),
    "sink empty path": lambda w, c: _sink(""),
    "sink path with nul": lambda w, c: _sink("out\x00.jsonl"),
    "sink path too long": lambda w, c: _sink("o" * 5000 + ".jsonl"),
    "sink in proc": lambda w, c: _sink("/proc/no_such/out.mp4", "video"),
    "video sink with odd suffix": lambda w, c: _sink("out.txt", "video"),
}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path
