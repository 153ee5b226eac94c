"""The bundled sample is the MIT-licensed Udacity highway clip, in a form browsers stream, with its
licence beside it; the README's pictures stay small."""

from __future__ import annotations

import av
import numpy as np
from conftest import REPO, require

SAMPLE = REPO / "sample_videos" / "highway.mp4"
SOURCE_NAME = "highway_udacity_solidWhiteRight.mp4"


def test_the_sample_is_h264_yuv420p_with_the_index_first_and_small() -> None:
    data = SAMPLE.read_bytes()
    assert len(data) < 3_000_000
    assert data.find(b"moov") < data.find(b"mdat"), "faststart: a browser can play it while it downloads"
    with av.open(str(SAMPLE)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.name, stream.codec_context.pix_fmt) == ("h264", "yuv420p")
        assert (stream.codec_context.width, stream.codec_context.height, stream.average_rate) == (960, 540, 25)
        assert sum(1 for _ in container.decode(stream)) == 221


def test_the_sample_is_the_udacity_footage_frame_for_frame(shared_videos) -> None:
    source = require(shared_videos / SOURCE_NAME, "the Udacity clip the sample is cut from")
    with av.open(str(SAMPLE)) as ours, av.open(str(source)) as theirs:
        pairs = list(zip(ours.decode(video=0), theirs.decode(video=0)))
    assert len(pairs) == 221
    for mine, original in pairs[::20]:
        a, b = (f.to_ndarray(format="gray").astype(np.float64) for f in (mine, original))
        psnr = 10 * np.log10(255**2 / np.mean((a - b) ** 2))
        assert psnr > 35, f"frame {mine.index}: {psnr:.1f} dB from the source"


def test_licence_and_attribution_ship_with_it() -> None:
    notes = (REPO / "sample_videos" / "README.md").read_text()
    for needed in ("MIT License", "Copyright (c) 2016-2019 Udacity, Inc.", "https://github.com/udacity/CarND-LaneLines-P1",
                   "Permission is hereby granted, free of charge"):
        assert needed in notes
    readme = (REPO / "README.md").read_text()
    for picture in ("sample_dashcam.jpg", "sample_adas.jpg"):
        path = REPO / "docs" / "images" / picture
        assert path.stat().st_size < 300_000
        caption = readme[readme.index(f"docs/images/{picture}"):][:600]
        assert "Udacity" in caption and "MIT" in caption, f"{picture} is shown with its attribution"
