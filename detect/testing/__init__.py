"""Test and benchmark helpers users need too: a loopback MJPEG camera that serves a real clip."""
