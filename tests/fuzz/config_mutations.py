"""A seeded, deterministic generator of broken configs made from the project's own configs/*.yaml.

Each case is the bytes of a config file plus extra CLI arguments. Mutations: keys misspelt or
deleted, values of the wrong type, huge/negative/NaN/inf numbers, 1 MB strings, NUL bytes,
unicode, deep nesting, YAML tags and aliases, non-UTF-8 bytes, binary junk, truncated text and
`--set` overrides with bad syntax. The same seed always gives the same cases.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from fuzz_material import REPO

SEED = 20261202


@dataclass(frozen=True)
class ConfigCase:
    name: str
    text: bytes
    extra: tuple[str, ...] = ()
    runnable: bool = False
    """The config reads the shared clip (a video source), so `detect run` may be tried on it."""


def base_configs(clip: Path, models: Path) -> dict[str, dict[str, Any]]:
    """The pipeline configs of configs/, pointed at the shared clip; fast.yaml uses the shipped
    OpenVINO export instead of exporting (and INT8-calibrating) during the fuzz run."""
    bases = {}
    for path in sorted((REPO / "configs").glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        if not isinstance(data, dict) or "source" not in data:
            continue
        if data["source"].get("type") == "video":
            data["source"]["path"] = str(clip)
        if path.stem == "fast":
            data["detector"]["model"] = str(models / "yolo11n_int8_openvino_model")
            data["detector"].pop("int8", None)
        bases[path.stem] = data
    return bases


def dump(data: Any) -> bytes:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode()


def _nodes(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path in the tree (mapping keys and list indexes)."""
    found = []
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else []
    for key, value in items:
        found.append((*path, key))
        found.extend(_nodes(value, (*path, key)))
    return found


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        data = data[key]
    return data


def _typo(rng: random.Random, word: str) -> str:
    if not word:
        return "x"
    i = rng.randrange(len(word))
    return rng.choice([word[:i] + word[i + 1:], word[:i] + rng.choice("aeiouxz_") + word[i:],
                       word[:i] + word[i].upper() + word[i + 1:], word + word[-1], word.replace("_", "-")]) or "x"


HUGE_NUMBERS = [1e308, -1e308, float("nan"), float("inf"), float("-inf"), 2 ** 63, -(2 ** 63), 10 ** 100, -1, 0,
                -0.0, 1e-320, 4097, 65536, 2 ** 31]
WRONG_TYPES: list[Any] = [None, True, "abc", "", [], {}, [1, 2], {"a": 1}, 3, 2.5, "1e3", "true", [[[]]],
                          {"type": "video"}, "0x10"]
STRANGE_STRINGS = ["a\x00b", "\x00", "汽车", "car\u200b", "\u202etxt.mp4", "é" * 50, "😀" * 20, " car ", "\t",
                   "../../../etc/passwd", "/dev/zero", "~", "%s%n", "{0}", "nul\x00.pt", "x" * 200_000, "\ufeff",
                   "NaN", "null", "*", "[car", "rtsp://", "http://[::1", "cuda:99", "cuda:", "/dev/video99"]


def _set(rng: random.Random, data: dict[str, Any], value_of: Callable[[random.Random], Any]) -> str:
    path = rng.choice(_nodes(data))
    _parent(data, path)[path[-1]] = value_of(rng)
    return "/".join(map(str, path))


def _rename(rng: random.Random, data: dict[str, Any]) -> str:
    keys = [p for p in _nodes(data) if isinstance(p[-1], str)]
    path = rng.choice(keys)
    parent = _parent(data, path)
    parent[_typo(rng, path[-1])] = parent.pop(path[-1])
    return "/".join(map(str, path))


def _delete(rng: random.Random, data: dict[str, Any]) -> str:
    path = rng.choice(_nodes(data))
    parent = _parent(data, path)
    del parent[path[-1]]
    return "/".join(map(str, path))


def _deep(rng: random.Random) -> Any:
    value: Any = "car"
    for _ in range(rng.choice([20, 63, 65, 100, 150])):
        value = [value] if rng.random() < 0.5 else {"k": value}
    return value


DATA_MUTATIONS: dict[str, Callable[[random.Random, dict[str, Any]], str]] = {
    "typo": _rename,
    "delete": _delete,
    "wrong-type": lambda rng, data: _set(rng, data, lambda r: copy.deepcopy(r.choice(WRONG_TYPES))),
    "number": lambda rng, data: _set(rng, data, lambda r: r.choice(HUGE_NUMBERS)),
    "string": lambda rng, data: _set(rng, data, lambda r: r.choice(STRANGE_STRINGS)),
    "deep": lambda rng, data: _set(rng, data, _deep),
}


def _mutated_data(rng: random.Random, base: dict[str, Any]) -> tuple[str, bytes]:
    data = copy.deepcopy(base)
    done = []
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        if not _nodes(data):
            break
        kind = rng.choice(list(DATA_MUTATIONS))
        done.append(f"{kind}@{DATA_MUTATIONS[kind](rng, data)}")
    return ",".join(done), dump(data)


