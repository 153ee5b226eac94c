"""The live page in a real browser: Debian's Chromium, headless, driven by Playwright, on a
real pipeline (yolo11n + ByteTrack + a zone) watching a real dashcam clip served as a camera."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import missing
from live_helpers import build_live, camera, run_frames, stream_source

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright
except ImportError:  # the fixture says so: skipped locally, failed in CI
    sync_playwright = None

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
"""No network beyond the page's own server: this machine (and CI) has no internet."""
WAIT_MS = 60_000
"""How long the page may take to show updated stats: model load plus a few seconds of stream
on a busy 2-core machine (about 10 s here)."""

STATS_SHOWN = """() => {
  const text = (id) => document.getElementById(id).textContent;
  const frames = Number(text("frames"));
  const car = document.querySelector('#classes li[data-cls="car"] .n');
  const enter = [...document.querySelectorAll("#events tr")].some(
      (row) => row.cells[0].textContent.startsWith("zone_enter") && row.cells[3].textContent === "car");
  if (!(frames > 0)) return false;
  window.firstFrames ??= frames;
  if (frames === window.firstFrames) return false;  // shown once: wait until it updated
  return Number(text("fps")) > 0 && /^\\d+ \\/ \\d+$/.test(text("latency")) && Number(text("tracks-active")) >= 1
      && Number(text("tracks-total")) >= 1 && car !== null && Number(car.textContent) >= 1 && enter;
}"""
PICTURE = """() => {
  const img = document.getElementById("stream");
  if (!img.naturalWidth) return null;
  const canvas = document.createElement("canvas");
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const context = canvas.getContext("2d");
  context.drawImage(img, 0, 0);
  return context.getImageData(0, 0, canvas.width, canvas.height).data.filter((_, i) => i % 997 === 0).join();
}"""
"""A sample of the pixels the <img> shows now (null before its first frame)."""


@pytest.fixture
def chromium_page() -> Iterator[Any]:
    """A headless Chromium tab; skipped locally without Chromium or Playwright, failed in CI."""
    if not CHROMIUM.exists():
        missing(f"Chromium not found at {CHROMIUM}: apt-get install chromium (.ci/run does)")
    if sync_playwright is None:
        missing("playwright is not installed: pip install -e '.[dev]'")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            yield browser.new_page(viewport={"width": 1280, "height": 720})
        finally:
            browser.close()


@pytest.mark.model
def test_the_page_shows_the_stream_and_live_stats_in_chromium(models_dir: Path, shared_videos: Path, chromium_page,
                                                             tmp_path: Path):
    page = chromium_page
    with camera(shared_videos, fps=25) as cam:
        pipeline = build_live({
            "source": stream_source(cam.url),
            "detector": {"type": "ultralytics", "model": "yolo11n.pt", "classes": ["car", "truck"]},
            "tracker": {"type": "bytetrack"},
            "analytics": [{"type": "zones",
                           "zones": [{"name": "all", "polygon": [[0, 0], [480, 0], [480, 270], [0, 270]]}]}],
            "annotators": [{"type": "boxes"}, {"type": "labels"}],
            "sinks": [{"type": "mjpeg", "port": 0}],
        })
        sink = pipeline.sinks[0].stage
        run = threading.Thread(target=run_frames, args=(pipeline, 1_000_000), kwargs={"limit_s": 120}, daemon=True)
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        run.start()
        try:
            while not sink.url and run.is_alive():
                run.join(0.05)
            page.goto(sink.url, wait_until="commit")
            try:
                page.wait_for_function(STATS_SHOWN, timeout=WAIT_MS, polling=250)
            except PlaywrightTimeout:
                pytest.fail(f"no updated stats on the page within {WAIT_MS / 1000:.0f} s; it shows: "
                            f"{page.inner_text('body')!r}")
            page.evaluate(f"() => {{ window.firstPicture = ({PICTURE})(); }}")
            page.wait_for_function(f"() => ({PICTURE})() !== window.firstPicture", timeout=WAIT_MS, polling=200)
            size = page.evaluate("() => [stream.naturalWidth, stream.naturalHeight]")
            state = page.text_content("#state")
            page.screenshot(path=str(tmp_path / "live_page.png"))
        finally:
            pipeline.stop.request()
            run.join(timeout=30)
    assert page.evaluate("() => window.firstPicture") is not None and size == [480, 270], \
        "the stream's frames reached the <img>, and it changed"
    assert state.startswith("live"), state
    assert requests and all(url.startswith(sink.url) for url in requests), "nothing loads from elsewhere"
    assert any(url.endswith("/stats.json") for url in requests) and any("/stream.mjpg" in url for url in requests)


def test_a_server_without_stats_shows_the_picture_alone(shared_videos: Path, chromium_page):
    """The replayed camera (detect.testing.fake_camera) serves the same page without /stats.json."""
    page = chromium_page
    with camera(shared_videos, fps=25) as cam:
        page.goto(cam.url.removesuffix("stream.mjpg"), wait_until="commit")
        page.wait_for_function("() => document.getElementById('stats').hidden"
                               " && document.getElementById('picture').textContent === '480\u00d7270'",
                               timeout=WAIT_MS, polling=100)
        assert page.text_content("#state") == "live"
        assert not page.is_visible("#stats") and page.is_visible("#stream")
