"""Benchmark and evaluation: ground truth and prediction readers, accuracy metrics, `detect eval`."""