TAGS = ["!!python/object/apply:os.system ['true']", "!!python/name:os.system", "!!binary aGVsbG8=", "!!int abc",
        "!!float x", "!!timestamp 2020-13-45", "!!set {a, b}", "!!omap [a: 1]", "!custom 1", "!!str", "!!null x",
        "!!bool maybe", "!!int 99999999999999999999999999", "!<tag:yaml.org,2002:int> 0x", "!!merge x",
        "!!float .nan", "!!pairs [a: 1]", "!!map []", "!!seq {}", "!!timestamp 0000-00-00"]


def _tagged(rng: random.Random, text: str) -> str:
    lines = text.splitlines()
    candidates = [i for i, line in enumerate(lines) if ": " in line and not line.rstrip().endswith(":")]
    i = rng.choice(candidates)
    head = lines[i].split(": ", 1)[0]
    lines[i] = f"{head}: {rng.choice(TAGS)}"
    return "\n".join(lines) + "\n"


ALIAS_TEXTS = [
    "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8)),
    "source: &s {type: video, path: CLIP}\ndetector: *s\n",
    "source: &s [*s]\n",
    "source: *undefined\n",
    "base: &b {type: ultralytics}\ndetector: {<<: *b, model: yolo11n.pt}\nsource: {type: video, path: CLIP}\n",
    "detector: {<<: [1, 2]}\nsource: {type: video, path: CLIP}\n",
    "detector: {<<: *x}\n",
    "? [a, b]\n: 1\n",
    "? {a: 1}\n: x\nsource: {type: video, path: CLIP}\n",
    "&a a: *a\n",
    "x: " + "&a" * 3 + " 1\n",
]


def _text_cases(clip: Path, texts: dict[str, str]) -> list[ConfigCase]:
    """Hand-made cases of the raw text: the forms a data mutation cannot reach."""
    minimal = texts["minimal"]
    cases = [ConfigCase(f"alias-{i}", t.replace("CLIP", str(clip)).encode()) for i, t in enumerate(ALIAS_TEXTS)]
    raw: dict[str, bytes] = {
        "empty": b"", "whitespace": b"   \n\n", "comment-only": b"# nothing\n", "null": b"null\n",
        "scalar": b"42\n", "string": b"hello\n", "list": b"- source\n- detector\n", "bom": b"\xef\xbb\xbf" + minimal.encode(),
        "utf16": minimal.encode("utf-16"), "crlf": minimal.replace("\n", "\r\n").encode(),
        "tabs": minimal.replace("  ", "\t").encode(), "nul-byte": minimal.encode().replace(b"\n", b"\x00\n", 1),
        "latin1": "source: {type: video, path: café.mp4}\n".encode("latin-1"),
        "invalid-utf8": minimal.encode()[:40] + b"\xff\xfe\xfa" + minimal.encode()[40:],
        "lone-surrogate": minimal.encode() + b"x: \xed\xa0\x80\n", "duplicate-keys": (minimal + minimal).encode(),
        "deep-brackets": b"detector: " + b"[" * 100_000 + b"]" * 100_000 + b"\n",
        "deep-braces": b"detector: " + b"{a: " * 5000 + b"1" + b"}" * 5000 + b"\n",
        "deep-unclosed": b"detector: " + b"[" * 200_000, "deep-indent": "".join(
            " " * i + f"k{i}:\n" for i in range(300)).encode(),
        "one-mb-plus": b"source: " + b"x" * (1 << 20) + b"\n", "long-line": b"source: " + b"y" * 900_000 + b"\n",
        "many-keys": "".join(f"k{i}: {i}\n" for i in range(50_000)).encode(),
        "many-sinks": dump({**yaml.safe_load(minimal), "sinks": [{"type": "jsonl", "path": f"o{i}.jsonl"} for i in range(2000)]}),
        "png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "zip": b"PK\x03\x04" + b"\x00" * 64,
        "mp4-header": clip.read_bytes()[:4096] if clip.is_file() else b"\x00\x00\x00\x18ftypmp42", "pickle": b"\x80\x02}q\x00.", "elf": b"\x7fELF\x02\x01\x01" + b"\x00" * 64,
        "control-chars": b"source: \x07\x08\x1b[31m\n", "form-feed": b"source:\x0c {type: video}\n",
        "document-markers": b"---\nsource: {}\n---\ndetector: {}\n", "directive": b"%YAML 9.9\n---\na: 1\n",
        "bad-directive": b"%TAG ! tag:x,2000:\n---\n!foo a: 1\n", "unclosed-quote": b'source: "abc\n',
        "unclosed-flow": b"source: {type: video\n", "colon-soup": b":::\n- - -\n? ? ?\n", "anchor-only": b"&a\n",
        "huge-int-key": b"99999999999999999999999999999999: 1\n", "float-key": b".nan: 1\n.inf: 2\n",
        "null-key": b"~: 1\nsource: {type: video, path: x.mp4}\n", "bool-key": b"true: 1\n",
        "list-key": b"? [source]\n: 1\n",
    }
    cases += [ConfigCase(f"raw-{name}", text) for name, text in raw.items()]
    return cases


