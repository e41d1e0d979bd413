"""Helpers for the cluster tests (the `make_cluster` fixture is in tests/fixtures/cluster.py)."""

from __future__ import annotations

from typing import Any

import httpx

from sluice.local_cluster import WorkerProcess
from tests.support.kafka import wait_until


def api(worker: WorkerProcess) -> httpx.Client:
    return httpx.Client(base_url=worker.url, timeout=60)


def create(client: httpx.Client, name: str, config: dict[str, str], timeout: float = 60.0) -> None:
    """POST /connectors, again after a 409 (a rebalance outlasted worker.sync.timeout.ms), as Connect clients do."""
    answers: list[httpx.Response] = []

    def created() -> bool:
        answers.append(client.post("/connectors", json={"name": name, "config": config}))
        return answers[-1].status_code != 409

    wait_until(created, timeout=timeout, message=f"the cluster to take connector {name} (409 after a rebalance)")
    assert answers[-1].status_code == 201, answers[-1].text


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
