"""Decoding packet by packet, so damaged data costs the frames it holds and nothing after it.

FFmpeg's usual loop (`container.decode`) raises at the first packet the decoder refuses, which
ends a file at its first damaged spot although what follows decodes fine (20 KB of garbage in
the middle of a 90-frame clip lost half of it). Here each packet is decoded on its own: one the
decoder refuses is skipped and counted, and decoding goes on with the next. Only the container
failing to give a next packet (a file cut off part-way) ends the loop early.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass
class Damage:
    """What one decode loop skipped, and why it ended early if it did; read while or after it runs."""

    skipped_packets: int = 0
    first_error: str = ""
    stopped: str | None = None
    """The container's error when it could give no further packet (a cut-off file)."""


def decode_skipping_damage(container: Any, stream: Any, damage: Damage) -> Iterator[Any]:
    """`stream`'s frames (av.VideoFrame) in decode order; damaged packets are counted in `damage`."""
    import av

    packets = container.demux(stream)
    while True:
        try:
            packet = next(packets)
        except StopIteration:
            return
        except av.FFmpegError as exc:
            damage.stopped = str(exc)
            return
        try:
            frames = packet.decode()
        except av.FFmpegError as exc:
            damage.skipped_packets += 1
            damage.first_error = damage.first_error or str(exc)
            continue
        yield from frames
