"""`detect run SOURCE`: the dashcam pipeline on any file, folder, glob, camera or URL, no YAML.

The everyday knobs are flags (`--model`, `--conf`, `--classes`, `--tracker`, `--out`,
`--no-video`, `--jsonl-only`) that work the same on a config. Outputs are named after the
source (`runs/<stem>.mp4`, `runs/<stem>.jsonl`) and never replace an earlier run's silently:
an existing name gets the next free number (`runs/<stem>-2.mp4`) unless `--exist-ok`. Images
(unless `--as-video`) give a folder of annotated images instead of the mp4: `runs/<stem>/`.
"""

from __future__ import annotations

import argparse
import copy
from pathlib import Path
from typing import Any

from detect.errors import ConfigError

DEFAULT_PIPELINE: dict[str, Any] = {
    "detector": {"type": "ultralytics", "model": "yolo11n.pt", "conf": 0.2, "imgsz": 640, "device": "auto",
                 "classes": ["car", "truck", "bus", "motorcycle", "bicycle", "person", "traffic light", "stop sign"]},
    "tracker": {"type": "bytetrack", "track_high_thresh": 0.2, "track_buffer": 30, "match_thresh": 0.9,
                "new_track_thresh": 0.5, "fill_gaps": 1.0},
    "annotators": [{"type": "boxes"}, {"type": "labels"}, {"type": "trails", "length": 30}],
}
"""configs/dashcam.yaml without its source and sinks (a test keeps the two the same)."""
CONFIG_SUFFIXES = (".yaml", ".yml")
OUTPUT_SUFFIXES = (".mp4", ".jsonl", ".csv", ".txt", ".mkv", ".mov", ".avi")
"""What a file name given to --out may end in (anything else is a folder name)."""


def add_run_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", help="detector model: a path, or a name in $DETECT_MODELS_DIR (yolo11n.pt)")
    parser.add_argument("--conf", type=float, help="confidence threshold, 0..1")
    parser.add_argument("--classes", help="classes to keep, names or ids: car,person or 2,0")
    parser.add_argument("--tracker", help="bytetrack, botsort or none")
    parser.add_argument("--out", help="folder for the outputs (default runs/), or a file name (runs/a.mp4) to name them after")
    parser.add_argument("--no-video", action="store_true", help="no annotated mp4")
    parser.add_argument("--jsonl-only", action="store_true", help="only the JSONL (no video, no drawing)")
    parser.add_argument("--exist-ok", action="store_true", help="replace outputs of an earlier run with the same names")
    parser.add_argument("--as-video", action="store_true",
                        help="images are consecutive frames (a sequence): track across them, write one mp4 "
                             "(default: each image on its own, an annotated image per input)")


def is_config(target: str) -> bool:
    """A YAML file is a config; anything else (a video, images, a camera, a URL) is a source."""
    return Path(target).suffix.lower() in CONFIG_SUFFIXES


def quick_pipeline(source: str, args: argparse.Namespace) -> dict[str, Any]:
    """The default pipeline on `source`, outputs named after it, the flags applied."""
    from detect.config import source_override

    data = copy.deepcopy(DEFAULT_PIPELINE)
    data["source"] = source_override(None, source)
    out = Path(args.out or "runs")
    stem = _stem(source)
    sinks = [{"type": "jsonl", "path": str(out / f"{stem}.jsonl")}]
    if not (args.no_video or args.jsonl_only):
        sinks.insert(0, {"type": "video", "path": str(out / f"{stem}.mp4")})
    data["sinks"] = sinks
    apply_flags(data, args)
    if not args.exist_ok:
        data["sinks"] = _unused_names(data["sinks"], _is_stills(data["source"]))
    return data


def number_image_folders(data: dict[str, Any], args: argparse.Namespace) -> None:
    """A config run on stills: when the image folder its video sink becomes (stills.py) exists,
    the run's outputs take the next free number, so two runs' images never mix in one folder."""
    sinks = data.get("sinks")
    if args.exist_ok or not _is_stills(data.get("source")) or not isinstance(sinks, list):
        return
    if all(isinstance(s, dict) and isinstance(s.get("path"), str) for s in sinks):
        data["sinks"] = _unused_names(sinks, stills=True)