def _text_mutation(rng: random.Random, text: bytes) -> tuple[str, bytes]:
    kind = rng.choice(["truncate", "junk", "flip", "insert-bytes", "tag", "binary", "cut-line", "swap-lines"])
    if kind == "truncate":
        return kind, text[: rng.randrange(len(text))]
    if kind == "junk":
        return kind, text + rng.randbytes(rng.choice([1, 16, 4096]))
    if kind == "flip":
        data = bytearray(text)
        for _ in range(rng.choice([1, 3, 20])):
            i = rng.randrange(len(data))
            data[i] = rng.randrange(256)
        return kind, bytes(data)
    if kind == "insert-bytes":
        i = rng.randrange(len(text))
        return kind, text[:i] + rng.choice([b"\x00", b"\xff", b"\xc3", b"\t", b"\r", b"\x85", b"\xe2\x80\xa8", b"&x *x"]) + text[i:]
    if kind == "tag":
        return kind, _tagged(rng, text.decode()).encode()
    if kind == "binary":
        return kind, rng.randbytes(rng.choice([1, 100, 10_000]))
    lines = text.split(b"\n")
    i = rng.randrange(len(lines))
    if kind == "cut-line":
        del lines[i]
    else:
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    return kind, b"\n".join(lines)


BAD_SETS = ["=", "detector", "detector.conf", "=1", ".=1", "a..b=1", "detector..conf=1", "detector.conf=[",
            "detector.conf={", "detector.conf=!!python/object:os.system x", "detector.conf=*a", "detector.conf=&a",
            "detector.conf=1e999", "detector.conf=nan", "detector.conf=.inf", "detector.conf=-.inf",
            "sinks.99.path=x", "sinks.-1.path=x", "sinks.x.path=x", "sinks.0=5", "sinks=5", "sinks=", "runtime=5",
            "runtime.queue_size=0", "runtime.queue_size=-1", "runtime.queue_size=99999999999",
            "source.path.x=1", "source.path=", "source=", "detector.classes.0=car", "detector.classes.5=car",
            "detector.classes=[car, 1, null]", "detector.classes=car", "detector=null", "tracker=[]",
            "annotators.0.type=boxx", "x" * (1 << 20) + "=1", "detector.model=" + "m" * (1 << 20),
            "detector.model=\x00", "source.path=\x00", "detector.conf=\x00", "\x00=1", "détecteur.conf=1",
            "detector.conf=" + "[" * 10_000, "detector.device=cuda:99", "detector.device=cuda", "source.end=0",
            "source.end=-1", "source.stride=0", "source.start=1e308", "detector.imgsz=31", "detector.batch=0",
            "detector.max_det=0", "detector.detect_every=0", "detector.threads=-1", "source.type=webcam",
            "source.type=images", "source.type=stream", "tracker.type=", "sinks.0.type=display",
            "detector.backend=tensorrt", "detector.int8=true", "detector.half=yes", "detector.backend=foo",
            "analytics=[distance]", "analytics.0=zones", "annotators=[hud]", "sinks.0.path=/dev/null",
            "sinks.0.path=/", "sinks.0.path=", "sinks.0.path=/proc/nope/out.mp4", "sinks.0.path=" + "p/" * 3000,
            "source.path=/dev/zero", "source.path=/", "detector.model=/dev/zero", "detector.model=/proc/self/mem",
            "detector.calibration=/dev/null", "source.realtime=true", "detector.rect=maybe"]


def _set_cases(texts: dict[str, str]) -> list[ConfigCase]:
    return [ConfigCase(f"set-{i}", texts["minimal"].encode(), ("--set", item), runnable=True)
            for i, item in enumerate(BAD_SETS)]


def config_cases(clip: Path, models: Path, count: int = 520, seed: int = SEED) -> list[ConfigCase]:
    """The hand-made cases, then seeded random mutations of the bases up to `count`."""
    rng = random.Random(seed)
    bases = base_configs(clip, models)
    texts = {name: dump(data).decode() for name, data in bases.items()}
    video = {name for name, data in bases.items() if data["source"].get("type") == "video"}
    cases = [ConfigCase(f"base-{name}", texts[name].encode(), runnable=name in video) for name in bases]
    cases += _text_cases(clip, texts) + _set_cases(texts)
    names = sorted(bases)
    while len(cases) < count:
        name = rng.choice(names)
        if rng.random() < 0.7:
            what, text = _mutated_data(rng, bases[name])
            runnable = name in video
        else:
            what, text = _text_mutation(rng, texts[name].encode())
            runnable = False
        cases.append(ConfigCase(f"{len(cases)}-{name}-{what}"[:120], text, runnable=runnable))
    return cases

