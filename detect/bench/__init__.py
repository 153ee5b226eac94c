"""Benchmarking (`detect bench`): detectors x trackers x clips through the real pipeline, speed and accuracy reports."""
