import pytest

from detect import stages  # noqa: F401
from detect.params import StageParams
from detect.registry import REGISTRIES, Registry, describe


def test_builtins_are_registered_per_role():
    assert {"video", "images"} <= set(REGISTRIES["source"].names())
    assert "ultralytics" in REGISTRIES["detector"].names()
    assert {"bytetrack", "botsort", "none"} <= set(REGISTRIES["tracker"].names())
    assert {"boxes", "labels", "trails"} <= set(REGISTRIES["annotator"].names())
    assert {"video", "jsonl", "mot"} <= set(REGISTRIES["sink"].names())


def test_duplicates_and_missing_params_are_refused():
    reg = Registry("test")

    @reg.register("a")
    class A:
        class Params(StageParams):
            pass

    with pytest.raises(ValueError, match="already registered"):
        reg.register("a")(A)
    with pytest.raises(TypeError, match="pydantic Params"):
        reg.register("b")(type("B", (), {}))


def test_suggestion_and_description():
    assert "did you mean 'bytetrack'" in REGISTRIES["tracker"].suggest("bytetrak")
    assert describe(REGISTRIES["sink"].get("mot")).startswith("Tracked boxes only")
