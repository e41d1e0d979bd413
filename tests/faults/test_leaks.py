"""Connectors created, restarted and deleted over and over leave the worker's threads and open files as they were.

Each cycle creates a Postgres CDC source, a datagen source and a Redis sink through the REST API, waits
for them to run, restarts them with their tasks, and deletes them. The datagen source writes its values
with the Avro converter and the Redis sink reads them with it, both against the real schema registry.
Every client a task opened (producer, consumer, database and Redis connections, the converters' registry
clients) must be closed by then, whatever stopped the task.
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
    avro = {
        "value.converter": "io.confluent.connect.avro.AvroConverter",
        "value.converter.schema.registry.url": services.registry_url,
    }
    configs = {
        line.source: {**_config(tmp_path, line.source), "slot.drop.on.stop": "true", "snapshot.mode": "when_needed"},
        f"{name}-gen": {
            "connector.class": "datagen",
            "kafka.topic": f"{name}.gen",
            "rate": "200",
            "key.cardinality": "1",
            "schema.enabled": "true",
            **avro,
        },
        line.cache: {**_config(tmp_path, line.cache), "topics": f"{name}.gen", "redis.type": "STRING", **avro},
    }
    cached = f"{name}:key-0"  # the datagen's one key, as the Redis sink names it
    worker.start()
    try:

        def flowing() -> None:
            """Until the Redis sink wrote a record the running tasks converted (both used the registry)."""
            before = line.redis.get(cached)
            wait_for(lambda: line.redis.get(cached) not in (None, before), 60, "a new record in the cache")

        def cycle() -> None:
            for connector, config in configs.items():
                assert worker.http.post("/connectors", json={"name": connector, "config": config}).status_code == 201
            wait_for(lambda: worker.running(*configs), 60, "the connectors RUNNING")
            flowing()
            for connector in configs:
                r = worker.http.post(f"/connectors/{connector}/restart", params={"includeTasks": "true"})
                assert r.status_code in (200, 202, 204), r.text
            wait_for(lambda: worker.running(*configs), 60, "the connectors RUNNING after a restart")
            flowing()
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