def apply_flags(data: dict[str, Any], args: argparse.Namespace) -> None:
    """The flags as overrides of a pipeline mapping (a config's or the default one)."""
    from detect.config import set_value

    if getattr(args, "as_video", False):
        source = data.get("source")
        if not (isinstance(source, dict) and source.get("type") == "images"):
            raise ConfigError("--as-video: the source is not a folder or glob of images")
        source["as_video"] = True
    for key, value in (("detector.model", args.model), ("detector.conf", args.conf),
                       ("detector.classes", args.classes), ("tracker.type", args.tracker)):
        if value is not None:
            set_value(data, key, value)
    if args.jsonl_only:
        data["annotators"] = []
        data["sinks"] = [s for s in data.get("sinks") or [] if isinstance(s, dict) and s.get("type") == "jsonl"]
    elif args.no_video:
        data["sinks"] = [s for s in data.get("sinks") or []
                         if not (isinstance(s, dict) and s.get("type") in ("video", "images"))]
    if args.out:
        _redirect_outputs(data, args.out)


def _redirect_outputs(data: dict[str, Any], out: str) -> None:
    """`--out FOLDER` keeps each output's name; `--out NAME.mp4` (a file name one of the outputs
    has the suffix of) names them all after it: `--out runs/a.mp4` writes runs/a.mp4 and
    runs/a.jsonl, where a folder called `a.mp4` would surprise."""
    sinks = [s for s in data.get("sinks") or [] if isinstance(s, dict) and isinstance(s.get("path"), str)]
    target = Path(out)
    suffixes = {Path(s["path"]).suffix.lower() for s in sinks}
    if not target.suffix or target.is_dir() or target.suffix.lower() not in suffixes:
        if target.suffix.lower() in OUTPUT_SUFFIXES and not target.is_dir():
            made = ", ".join(sorted(x for x in suffixes if x)) or "folders only"
            raise ConfigError(f"--out {out}: this run writes {made}; give a folder, or a file name ending in one of those")
        for sink in sinks:
            sink["path"] = str(target / Path(sink["path"]).name)
        return
    if any("{stream}" in s["path"] for s in sinks):
        raise ConfigError(f"--out {out}: several streams write several files; give a folder")
    named = [str(target.with_suffix(Path(s["path"]).suffix)) for s in sinks]
    if len(set(named)) < len(named):
        raise ConfigError(f"--out {out}: two outputs of this run would share that name; give a folder")
    for sink, path in zip(sinks, named, strict=True):
        sink["path"] = path


def _stem(source: str) -> str:
    from detect.config import infer_source_type

    kind = infer_source_type(source)
    if kind == "webcam":
        return f"webcam{source.rsplit('video', 1)[-1]}"
    if kind == "stream":
        return "stream"
    path = Path(source.rstrip("/"))
    if kind == "images" and any(ch in path.name for ch in "*?["):
        path = path.parent
    stem = path.name if kind == "images" and not path.suffix else path.stem
    return stem.strip(".") or ("images" if kind == "images" else "run")


def _is_stills(source: Any) -> bool:
    return isinstance(source, dict) and source.get("type") == "images" and not source.get("as_video")


def _unused_names(sinks: list[dict[str, Any]], stills: bool = False) -> list[dict[str, Any]]:
    """Add the first number that makes every output name free: all of one run share it. On
    stills a video sink writes the image folder of its name (stills.py): that folder must be free."""
    from detect.stills import image_folder

    paths = [Path(s["path"]) for s in sinks]
    written = [Path(image_folder(str(p))) if stills and s.get("type") == "video" else p for s, p in zip(sinks, paths)]
    number = 1
    while any(_numbered(p, number).exists() for p in written):
        number += 1
    return [{**s, "path": str(_numbered(p, number))} for s, p in zip(sinks, paths)]


def _numbered(path: Path, number: int) -> Path:
    return path if number == 1 else path.with_name(f"{path.stem}-{number}{path.suffix}")
