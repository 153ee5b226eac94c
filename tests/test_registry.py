"""The registry checks every stage against its role's contract, built-in or plugin."""

import pytest

from detect import stages  # noqa: F401
from detect.contract import Sink
from detect.params import StageParams
from detect.registry import REGISTRIES, Registry, describe


def test_builtins_are_registered_per_role():
    assert {"video", "images"} <= set(REGISTRIES["source"].names())
    assert "ultralytics" in REGISTRIES["detector"].names()
    assert {"bytetrack", "botsort", "none"} <= set(REGISTRIES["tracker"].names())
    assert {"boxes", "labels", "trails"} <= set(REGISTRIES["annotator"].names())
    assert {"video", "jsonl", "mot"} <= set(REGISTRIES["sink"].names())


def test_duplicates_and_missing_params_are_refused():
    reg = Registry("sink")

    @reg.register("a")
    class A(Sink):
        class Params(StageParams):
            pass

        def open(self, info) -> None: ...
        def write(self, packet) -> None: ...
        def close(self) -> None: ...

    with pytest.raises(ValueError, match="already registered"):
        reg.register("a")(A)
    with pytest.raises(TypeError, match="pydantic Params"):
        reg.register("b")(type("B", (), {}))


def test_a_stage_that_misses_part_of_its_contract_is_refused_by_name():
    reg = Registry("sink")

    class NoWrite(Sink):
        class Params(StageParams):
            pass

        def open(self, info) -> None: ...
        def close(self) -> None: ...

    with pytest.raises(TypeError, match=r"sink 'c' \(.*NoWrite\) does not meet the sink contract: missing write$"):
        reg.register("c")(NoWrite)

    class DuckSink:
        """Not a subclass: every member the runtime calls must be there, optional ones too."""

        class Params(StageParams):
            pass

        def open(self, info) -> None: ...
        def write(self, packet) -> None: ...
        def close(self) -> None: ...

    with pytest.raises(TypeError, match="missing attach, check, fail, outputs"):
        reg.register("d")(DuckSink)


def test_suggestion_and_description():
    assert "did you mean 'bytetrack'" in REGISTRIES["tracker"].suggest("bytetrak")
    assert describe(REGISTRIES["sink"].get("mot")).startswith("Tracked boxes only")


def test_every_built_in_stage_dumps_its_defaults_without_pydantic_warnings() -> None:
    """A default that does not fit its own annotation (0 for `float | dict`) makes pydantic print a
    serializer warning on stderr of every run that dumps the config: one-line errors get longer."""
    import warnings

    from pydantic import TypeAdapter
    from pydantic_core import PydanticUndefined

    from detect.registry import REGISTRIES

    checked = 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for registry in REGISTRIES.values():
            for name in registry.names():
                for field in registry.get(name).Params.model_fields.values():
                    if field.default is not PydanticUndefined and field.default is not None:
                        TypeAdapter(field.annotation).dump_python(field.default)
                        checked += 1
    assert checked > 100
