"""Clusters of real worker processes on the suite's Kafka, started and killed by the tests.

Timings are short so handovers are quick: the group notices a killed worker after 6 s
(`session.timeout.ms`, the broker's minimum), and lost work waits 2 s
(`scheduled.rebalance.max.delay.ms`) before it moves.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sluice.local_cluster import LocalCluster, WorkerProcess, cluster_properties
from tests.fixtures import services as services_fixtures
from tests.support.kafka import wait_until

FAST = {
    "session.timeout.ms": 6000,
    "heartbeat.interval.ms": 1000,
    "rebalance.timeout.ms": 30000,
    "scheduled.rebalance.max.delay.ms": 2000,
    "offset.flush.interval.ms": 500,
    "offset.storage.partitions": 5,
    "status.storage.partitions": 2,
    "task.shutdown.graceful.timeout.ms": 5000,
    # A killed worker's sink consumers leave their consumer group after this, not librdkafka's 45 s.
    "consumer.session.timeout.ms": 10000,
    "consumer.heartbeat.interval.ms": 1000,
}


def cluster_name(prefix: str) -> str:
    """A name the session deletes the topics of (as unique_name's)."""
    name = f"t_{prefix}_{uuid.uuid4().hex[:8]}"
    services_fixtures._NAMES.add(name)
    return name


@pytest.fixture
def make_cluster(services, tmp_path_factory) -> Iterator[Callable[..., LocalCluster]]:
    made: list[LocalCluster] = []

    def make(prefix: str, **overrides: Any) -> LocalCluster:
        name = cluster_name(prefix)
        props = cluster_properties(services.kafka_bootstrap, name, **{**FAST, **overrides})
        cluster = LocalCluster(Path(tmp_path_factory.mktemp(prefix)), props)
        made.append(cluster)
        return cluster

    yield make
    for cluster in made:
        print(cluster.problems())  # shown when the test failed
        cluster.stop()


def api(worker: WorkerProcess) -> httpx.Client:
    return httpx.Client(base_url=worker.url, timeout=60)


def statuses(worker: WorkerProcess, names: list[str]) -> dict[str, dict[str, Any]]:
    with api(worker) as client:
        return {n: client.get(f"/connectors/{n}/status").json() for n in names}


def owners(worker: WorkerProcess, names: list[str]) -> dict[str, str]:
    """connector or connector-task → worker id, for every RUNNING connector and task."""
    out = {}
    for name, status in statuses(worker, names).items():
        if status.get("connector", {}).get("state") == "RUNNING":
            out[name] = status["connector"]["worker_id"]
        for task in status.get("tasks", []):
            if task["state"] == "RUNNING":
                out[f"{name}-{task['id']}"] = task["worker_id"]
    return out


def wait_all_running(
    worker: WorkerProcess, names: list[str], tasks: int, on: set[str] | None = None, timeout: float = 90.0
) -> dict[str, str]:
    """Wait until every connector and its `tasks` tasks run (on the workers `on`, when given); their owners."""
    wanted = len(names) * (1 + tasks)
    found: dict[str, str] = {}

    def settled() -> bool:
        nonlocal found
        found = owners(worker, names)
        return len(found) == wanted and (on is None or set(found.values()) <= on)

    wait_until(settled, timeout=timeout, message=f"{wanted} connectors and tasks running (last seen {found})")
    return found
