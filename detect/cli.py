"""`detect run | validate | list`: user errors print as one line, real bugs as tracebacks."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from detect.errors import DetectError

os.environ.setdefault("YOLO_VERBOSE", "False")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO,
                        format="%(levelname)s: %(message)s", stream=sys.stderr)
    try:
        return int(args.func(args) or 0)
    except DetectError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="detect", description="Tracked, annotated object detection on videos, cameras and streams.")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar or info logs")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run a pipeline from a YAML config")
    _config_args(run)
    run.add_argument("--quiet", "-q", action="store_true", help="no progress bar or info logs")
    run.set_defaults(func=cmd_run)

    validate = sub.add_parser("validate", help="check a config without running it")
    _config_args(validate)
    validate.add_argument("--quiet", "-q", action="store_true", help=argparse.SUPPRESS)
    validate.set_defaults(func=cmd_validate)

    evaluate = sub.add_parser("eval", help="score a tracking output against ground truth")
    from detect.bench.eval_args import add_eval_arguments

    add_eval_arguments(evaluate)
    evaluate.add_argument("--quiet", "-q", action="store_true", help=argparse.SUPPRESS)
    evaluate.set_defaults(func=cmd_eval)

    listing = sub.add_parser("list", help="registered stage types and their parameters")
    listing.add_argument("--quiet", "-q", action="store_true", help=argparse.SUPPRESS)
    listing.set_defaults(func=cmd_list)
    return parser


def _config_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", help="pipeline YAML file")
    parser.add_argument("--source", help="replace the source path (file, folder/glob, or URL)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a config value, e.g. detector.conf=0.4 or sinks.0.path=out.mp4")


def cmd_run(args: argparse.Namespace) -> int:
    from detect.config import load
    from detect.pipeline import build
    from detect.progress import Progress

    config = load(args.config, args.overrides, args.source)
    pipeline = build(config)
    with Progress(enabled=not args.quiet and sys.stderr.isatty()) as progress:
        result = pipeline.run(on_start=progress.start, on_packet=progress.update)
    print(f"done: {result.summary()}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from detect.config import load
    from detect.validate import check_resources

    config = load(args.config, args.overrides, args.source)
    check_resources(config)
    print(f"ok: {args.config}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from detect.bench.eval_command import eval_main

    return eval_main(args)


def cmd_list(args: argparse.Namespace) -> int:
    from detect import stages  # noqa: F401
    from detect.registry import REGISTRIES, describe

    for role, registry in REGISTRIES.items():
        print(f"{role}:")
        for name in registry.names():
            cls = registry.get(name)
            print(f"  {name:<12} {describe(cls)}")
            for field_name, info in cls.Params.model_fields.items():
                default = "required" if info.is_required() else f"default {info.get_default(call_default_factory=True)!r}"
                print(f"      {field_name}: {info.description or ''} ({default})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
