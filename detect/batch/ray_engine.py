"""The cluster engine: one Ray actor per worker (one model each), inputs handed out one at a
time, so a fast node takes more. `--address` joins a running cluster (`auto`, `host:port`,
`ray://...`); without it Ray starts a local one. Inputs and `--out` must be paths every node
sees (a shared mount): an actor reads and writes them where it runs.

When an actor dies (its process killed, its node lost) the call it held fails with
`RayActorError`: the actor is replaced by a new one (placed wherever the cluster has room) and
that input retried, up to `--retries` times, exactly as the local engine does. Ray restarts no
actor itself (`max_restarts=0`): a restarting actor would only answer "unavailable".
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable
from typing import Any

from detect.batch.drain import Drain
from detect.batch.inputs import BatchInput
from detect.batch.worker import BatchPlan, BatchWorker, failed_row
from detect.errors import ConfigError, require

PASSED_ENV = ("DETECT_MODELS_DIR", "YOLO_OFFLINE", "YOLO_VERBOSE")
"""The driver's settings the actors need too (Ray starts them with the node's environment)."""


class RayBatchWorker:
    """The actor: one `BatchWorker` (one model) in one Ray worker process."""

    def __init__(self, plan: BatchPlan) -> None:
        self.worker = BatchWorker(plan)

    def process(self, item: BatchInput, attempt: int) -> dict[str, Any]:
        return self.worker.process(item, attempt)


def run_ray(plan: BatchPlan, items: list[BatchInput], workers: int | None, retries: int, address: str | None,
            on_result: Callable[[dict[str, Any]], None]) -> None:
    """Process `items` on Ray actors; `on_result(row)` per input as it finishes."""
    ray = require("ray", "batch", "detect batch --engine ray")
    env = {key: os.environ[key] for key in PASSED_ENV if key in os.environ}
    started_here = not ray.is_initialized()
    if started_here:
        options: dict[str, Any] = {"address": address, "runtime_env": {"env_vars": env},
                                   "include_dashboard": False, "log_to_driver": False, "logging_level": "warning"}
        if address is None:
            options["num_cpus"] = os.cpu_count() or 1
        try:
            ray.init(**options)
        except (ConnectionError, ValueError, RuntimeError) as exc:
            raise ConfigError(f"--address {address}: cannot connect to a Ray cluster ({exc})") from None
    try:
        _dispatch(ray, plan, items, workers, retries, on_result)
    finally:
        if started_here:
            ray.shutdown()


def _dispatch(ray: Any, plan: BatchPlan, items: list[BatchInput], workers: int | None, retries: int,
              on_result: Callable[[dict[str, Any]], None]) -> None:
    cpus = max(1, plan.threads)
    count = workers or max(1, int(ray.cluster_resources().get("CPU", 1) // cpus))
    actor_class = ray.remote(num_cpus=cpus, max_restarts=0, max_task_retries=0)(RayBatchWorker)
    actors = [actor_class.remote(plan) for _ in range(min(count, len(items)))]
    queue: deque[tuple[BatchInput, int]] = deque((item, 1) for item in items)
    idle = list(actors)
    pending: dict[Any, tuple[Any, BatchInput, int]] = {}
    drain = Drain()
    while queue or pending:
        while queue and idle:
            actor = idle.pop()
            item, attempt = queue.popleft()
            pending[actor.process.remote(item, attempt)] = (actor, item, attempt)
        try:
            [ref], _ = ray.wait(list(pending), num_returns=1)
        except KeyboardInterrupt:
            drain.interrupt(queue)
            continue
        actor, item, attempt = pending.pop(ref)
        try:
            row = ray.get(ref)
        except (ray.exceptions.RayActorError, ray.exceptions.ActorUnavailableError) as exc:
            ray.kill(actor, no_restart=True)
            idle.append(actor_class.remote(plan))
            if attempt <= retries:
                queue.appendleft((item, attempt + 1))
                continue
            row = failed_row(item, f"the worker process died on each of {attempt} attempts "
                                   f"({type(exc).__name__})", attempt)
        else:
            idle.append(actor)
        on_result(row)
    drain.finish()
