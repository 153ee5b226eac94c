"""Explicit imports that register every built-in stage (plugins come via entry points)."""

from detect import analytics  # noqa: F401  (distance, collision, speed, zones, lines)
from detect.annotators import boxes, hud, labels, trails, zones  # noqa: F401
from detect.detectors import ultralytics_yolo  # noqa: F401
from detect.sinks import csv, display, jsonl, mjpeg, mot, video  # noqa: F401
from detect.sinks import images as images_sink  # noqa: F401
from detect.sources import images, stream, webcam  # noqa: F401
from detect.sources import video as video_source  # noqa: F401
from detect.trackers import ultralytics_trackers  # noqa: F401
