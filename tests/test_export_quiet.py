"""A first export says one line of its own; the exporters' warnings and logs show only with --verbose."""

from __future__ import annotations

import logging
import warnings

from detect.detectors import export_cache


def test_exporter_noise_is_silenced_and_levels_restored(caplog) -> None:
    ultralytics_like = logging.getLogger("test.exporter")
    ultralytics_like.setLevel(logging.INFO)
    nncf = logging.getLogger("nncf")
    before = nncf.level
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with export_cache._quiet_third_party(ultralytics_like):
            warnings.warn("torch.jit.trace is deprecated", FutureWarning, stacklevel=1)
            nncf.info("INFO:nncf: compressing weights")
            assert not nncf.isEnabledFor(logging.INFO) and not ultralytics_like.isEnabledFor(logging.INFO)
    assert not seen, "third-party warnings are not shown"
    assert nncf.level == before and ultralytics_like.level == logging.INFO


def test_verbose_shows_everything() -> None:
    export_cache.log.setLevel(logging.DEBUG)
    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            with export_cache._quiet_third_party(logging.getLogger("test.exporter")):
                warnings.warn("shown", FutureWarning, stacklevel=1)
        assert len(seen) == 1
    finally:
        export_cache.log.setLevel(logging.NOTSET)
