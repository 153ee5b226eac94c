"""Unrelated still images are not a video: what a pipeline on them becomes.

An `images` source without `as_video` holds photos that have nothing to do with each other
(sizes differ, nothing moves from one to the next). So, whatever the config says for video:

- no tracker: each image is detected on its own and no box gets a track id (a tracker would
  link a bus in one photo to a bus in the next); so every image is detected (`detect_every: 1`);
- every `video` sink becomes an `images` sink writing into the folder of the same name without
  `.mp4` (`runs/photos.mp4` -> `runs/photos/`): an annotated image per input, same size, same name;
- JSONL stays one record per image, naming its `file`.

`as_video: true` (`--as-video`) keeps the pipeline as written: the tracker links the frames
and the video sink writes one mp4 (an image of another size is letterboxed, never stretched).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from detect.config import PipelineConfig, StageSpec
from detect.registry import sinks


def is_stills(config: PipelineConfig) -> bool:
    source = config.source
    return source.type == "images" and not getattr(source.params, "as_video", False)


def for_stills(config: PipelineConfig) -> PipelineConfig:
    """`config` as it runs on unrelated stills (unchanged for any other source)."""
    if not is_stills(config):
        return config
    return dataclasses.replace(config, tracker=None, detector=_every_image(config.detector),
                               sinks=[_image_sink(s) if s.type == "video" else s for s in config.sinks])


def image_folder(video_path: str) -> str:
    """Where the annotated stills go instead of `video_path`: the same name without `.mp4`."""
    path = Path(video_path)
    return str(path.with_suffix("")) if path.suffix.lower() == ".mp4" else str(path)


def _every_image(spec: StageSpec) -> StageSpec:
    """`detect_every` skips frames the tracker fills in: with no tracker every image is detected."""
    if getattr(spec.params, "detect_every", 1) == 1:
        return spec
    return dataclasses.replace(spec, params=spec.params.model_copy(update={"detect_every": 1}))


def _image_sink(spec: StageSpec) -> StageSpec:
    cls = sinks.get("images")
    assert cls is not None
    params = cls.Params(path=image_folder(spec.params.path))
    return StageSpec("sink", "images", params, spec.where)
