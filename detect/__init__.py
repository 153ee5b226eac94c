"""detect: tracked, annotated object detection on dashcam files, cameras and streams."""

__version__ = "0.1.0"
