"""Evaluation (`detect eval`): ground-truth and prediction readers, class maps, tracking and detection metrics."""
