"""Broken model paths and files, each made on demand in a scratch folder from the real weights.

Every entry returns the `detector.model` value to put in a config; `detect validate` and
`detect run` must answer each with one line `detector.model: ...` and exit code 2.
"""

from __future__ import annotations

import os
import random
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path


def _bytes(seed: int, size: int) -> bytes:
    return random.Random(seed).randbytes(size)


def _write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


def _folder(path: Path) -> str:
    path.mkdir()
    (path / "readme.txt").write_text("not a model\n")
    return str(path)


def _empty_folder(path: Path) -> str:
    path.mkdir()
    return str(path)


def _truncated(work: Path, models: Path) -> str:
    data = (models / "yolo11n.pt").read_bytes()
    return _write(work / "truncated.pt", data[: len(data) // 2])


def _zip(work: Path) -> str:
    path = work / "archive.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes/readme.txt", "hello")
    return str(path)


def _torch_save(work: Path, value: object, name: str) -> str:
    import torch

    path = work / name
    torch.save(value, path)
    return str(path)


def _openvino_garbage(work: Path) -> str:
    folder = work / "garbage_openvino_model"
    folder.mkdir()
    (folder / "model.xml").write_bytes(_bytes(3, 2048))
    (folder / "model.bin").write_bytes(_bytes(4, 4096))
    (folder / "metadata.yaml").write_text("names: {0: car}\nimgsz: [640, 640]\n")
    return str(folder)


def _openvino_without_metadata(work: Path, models: Path) -> str:
    folder = work / "nometa_openvino_model"
    shutil.copytree(models / "yolo11n_int8_openvino_model", folder)
    (folder / "metadata.yaml").unlink()
    return str(folder)


def _symlink_loop(work: Path) -> str:
    (work / "loop_a.pt").symlink_to(work / "loop_b.pt")
    (work / "loop_b.pt").symlink_to(work / "loop_a.pt")
    return str(work / "loop_a.pt")


def _unreadable(work: Path) -> str:
    """Mode 000: unreadable for the unprivileged user the case runs as (root reads anything)."""
    path = work / "unreadable.pt"
    path.write_bytes(b"\x00" * 64)
    path.chmod(0)
    return str(path)


MODEL_CASES: dict[str, Callable[[Path, Path, Path], str]] = {
    "empty path": lambda work, models, clip: "",
    "dot": lambda work, models, clip: ".",
    "directory": lambda work, models, clip: _folder(work / "plain_folder"),
    "dev null": lambda work, models, clip: os.devnull,
    "nul in name": lambda work, models, clip: "yolo\x0011n.pt",
    "garbage pt": lambda work, models, clip: _write(work / "garbage.pt", _bytes(1, 4096)),
    "truncated pt": lambda work, models, clip: _truncated(work, models),
    "empty pt": lambda work, models, clip: _write(work / "empty.pt", b""),
    "zip not a model": lambda work, models, clip: _zip(work),
    "torch.save dict": lambda work, models, clip: _torch_save(work, {"weights": [1, 2, 3]}, "dict.pt"),
    "torch.save tensor": lambda work, models, clip: _torch_save(work, __import__("torch").zeros(3), "tensor.pt"),
    "garbage onnx": lambda work, models, clip: _write(work / "garbage.onnx", _bytes(2, 4096)),
    "empty onnx": lambda work, models, clip: _write(work / "empty.onnx", b""),
    "empty openvino folder": lambda work, models, clip: _empty_folder(work / "empty_openvino_model"),
    "openvino garbage xml and bin": lambda work, models, clip: _openvino_garbage(work),
    "openvino missing metadata": lambda work, models, clip: _openvino_without_metadata(work, models),
    "engine without cuda": lambda work, models, clip: _write(work / "model.engine", _bytes(5, 4096)),
    "unknown suffix": lambda work, models, clip: _write(work / "model.weights", _bytes(6, 4096)),
    "not an ultralytics asset": lambda work, models, clip: "yolo99z.pt",
    "video file as model": lambda work, models, clip: str(clip),
    "symlink loop": lambda work, models, clip: _symlink_loop(work),
    "longer than PATH_MAX": lambda work, models, clip: str(work) + ("/" + "d" * 200) * 30 + "/m.pt",
    "no read permission": lambda work, models, clip: _unreadable(work),
}
"""The 22 kinds of the issue (torch.save counts once per payload: a dict and a tensor)."""
