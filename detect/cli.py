"""`detect run | batch | validate | list | eval | bench`: user errors print as one line, real bugs as tracebacks."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from detect import __version__
from detect.errors import (
    EXIT_BUG,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_USER_ERROR,
    DetectError,
)
from detect.quick_run import add_run_flags
from detect.redaction import redact_logging, redact_text

if TYPE_CHECKING:
    from detect.pipeline import RunResult

os.environ.setdefault("YOLO_VERBOSE", "False")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO,
                        format="%(levelname)s: %(message)s", stream=sys.stderr)
    redact_logging(logging.getLogger().handlers)
    try:
        return int(args.func(args) or EXIT_OK)
    except DetectError as exc:
        print(f"error: {redact_text(str(exc))}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted before the first frame; nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BUG


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="detect", description="Tracked, annotated object detection on videos, cameras and streams.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
               "  detect run clip.mp4                          # the dashcam pipeline -> runs/clip.mp4 + .jsonl\n"
               "  detect run photos/ --classes car,person      # an annotated image per input -> runs/photos/\n"
               "  detect run configs/adas.yaml --source drive.mp4\n"
               "  detect validate configs/fast.yaml            # check a config without running it\n"
               "  detect eval --gt gt.txt --pred runs/clip.jsonl\n"
               "  detect bench configs/bench.yaml\n"
               "\n'detect COMMAND --help' shows each command's options and more examples.")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar or info logs")
    parser.add_argument("--version", action="version", version=f"detect {__version__}")
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="debug logs, and third-party warnings (e.g. during a model export)")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser(
        "run", help="run a pipeline from a YAML config, or the dashcam pipeline on a source",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
               "  detect run clip.mp4                               # boxes, ids, trails -> runs/clip.mp4 + .jsonl\n"
               "  detect run bus.jpg                                # an image -> runs/bus/bus.jpg + runs/bus.jsonl\n"
               "  detect run photos/ --classes person --conf 0.4    # each image on its own -> runs/photos/<name>\n"
               "  detect run 'shots/*.png'                          # a glob of images (quoted)\n"
               "  detect run KITTI-17/img1 --as-video               # consecutive frames: tracked -> runs/img1.mp4\n"
               "  detect run 0 --out runs/cam                       # a webcam (index or /dev/videoN)\n"
               "  detect run rtsp://cam/stream1 --jsonl-only        # a network stream\n"
               "  detect run configs/adas.yaml --source drive.mp4   # a config, another source\n"
               "  detect run configs/dashcam.yaml --set detector.conf=0.4 --model yolov8n.pt\n"
               "  detect run /abs/configs/dashcam.yaml              # paths in a config: relative to its folder\n"
               "\npaths: those written in a config resolve against the config file's folder; --source, --out,\n"
               "--model and --set values against the current directory.")
    _config_args(run, "a pipeline YAML, or a source to run the default dashcam pipeline on: a video, a folder "
                      "or glob of images, a camera index or /dev/videoN, or a URL")
    add_run_flags(run)
    run.add_argument("--quiet", "-q", action="store_true", help="no progress bar or info logs")
    run.add_argument("--verbose", "-v", action="store_true", default=argparse.SUPPRESS,
                     help="debug logs, and third-party warnings (e.g. during a model export)")
    run.set_defaults(func=cmd_run)

    batch = sub.add_parser(
        "batch", help="run one config over many video files: resumable, on a process pool or a Ray cluster",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
               "  detect batch configs/dashcam.yaml --inputs \"clips/**/*.mp4\" --out runs/fleet\n"
               "  detect batch configs/dashcam.yaml --inputs manifest.csv --out runs/fleet --workers 2\n"
               "  detect batch configs/dashcam.yaml --inputs clips/ --out runs/fleet --engine ray --address auto\n"
               "exit codes: 0 every input done, 3 some failed (summary.csv), 2 user error, 130 interrupted")
    from detect.batch.command import add_batch_arguments

    add_batch_arguments(batch)
    batch.set_defaults(func=cmd_batch)

    validate = sub.add_parser("validate", help="check a config without running it")
    _config_args(validate)
    validate.add_argument("--quiet", "-q", action="store_true", help=argparse.SUPPRESS)
    validate.set_defaults(func=cmd_validate)

    evaluate = sub.add_parser("eval", help="score a tracking output against ground truth")
    from detect.evaluation.command import add_eval_arguments

    add_eval_arguments(evaluate)
    evaluate.add_argument("--quiet", "-q", action="store_true", help=argparse.SUPPRESS)
    evaluate.set_defaults(func=cmd_eval)

    bench = sub.add_parser("bench", help="benchmark detectors x trackers x clips: speed and accuracy")
    from detect.bench.command import add_bench_arguments

    add_bench_arguments(bench)
    bench.set_defaults(func=cmd_bench)

    listing = sub.add_parser("list", help="registered stage types and their parameters")
    listing.add_argument("--quiet", "-q", action="store_true", help=argparse.SUPPRESS)
    listing.set_defaults(func=cmd_list)
    return parser


def _config_args(parser: argparse.ArgumentParser, what: str = "pipeline YAML file") -> None:
    parser.add_argument("config", metavar="config" if what.startswith("pipeline") else "CONFIG_OR_SOURCE", help=what)
    parser.add_argument("--source", action="append", metavar="SOURCE",
                        help="replace the source (a video, an image, a folder or glob of images, a camera, a "
                             "URL); relative to the current directory; repeat it for several streams in one "
                             "process, each named after its file stem")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a config value, e.g. detector.conf=0.4 or sinks.0.path=out.mp4 "
                             "(a path here is relative to the current directory)")


def cmd_run(args: argparse.Namespace) -> int:
    from detect.config import apply_overrides, parse, source_override
    from detect.config_paths import read_config
    from detect.multi_command import run_streams
    from detect.pipeline import build
    from detect.progress import Progress
    from detect.quick_run import (
        apply_flags,
        is_config,
        number_image_folders,
        quick_pipeline,
    )
    from detect.streams import is_multi, sources_as_streams

    sources = args.source or []
    if is_config(args.config):
        data = apply_overrides(read_config(args.config), args.overrides)
        if len(sources) > 1 or (sources and is_multi(data)):
            data = sources_as_streams(data, sources)
        elif sources:
            data["source"] = source_override(data.get("source"), sources[0])
        apply_flags(data, args)
        if is_multi(data):
            return run_streams(data, str(args.config), args.quiet)
        number_image_folders(data, args)
        config = parse(data, path=str(args.config))
    else:
        if sources:
            raise DetectError(f"{args.config} is already the source; give a source once: 'detect run SOURCE' "
                              "or 'detect run CONFIG.yaml --source SOURCE'")
        data = apply_overrides(quick_pipeline(args.config, args), args.overrides)
        config = parse(data)
    pipeline = build(config)
    with Progress(enabled=not args.quiet and sys.stderr.isatty()) as progress, stop_signals(pipeline):
        result = pipeline.run(on_start=progress.start, on_packet=progress.update)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"done: {result.summary()}")
    if getattr(args, "verbose", False) and result.frames:
        print(f"speed: {result.stage_line()}")
    if pipeline.live:
        for line in [*pipeline.source.stage.live_report(), _latency_line(result)]:
            print(f"live: {line}")
    return _exit_code(result, pipeline.live)


def _exit_code(result: RunResult, live: bool) -> int:
    """EXIT_OK when the whole input was covered (a live run has no end: a stop is its end)."""
    if result.frames == 0 or result.warnings or (result.interrupted and not live):
        return EXIT_PARTIAL
    return EXIT_OK


class Stoppable(Protocol):
    """A run the signal handler can stop: a Pipeline, or a MultiPipeline (every stream)."""

    running: bool

    def interrupt(self) -> None: ...

    def request_stop(self, reason: str) -> None: ...


@contextlib.contextmanager
def stop_signals(pipeline: Stoppable) -> Iterator[None]:
    """SIGTERM (systemd, docker stop, kill) stops a run exactly like Ctrl-C, through the run's
    stop token: in-flight frames are drained and every output is closed complete. A live source
    is first told to stop waiting, so the stop stays prompt during an outage. Before the first
    frame (a model loading) nothing is written yet, so the signal aborts start-up at once. A
    SIGINT the parent chose to ignore stays ignored."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        pipeline.interrupt()
        if not pipeline.running:
            raise KeyboardInterrupt
        pipeline.request_stop(signal.Signals(signum).name)

    wanted = [signal.SIGTERM] + ([signal.SIGINT] if signal.getsignal(signal.SIGINT) is signal.default_int_handler else [])
    previous = {signum: signal.signal(signum, stop) for signum in wanted}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _latency_line(result: RunResult) -> str:
    """Capture -> all outputs written, p50/p95, and the share of frames dropped as stale."""
    latency = result.latency.percentiles_ms()
    read = result.frames + result.dropped
    text = (f"latency p50 {latency['p50']:.0f} ms, p95 {latency['p95']:.0f} ms (capture -> written); "
            if latency else "no frames; ")
    return text + f"{result.dropped} of {read} frames dropped as stale ({result.dropped / max(1, read):.0%})"


