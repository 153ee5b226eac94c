"""Helpers for the camera tests: a real MQTT broker (mosquitto) on a free loopback port, a
subscriber that records what arrives. A plain module, not a conftest (tests import `conftest` by name)."""

from __future__ import annotations

import atexit
import contextlib
import functools
import json
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from conftest import missing, tracking_dir

from detect.testing.static_scene import Stretch, build_scene

MOSQUITTO = "/usr/sbin/mosquitto"
PETS_FPS = 7
PETS_PLAN = [Stretch(empty=14), Stretch(start=0, stop=28), Stretch(empty=21), Stretch(start=300, stop=328),
             Stretch(empty=14)]
"""2 s empty, 4 s of people, 3 s empty, 4 s of people, 2 s empty (105 frames at 7 fps)."""


@functools.lru_cache(maxsize=1)
def pets_scene() -> Path:
    """PETS09-S2L1's camera with empty stretches (detect.testing.static_scene), built once per session."""
    folder = Path(tempfile.mkdtemp(prefix="pets-scene-"))
    atexit.register(shutil.rmtree, folder, True)
    return build_scene(tracking_dir() / "PETS09-S2L1", folder / "scene", PETS_PLAN)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Broker:
    """mosquitto with a temp config (loopback only, anonymous, sessions persisted across restarts)."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.folder = folder
        self.config = folder / "mosquitto.conf"
        self.config.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
                               f"persistence_location {folder}/\nlog_dest file {folder}/mosquitto.log\n")
        self.process: subprocess.Popen | None = None

    def start(self) -> Broker:
        self.process = subprocess.Popen([MOSQUITTO, "-c", str(self.config)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"mosquitto did not listen on {self.port}: {(self.folder / 'mosquitto.log').read_text()}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@contextlib.contextmanager
def running_broker(tmp_path: Path) -> Iterator[Broker]:
    if not Path(MOSQUITTO).exists() and not shutil.which("mosquitto"):
        missing("mosquitto is not installed (apt-get install mosquitto; .ci/run does it)")
    broker = Broker(tmp_path).start()
    try:
        yield broker
    finally:
        broker.stop()


class Subscriber:
    """A paho client with a persistent session (QoS 1), so messages published while it reconnects
    after a broker restart are kept for it by the broker."""

    def __init__(self, port: int, topic: str = "detect/#") -> None:
        import paho.mqtt.client as mqtt

        self.messages: list[tuple[str, bytes]] = []
        self.lock = threading.Lock()
        self.connected = threading.Event()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="test-subscriber", clean_session=False)
        self.client.on_connect = lambda c, u, f, rc, p: (c.subscribe(topic, qos=1), self.connected.set())
        self.client.on_message = self._on_message
        self.client.reconnect_delay_set(0.2, 1)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        assert self.connected.wait(10)

    def _on_message(self, client, userdata, message) -> None:
        with self.lock:
            self.messages.append((message.topic, message.payload))

    def json(self, part: str) -> list[dict]:
        with self.lock:
            return [json.loads(p) for t, p in self.messages if part in t]

    def unique(self) -> set[tuple[str, bytes]]:
        """Event and occupancy messages, each once (QoS 1 is at least once)."""
        with self.lock:
            return {(t, p) for t, p in self.messages if "/available" not in t}

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
