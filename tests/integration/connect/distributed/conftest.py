"""Helpers for the cluster tests (the `make_cluster` fixture is in tests/fixtures/cluster.py)."""

from __future__ import annotations

from typing import Any

import httpx

from sluice.local_cluster import WorkerProcess
from tests.support.kafka import wait_until


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
