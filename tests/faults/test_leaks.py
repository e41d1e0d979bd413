"""Connectors created, restarted and deleted over and over leave the worker's threads and open files as they were.

Each cycle creates a Postgres CDC source, a datagen source and a Redis sink through the REST API, waits
for them to run, restarts them with their tasks, and deletes them. Every client a task opened (producer,
consumer, database and Redis connections) must be closed by then, whatever stopped the task.
"""

from __future__ import annotations

import time

from tests.faults.conftest import drop, fault_name
from tests.faults.pipeline import Pipeline, wait_for

CYCLES = 8


def test_create_restart_delete_cycles_leave_threads_and_fds_where_they_started(services, tmp_path):
    name = fault_name("leak")
    line = Pipeline(services, name, tmp_path)
    line.create_table(10)
    worker = line.worker
    worker.files = worker.files[:1]  # no connector at start: they come and go through REST
    configs = {
        line.source: {**_config(tmp_path, line.source), "slot.drop.on.stop": "true", "snapshot.mode": "when_needed"},
        f"{name}-gen": {
            "connector.class": "datagen",
            "kafka.topic": f"{name}.gen",
            "rate": "200",
            "max.records": "0",
        },
        line.cache: {**_config(tmp_path, line.cache), "topics": f"{name}.gen", "redis.type": "STRING"},
    }
    worker.start()
    try:

        def cycle() -> None:
            for connector, config in configs.items():
                assert worker.http.post("/connectors", json={"name": connector, "config": config}).status_code == 201
            wait_for(lambda: worker.running(*configs), 60, "the connectors RUNNING")
            for connector in configs:
                r = worker.http.post(f"/connectors/{connector}/restart", params={"includeTasks": "true"})
                assert r.status_code in (200, 202, 204), r.text
            wait_for(lambda: worker.running(*configs), 60, "the connectors RUNNING after a restart")
            for connector in configs:
                assert worker.http.delete(f"/connectors/{connector}").status_code == 204

        cycle()  # the first cycle loads plugins and opens the worker's own admin client
        time.sleep(2)
        threads, fds = worker.threads(), worker.fds()
        for _ in range(CYCLES):
            cycle()

        def settled() -> bool:
            return worker.threads() <= threads and worker.fds() <= fds

        try:
            wait_for(settled, 30, "threads and file descriptors back where they started")
        except AssertionError:
            raise AssertionError(
                f"after {CYCLES} cycles: {worker.threads()} threads (started at {threads}), "
                f"{worker.fds()} open fds (started at {fds})"
            ) from None
    finally:
        worker.stop()
        drop(services, name)


def _config(tmp_path, connector: str) -> dict[str, str]:
    """The config the pipeline would give `connector` (read back from the file it wrote)."""
    import json

    return json.loads((tmp_path / f"{connector}.json").read_text())["config"]
