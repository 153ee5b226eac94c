"""detect: tracked, annotated object detection on dashcam files, cameras and streams.

    from detect import Pipeline

    pipeline = Pipeline.from_yaml("configs/dashcam.yaml")
    for result in pipeline.stream("clip.mp4"):
        print(result.index, result.class_names, result.detections.tracker_id)

See docs/api.md. The names below load on first use, so `import detect` stays cheap.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["Pipeline", "FrameResult", "Detections", "Event", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "Pipeline":
        from detect.pipeline import Pipeline

        return Pipeline
    if name == "FrameResult":
        from detect.results import FrameResult

        return FrameResult
    if name in ("Detections", "Event"):
        from detect import types

        return getattr(types, name)
    raise AttributeError(f"module 'detect' has no attribute {name!r}")
