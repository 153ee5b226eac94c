"""N streams: N separate `detect run` processes, one `detect run` with N streams, Ultralytics' own
multi-stream tracking; and live latency of N loopback cameras in one process against one.

For each N (default 1, 2, 4, 8) and backend (torch .pt, and the shared INT8 OpenVINO model),
the same clips (the shared 16:9 dashcam clips, remuxed into loops of --frames frames each),
the same model, tracker (ByteTrack), drawing (boxes, labels) and outputs (mp4 + JSONL per
stream) run three ways:

  (a) N `detect run` processes started together, one stream each;
  (b) one `detect run` with N streams (one shared detector, batched across the streams);
  (c) Ultralytics: `YOLO.track(source=<list>.streams, stream=True, stream_buffer=True)`, one
      tracker per stream (its LoadStreams reader; with stream_buffer it buffers up to 30 frames
      per file instead of keeping the newest only, and it ends when the first file ends, so
      frames done are counted and printed; no mp4/JSONL written).

Printed per row: frames done, wall time (start of the processes to the last exit: start-up
included), aggregate fps (all frames / wall), per-stream fps, peak RSS (the sum of every
process's peak for (a)), and the ratios the issue sets: (b)/(a) throughput, RSS(b)/RSS(a).
Then live: N cameras serving a clip at --live-fps on loopback, one process with N `stream`
streams for --live-seconds, capture -> written latency p50/p95 per stream against N = 1.

    DETECT_MODELS_DIR=../shared/models python scripts/bench_streams.py                    # the full run
    DETECT_MODELS_DIR=../shared/models python scripts/bench_streams.py --frames 150 --n 1 2 4 \\
        --backends torch --live-n 4 --live-seconds 15                                      # a short look
    DETECT_MODELS_DIR=../shared/models python scripts/bench_streams.py --live-only --live-n 8   # live latency only
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from fractions import Fraction
from functools import partial
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
VIDEOS = REPO.parent / "shared" / "data" / "videos"
CLIPS = ("highway_udacity_solidWhiteRight.mp4", "highway_udacity_vehicle_test_video.mp4")
"""Both 16:9: every stream is letterboxed to the same 384x640, so one batch holds them all."""
BACKENDS = {
    "torch": {"model": "yolo11n.pt"},
    "openvino-int8": {"model": "yolo11n_int8_openvino_model"},
}
DETECT = [sys.executable, "-m", "detect"]


@dataclass
class Row:
    how: str
    backend: str
    n: int
    frames: int
    wall: float
    rss_mb: float
    note: str = ""

    @property
    def fps(self) -> float:
        return self.frames / self.wall if self.wall else 0.0


def looped_clip(clip: Path, frames: int, out: Path) -> Path:
    """The clip's packets repeated (remuxed, no re-encoding) until `frames` frames; the clip is
    demuxed again for every loop (a muxed packet gives its data to the muxer)."""
    import av

    with av.open(str(out), "w") as sink:
        target = None
        written, offset = 0, 0
        while written < frames:
            with av.open(str(clip)) as source:
                stream = source.streams.video[0]
                if target is None:
                    target = sink.add_stream_from_template(stream)
                rate = stream.average_rate or Fraction(25)
                step = int(round(1 / (rate * stream.time_base)))
                last = offset
                for packet in source.demux(stream):
                    if not packet.size or packet.pts is None:
                        continue
                    if written == frames:
                        break
                    packet.pts += offset
                    if packet.dts is not None:
                        packet.dts += offset
                    last = max(last, packet.pts)
                    packet.stream = target
                    sink.mux(packet)
                    written += 1
                offset = last + step
    return out


def stages(detector: dict) -> dict:
    return {"detector": {"type": "ultralytics", "batch": 4, "classes": ["car", "truck", "bus", "person"], **detector},
            "tracker": {"type": "bytetrack"},
            "annotators": [{"type": "boxes"}, {"type": "labels"}]}


def sinks(out: Path, name: str) -> list[dict]:
    return [{"type": "video", "path": str(out / f"{name}.mp4"), "preset": "ultrafast"},
            {"type": "jsonl", "path": str(out / f"{name}.jsonl")}]


def run_processes(commands: list[list[str]]) -> tuple[float, float, list[str]]:
    """Start every command at once; wall time to the last exit, the sum of peak RSS (MB), outputs."""
    peaks: list[float] = []
    outputs: list[str] = []
    start = time.monotonic()
    procs = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for c in commands]

    def reap(proc: subprocess.Popen) -> None:
        out = proc.stdout.read() if proc.stdout else ""
        err = proc.stderr.read() if proc.stderr else ""
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        peaks.append(usage.ru_maxrss / 1024)
        outputs.append(out + err)

    threads = [threading.Thread(target=reap, args=(p,)) for p in procs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - start, sum(peaks), outputs


def count_frames(paths: list[Path]) -> int:
    return sum(sum(1 for line in p.read_text().splitlines() if '"event"' not in line) for p in paths if p.exists())


def bench_separate(clips: list[Path], backend: str, work: Path) -> Row:
    out = work / f"a-{backend}-{len(clips)}"
    commands = []
    for i, clip in enumerate(clips):
        config = {"source": {"type": "video", "path": str(clip)}, **stages(BACKENDS[backend]),
                  "sinks": sinks(out, f"s{i}")}
        path = work / f"a-{backend}-{len(clips)}-{i}.yaml"
        path.write_text(yaml.safe_dump(config))
        commands.append([*DETECT, "run", str(path), "--quiet"])
    wall, rss, logs = run_processes(commands)
    frames = count_frames([out / f"s{i}.jsonl" for i in range(len(clips))])
    return Row("a: N processes", backend, len(clips), frames, wall, rss, _problems(logs))


def bench_one_process(clips: list[Path], backend: str, work: Path) -> Row:
    out = work / f"b-{backend}-{len(clips)}"
    config = {"streams": {f"s{i}": {"type": "video", "path": str(c)} for i, c in enumerate(clips)},
              **stages(BACKENDS[backend]), "sinks": sinks(out, "{stream}")}
    path = work / f"b-{backend}-{len(clips)}.yaml"
    path.write_text(yaml.safe_dump(config))
    wall, rss, logs = run_processes([[*DETECT, "run", str(path), "--quiet"]])
    frames = count_frames([out / f"s{i}.jsonl" for i in range(len(clips))])
    calls = re.search(r"\(([\d.]+) per call\)", logs[0])
    note = f"{calls.group(1)} frames/call" if calls else ""
    return Row("b: 1 process, N streams", backend, len(clips), frames, wall, rss, "; ".join(filter(None, [note, _problems(logs)])))


ULTRALYTICS_TRACK = """
import sys, collections
from ultralytics import YOLO
model = YOLO(sys.argv[1], task="detect")
counts = collections.Counter()
for result in model.track(source=sys.argv[2], stream=True, verbose=False, tracker="bytetrack.yaml",
                          classes=[0, 2, 5, 7], persist=True, stream_buffer=True, batch=4):
    counts[result.path] += 1
