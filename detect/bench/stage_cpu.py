"""CPU time per frame of each stage of a pipeline, each stage run alone on the same frames.

In a threaded run the stages overlap and their helper threads (FFmpeg's frame threads,
OpenVINO's workers, x264's threads) are nobody's Python thread, so a stage's own thread time
misses most of its cost. Here each stage runs on its own over the same frames, and its cost is
the whole process's CPU time (user + system, every thread) across the loop, flush included,
divided by the frames: what that stage takes away from the others on a busy machine. Stages
that make a new full-size picture are timed with the result dropped (see `_discarded`), as
memory is recycled in a run.

The stages are the config's own (source, detector, tracker, analytics, annotators, sinks); the
detector is split into preprocess (letterbox + blob), inference and postprocess (decode + NMS),
the source into decode and conversion to BGR, the video sink into conversion to I420 and
encoding, exactly as they run in `detect run`.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from detect.config import PipelineConfig, parse
from detect.contract import PhasedDetector
from detect.pipeline import Pipeline, _packet
from detect.types import Detections, Frame, Packet

FRAME_BUDGET_BYTES = 600 * 2**20
"""Decoded frames are held in memory so every stage sees the same ones: at most this much."""
NON_INFERENCE = ("decode", "to_bgr", "preprocess", "postprocess", "track", "analytics", "annotate",
                 "to_yuv", "encode", "jsonl", "other sinks")


@dataclass(frozen=True)
class StageCPU:
    """Process CPU milliseconds per frame by stage, over `frames` frames of a `width`x`height` clip."""

    frames: int
    width: int
    height: int
    ms: dict[str, float]

    @property
    def inference_ms(self) -> float:
        return self.ms.get("inference", 0.0)

    @property
    def outside_inference_ms(self) -> float:
        return sum(v for k, v in self.ms.items() if k != "inference")

    @property
    def outside_share(self) -> float:
        """CPU outside inference as a fraction of inference CPU (the issue's 35 % bar at 720p)."""
        return self.outside_inference_ms / self.inference_ms if self.inference_ms else float("nan")

    def table(self) -> str:
        rows = [f"  {name:<12} {value:7.2f} ms" for name, value in self.ms.items()]
        rows.append(f"  {'outside inf.':<12} {self.outside_inference_ms:7.2f} ms = "
                    f"{100 * self.outside_share:.0f} % of inference")
        return "\n".join(rows)


def _discarded(fn: Callable[..., Any]) -> Callable[..., None]:
    """`fn` with its result dropped at once. A timed loop that kept every full-size picture would
    touch fresh memory for each (page faults: at 1080p more than the conversion itself), where a
    running pipeline frees a frame's pictures and reuses their memory for the next ones."""
    def call(*args: Any) -> None:
        fn(*args)
    return call


def _cpu_ms(fn: Callable[[], Any], frames: int) -> tuple[float, Any]:
    start = time.process_time()
    out = fn()
    return 1000.0 * (time.process_time() - start) / max(frames, 1), out


def measure(config: PipelineConfig, max_frames: int = 200) -> StageCPU:
    """Run each stage of `config` alone over the first frames of its (file) source."""
    import av

    from detect.sources.video import to_bgr

    data = copy.deepcopy(config.data)
    with tempfile.TemporaryDirectory(prefix="detect-stage-cpu-") as tmp:
        for i, sink in enumerate(data.get("sinks") or []):
            if isinstance(sink, dict) and "path" in sink:
                sink["path"] = str(Path(tmp) / f"{i}{Path(sink['path']).suffix}")
        pipeline = Pipeline(parse(data, config.path))
        source = pipeline.source.stage
        with contextlib.ExitStack() as stack:
            info = source.open()
            stack.callback(source.close)
            frame_bytes = info.width * info.height * 3
            count = max(8, min(max_frames, FRAME_BUDGET_BYTES // (2 * frame_bytes)))
            path = source.params.path
            threads = getattr(source.params, "threads", 0)

            def decoded(convert: Callable[[Any], Any] | None) -> list[Any]:
                out = []
                with av.open(path) as container:
                    stream = container.streams.video[0]
                    stream.thread_type = "AUTO"
                    if threads:
                        stream.codec_context.thread_count = threads
                    for frame in container.decode(stream):
                        out.append(convert(frame) if convert else None)
                        if len(out) == count:
                            break
                return out

            ms: dict[str, float] = {}
            decode_ms, _ = _cpu_ms(lambda: decoded(None), count)
            both_ms, _ = _cpu_ms(lambda: decoded(_discarded(to_bgr)), count)
            images = decoded(to_bgr)
            count = len(images)
            ms["decode"], ms["to_bgr"] = decode_ms, max(0.0, both_ms - decode_ms)

            detector = pipeline.detector.stage
            detector.open(info)
            stack.callback(detector.close)
            detector.warmup()
            found = _detector_cpu(detector, images, ms)
            labels = tuple(detector.labels)
            packets = [dataclasses.replace(_packet(Frame(image=image, index=i, pts_s=i / info.fps,
                                                         source_id=info.source_id), 0.0),
                                           detections=dets, labels=labels)
                       for i, (image, dets) in enumerate(zip(images, found))]
            pipeline.labels = labels
            if pipeline.tracker is not None:
                tracker = pipeline.tracker.stage

                def track() -> list[Packet]:
                    return [dataclasses.replace(pk, detections=tracker.update(pk.detections, pk.frame))
                            for pk in packets]
                ms["track"], packets = _cpu_ms(track, count)
            if pipeline.analytics:
                def analyse(items: Iterable[Packet]) -> list[Packet]:
                    out = []
                    for pk in items:
                        for item in pipeline.analytics:
                            pk = item.stage.process(pk)
                        out.append(pk)
                    return out
                ms["analytics"], packets = _cpu_ms(lambda: analyse(packets), count)
            if pipeline.drawing:
                ms["annotate"], _ = _cpu_ms(lambda: [_discarded(pipeline.drawing.draw)(pk) for pk in packets], count)
                packets = [pipeline.drawing.draw(pk) for pk in packets]
            ms.update(_sink_cpu(pipeline, info, packets, count))
    return StageCPU(frames=count, width=info.width, height=info.height, ms=ms)


def _detector_cpu(detector: Any, images: list[np.ndarray], ms: dict[str, float]) -> list[Detections]:
    """Preprocess, inference and postprocess over every frame in the detector's batches; a
    detector without those parts (a plugin's) is one `inference` figure."""
    batches = [images[i:i + max(1, detector.batch)] for i in range(0, len(images), max(1, detector.batch))]
    count = len(images)
    if not isinstance(detector, PhasedDetector):
        ms["inference"], found = _cpu_ms(lambda: [d for b in batches for d in detector.detect(b)], count)
        return found
    ms["preprocess"], prepared = _cpu_ms(lambda: [detector.prepare(b) for b in batches], count)
    ms["inference"], raws = _cpu_ms(lambda: [detector.infer_prepared(p.blob) for p in prepared], count)
    ms["postprocess"], found = _cpu_ms(lambda: [d for p, raw in zip(prepared, raws, strict=True)
                                                for d in detector.finish(p, raw)], count)
    return found


def _sink_cpu(pipeline: Pipeline, info: Any, packets: list[Packet], count: int) -> dict[str, float]:
    """Each sink's writes and close (an encoder's flush) over every frame; the video sink split
    into its BGR -> I420 conversion and the encoder."""
    from detect.sinks.h264_file import even_size, to_yuv420
    from detect.sinks.jsonl import JsonlSink
    from detect.sinks.video import VideoSink

    ms: dict[str, float] = {}
    for item in pipeline.sinks:
        sink = item.stage
        sink.open(info)

        def write_all() -> None:
            for pk in packets:
                sink.write(pk)
            sink.close()
        spent, _ = _cpu_ms(write_all, count)
        if isinstance(sink, VideoSink):
            size = even_size(info.width, info.height)
            convert, _ = _cpu_ms(lambda: [_discarded(to_yuv420)(pk.canvas if pk.canvas is not None else pk.frame.image,
                                                              size) for pk in packets], count)
            ms["to_yuv"] = ms.get("to_yuv", 0.0) + convert
            ms["encode"] = ms.get("encode", 0.0) + max(0.0, spent - convert)
        elif isinstance(sink, JsonlSink):
            ms["jsonl"] = ms.get("jsonl", 0.0) + spent
        else:
            ms["other sinks"] = ms.get("other sinks", 0.0) + spent
    return ms