BENCH_KEYS = frozenset({"detectors", "trackers", "clips"})
"""Top-level keys that make a YAML file a `detect bench` spec rather than a pipeline."""


def cmd_validate(args: argparse.Namespace) -> int:
    from detect.config import load, load_yaml
    from detect.validate import check_resources

    data = load_yaml(args.config)
    if BENCH_KEYS & set(data) and not {"source", "detector"} & set(data):
        from detect.bench.combos import expand_spec
        from detect.bench.spec import load_spec

        combinations = expand_spec(load_spec(args.config, args.overrides), str(args.config))
        print(f"ok: {args.config} (a detect bench spec: {len(combinations)} combinations)")
        return EXIT_OK
    sources = args.source or []
    if len(sources) > 1 or "streams" in data:
        from detect.multi_command import validate_streams

        count = validate_streams(args.config, args.overrides, sources)
        print(f"ok: {args.config} ({count} streams)")
        return EXIT_OK
    config = load(args.config, args.overrides, sources[0] if sources else None)
    check_resources(config)
    print(f"ok: {args.config}")
    return EXIT_OK


def cmd_batch(args: argparse.Namespace) -> int:
    from detect.batch.command import batch_main

    return batch_main(args)


def cmd_eval(args: argparse.Namespace) -> int:
    from detect.evaluation.command import eval_main

    return eval_main(args)


def cmd_bench(args: argparse.Namespace) -> int:
    from detect.bench.command import bench_main

    return bench_main(args)


def cmd_list(args: argparse.Namespace) -> int:
    from detect import stages  # noqa: F401
    from detect.registry import REGISTRIES, describe

    for role, registry in REGISTRIES.items():
        print(f"{role}:")
        names = registry.names()
        for name, reason in sorted(registry.broken.items()):
            print(f"  {name:<12} BROKEN: {reason}")
        for name in names:
            cls = registry.get(name)
            print(f"  {name:<12} {describe(cls)}")
            for field_name, info in cls.Params.model_fields.items():
                print(f"      {field_name}: {info.description or ''} ({_default_text(info)})")
    return 0


def _default_text(info: Any) -> str:
    """`required`, `optional` (no default), or the default as YAML would spell it."""
    from pydantic import BaseModel

    if info.is_required():
        return "required"
    value = info.get_default(call_default_factory=True)
    if value is None:
        return "optional"
    if isinstance(value, BaseModel):
        value = value.model_dump()
    return f"default {value!r}"


if __name__ == "__main__":
    sys.exit(main())