print("FRAMES", sum(counts.values()), len(counts))
"""


def bench_ultralytics(clips: list[Path], backend: str, work: Path, frames: int) -> Row:
    listing = work / f"c-{backend}-{len(clips)}.streams"
    listing.write_text("".join(f"{c}\n" for c in clips))
    model = str(Path(os.environ.get("DETECT_MODELS_DIR", VIDEOS.parent.parent / "models")) / BACKENDS[backend]["model"])
    wall, rss, logs = run_processes([[sys.executable, "-c", ULTRALYTICS_TRACK, model, str(listing)]])
    found = re.search(r"FRAMES (\d+) (\d+)", logs[0])
    if not found:
        return Row("c: ultralytics track", backend, len(clips), 0, wall, rss, "failed: " + _last_line(logs[0]))
    return Row("c: ultralytics track", backend, len(clips), int(found.group(1)), wall, rss,
               f"{found.group(1)} of {len(clips) * frames} frames")


def _problems(logs: list[str]) -> str:
    bad = [_last_line(log) for log in logs if "error" in log.lower() or "Traceback" in log]
    return f"{len(bad)} failed: {bad[0]}" if bad else ""


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:160] if lines else "(no output)"


def live_latency(n: int, seconds: float, fps: float, backend: str, work: Path) -> list[tuple[float, float]]:
    """p50/p95 (ms) per stream of one process reading N loopback cameras (N = 1: a `source:` run)."""
    from detect.sinks.base import staging_path
    from detect.testing.fake_camera import ClipServer, encode_clip

    jpegs = encode_clip(VIDEOS / CLIPS[0], max_frames=150)
    cameras = [ClipServer(jpegs, fps=fps).start() for _ in range(n)]
    try:
        out = work / f"live-{backend}-{n}"
        sources = {f"cam{i}": {"type": "stream", "path": c.url} for i, c in enumerate(cameras)}
        config: dict = {**stages(BACKENDS[backend]), "sinks": sinks(out, "{stream}" if n > 1 else "cam0")}
        if n == 1:
            config["source"] = sources["cam0"]
        else:
            config["streams"] = sources
        path = work / f"live-{backend}-{n}.yaml"
        path.write_text(yaml.safe_dump(config))
        proc = subprocess.Popen([*DETECT, "run", str(path), "--quiet"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        first = staging_path(out / "cam0.jsonl")
        deadline = time.monotonic() + 300
        while not (first.exists() and first.stat().st_size) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.5)  # the model loads before the first frame
        time.sleep(seconds)
        proc.send_signal(signal.SIGTERM)  # SIGINT stays ignored in a child of a background job
        text, err = proc.communicate(timeout=120)
    finally:
        for camera in cameras:
            camera.close()
    found = [(float(a), float(b)) for a, b in re.findall(r"latency p50 (\d+) ms,? p95 (\d+) ms", text)]
    if not found:
        print(f"live N={n}: no latency in the output:\n{text}\n{err[-2000:]}", file=sys.stderr)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, nargs="+", default=[1, 2, 4, 8], help="stream counts")
    parser.add_argument("--frames", type=int, default=1000, help="frames per stream (clips looped to this)")
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=list(BACKENDS))
    parser.add_argument("--ways", nargs="+", default=["a", "b", "c"], choices=["a", "b", "c"])
    parser.add_argument("--live-n", type=int, default=8, help="cameras for the live latency check (0: skip)")
    parser.add_argument("--live-seconds", type=float, default=30.0)
    parser.add_argument("--live-fps", type=float, default=25.0)
    parser.add_argument("--live-backend", default="openvino-int8", choices=list(BACKENDS))
    parser.add_argument("--live-only", action="store_true", help="only the live latency check")
    args = parser.parse_args()
    os.environ.setdefault("YOLO_OFFLINE", "1")
    with tempfile.TemporaryDirectory(prefix="bench-streams-") as tmp:
        work = Path(tmp)
        if args.live_only:
            args.n, args.backends = [], []
        loops = [looped_clip(VIDEOS / c, args.frames, work / f"loop{i}.mp4") for i, c in enumerate(CLIPS)] if args.n else []
        rows: list[Row] = []
        benches = {"a": bench_separate, "b": bench_one_process, "c": partial(bench_ultralytics, frames=args.frames)}
        for backend in args.backends:
            for n in args.n:
                clips = [loops[i % len(loops)] for i in range(n)]
                for way in args.ways:
                    rows.append(benches[way](clips, backend, work))
                    print(_row_text(rows[-1]), flush=True)
        if rows:
            print()
            print(_table(rows, args.frames))
        if args.live_n:
            print()
            single = live_latency(1, args.live_seconds, args.live_fps, args.live_backend, work)
            many = live_latency(args.live_n, args.live_seconds, args.live_fps, args.live_backend, work)
            if single and many:
                worst = max(p95 for _, p95 in many)
                print(f"live ({args.live_backend}, {args.live_fps:g} fps cameras, {args.live_seconds:g} s): N=1 p50/p95 "
                      f"{single[0][0]:.0f}/{single[0][1]:.0f} ms; N={args.live_n} per stream p95 "
                      f"{', '.join(f'{p95:.0f}' for _, p95 in many)} ms; worst p95 / single p95 = "
                      f"{worst / single[0][1]:.2f} (target <= 3)")


def _row_text(r: Row) -> str:
    return (f"{r.how:<24} {r.backend:<14} N={r.n:<2} {r.frames:>6} frames {r.wall:7.1f} s {r.fps:6.1f} fps "
            f"({r.fps / r.n:5.1f}/stream) peak RSS {r.rss_mb:7.0f} MB {r.note}")


def _table(rows: list[Row], frames: int) -> str:
    lines = ["| backend | N | way | frames | wall s | fps (all) | fps/stream | peak RSS MB | (b)/(a) fps | "
             "RSS (b)/(a) | note |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        a = next((x for x in rows if x.backend == r.backend and x.n == r.n and x.how.startswith("a")), None)
        ratio = rss = ""
        if r.how.startswith("b") and a is not None and a.fps:
            ratio, rss = f"{r.fps / a.fps:.2f}", f"{r.rss_mb / a.rss_mb:.2f}"
        lines.append(f"| {r.backend} | {r.n} | {r.how} | {r.frames} | {r.wall:.1f} | {r.fps:.1f} | {r.fps / r.n:.1f} "
                     f"| {r.rss_mb:.0f} | {ratio} | {rss} | {r.note} |")
    return f"{frames} frames per stream\n" + "\n".join(lines)


if __name__ == "__main__":
    main()
