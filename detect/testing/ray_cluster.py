"""A real two-node Ray cluster on this machine for tests and the benchmark: a head and one
worker node, each `ray start --block` as our own child process with its own ports and temp
dir, so stopping it ends exactly these processes (never `ray stop`, which ends every Ray
process of the user). Ray's token authentication is on, with a token of this cluster's own:
clients need `client_env(...)` in their environment."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PORT_NAMES = ("node-manager-port", "object-manager-port", "dashboard-agent-listen-port",
              "dashboard-agent-grpc-port", "metrics-export-port", "runtime-env-agent-port")
OBJECT_STORE_BYTES = 100_000_000
STARTED = "Ray runtime started."
"""What `ray start` prints once its node has joined the cluster."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _node_flags() -> list[str]:
    low = free_port() // 100 * 100
    return [f"--{name}={free_port()}" for name in PORT_NAMES] + [
        f"--object-store-memory={OBJECT_STORE_BYTES}", "--num-cpus=1",
        f"--min-worker-port={low}", f"--max-worker-port={low + 99}"]


@contextmanager
def local_cluster(temp_dir: Path, nodes: int = 2) -> Iterator[tuple[str, dict[str, str]]]:
    """`nodes` Ray nodes of 1 CPU each (a head, then workers joining it); yields the address
    and the environment variables a client (a `detect batch --address`) needs."""
    client = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)}
    env = dict(os.environ, **client)
    port = free_port()
    address = f"127.0.0.1:{port}"
    logs = [temp_dir / f"ray-start-{n}.log" for n in range(nodes)]
    processes: list[subprocess.Popen] = []
    try:
        for n, log in enumerate(logs):
            role = ["--head", f"--port={port}", "--include-dashboard=false", f"--temp-dir={temp_dir}"] if n == 0 \
                else [f"--address={address}"]
            with log.open("w") as handle:
                processes.append(subprocess.Popen(["ray", "start", "--block", *role, *_node_flags()], env=env,
                                                  stdout=handle, stderr=subprocess.STDOUT))
            _wait(lambda: STARTED in log.read_text(), processes)
        yield address, client
    finally:
        for process in reversed(processes):
            process.send_signal(signal.SIGTERM)
        for process in reversed(processes):
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait(ready, processes: list[subprocess.Popen], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        dead = [p for p in processes if p.poll() is not None]
        if dead:
            raise RuntimeError(f"ray start exited with {dead[0].returncode} (see ray-start-*.log)")
        if time.monotonic() > deadline:
            raise TimeoutError("the Ray cluster did not come up")
        time.sleep(0.5)
