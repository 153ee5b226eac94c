"""A screenshot of the `mjpeg` sink's live page while a real clip plays, taken with Chromium.

The Udacity clip (MIT licence) is served on loopback as a 25 fps MJPEG camera; `detect` reads it
with yolo11n, ByteTrack, two counting lines and the live HUD, and serves the page. Headless
Chromium (Debian's /usr/bin/chromium, driven by Playwright) opens it, waits `--seconds` and saves
the page as a palette PNG (small enough for the docs). It also prints `/stats.json` at that moment.

    DETECT_MODELS_DIR=../shared/models python scripts/live_page_screenshot.py docs/images/live_page.png
    DETECT_MODELS_DIR=../shared/models python scripts/live_page_screenshot.py /tmp/narrow.png --width 600 --height 1100
"""

from __future__ import annotations

import argparse
import json
import threading
import time
import urllib.request
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

from detect.config import parse
from detect.pipeline import build
from detect.testing.fake_camera import ClipServer, encode_clip

REPO = Path(__file__).resolve().parents[1]
CLIP = REPO.parent / "shared" / "data" / "videos" / "highway_udacity_solidWhiteRight.mp4"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def pipeline_config(url: str) -> dict:
    lines = [{"name": "left", "start": [230, 540], "end": [230, 300]},
             {"name": "right", "start": [720, 300], "end": [720, 540]}]
    return {
        "source": {"type": "stream", "path": url},
        "detector": {"type": "ultralytics", "model": "yolo11n.pt", "classes": ["car", "truck", "bus"]},
        "tracker": {"type": "bytetrack"},
        "analytics": [{"type": "lines", "lines": lines}],
        "annotators": [{"type": "zones"}, {"type": "boxes"}, {"type": "labels"}, {"type": "hud", "sections": ["live"]}],
        "sinks": [{"type": "mjpeg", "port": 0}],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="PNG to write")
    parser.add_argument("--seconds", type=float, default=12.0, help="how long the page runs before the shot")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=680)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()

    with ClipServer(encode_clip(CLIP, max_frames=300), fps=25) as camera:
        pipeline = build(parse(pipeline_config(camera.url)))
        sink = pipeline.sinks[0].stage
        run = threading.Thread(target=pipeline.run, name="live-page-run")
        run.start()
        try:
            while not sink.url and run.is_alive():
                time.sleep(0.05)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=args.chromium, args=CHROMIUM_FLAGS)
                page = browser.new_page(viewport={"width": args.width, "height": args.height})
                page.goto(sink.url, wait_until="commit")
                time.sleep(args.seconds)
                shot = args.out.with_suffix(".full.png")
                page.screenshot(path=str(shot), full_page=True)
                stats = json.loads(urllib.request.urlopen(sink.url + "stats.json", timeout=5).read())
                browser.close()
        finally:
            pipeline.stop.request()
            run.join()
    image = Image.open(shot).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(args.out, optimize=True)
    shot.unlink()
    print(json.dumps(stats))
    print(f"{args.out}: {image.width}x{image.height}, {args.out.stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    main()
