"""Fault suite fixtures: one shared CDC → Kafka → Elasticsearch + Redis pipeline, and the per-scenario report.

These tests stop and kill the real services, so they run last (tests/conftest.py orders them) and every
fixture that breaks a service brings all of them back up when it finishes, passed or failed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.faults.pipeline import REPORT_HEADER, Pipeline, ScenarioReport, services_command
from tests.fixtures.services import _NAMES

TOUCHED = ("postgres", "kafka", "elasticsearch", "redis")
RATE = 200  # row changes per second, each its own transaction
REPORT: list[ScenarioReport] = []


def fault_name(kind: str) -> str:
    name = f"t_faults_{kind}_{uuid.uuid4().hex[:8]}"
    _NAMES.add(name)  # the session deletes the topics named after it
    return name


@pytest.fixture(scope="session")
def services_restored(services) -> Iterator[None]:
    """Whatever a scenario broke is up and healthy again at the end, whether it passed or not."""
    yield
    services_command("up", *TOUCHED)


@pytest.fixture(scope="module")
def pipeline(services, services_restored, tmp_path_factory) -> Iterator[Pipeline]:
    """The shared pipeline, writing at a steady rate; its table, slot, index and keys are dropped at the end."""
    name = fault_name("pipe")
    line = Pipeline(services, name, tmp_path_factory.mktemp("faults"))
    line.create_table()
    with line.index:
        line.worker.start()
        try:
            line.wait_streaming()  # every change from now on is streamed: each of its versions must reach Kafka
            line.start_writer(RATE)
            yield line
        finally:
            line.close()
    drop(services, name)


def drop(services, name: str) -> None:
    """Leave nothing behind on the shared services: slot, publication, table, cache keys."""
    services_command("up", *TOUCHED)
    with psycopg.connect(services.pg_dsn, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = %s AND NOT active",
            (name,),
        )
        conn.execute(f'DROP PUBLICATION IF EXISTS "{name}"')
        conn.execute(f'DROP TABLE IF EXISTS "{name}"')
    import redis

    client = redis.Redis.from_url(services.redis_url)
    for batch in _batches(client.scan_iter(match=f"{name}:*", count=5000), 5000):
        client.delete(*batch)
    client.close()


def _batches(items, size: int):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@pytest.fixture
def report(request) -> Iterator[ScenarioReport]:
    entry = ScenarioReport(request.node.name.removeprefix("test_"))
    yield entry
    REPORT.append(entry)


def pytest_terminal_summary(terminalreporter) -> None:
    if not REPORT:
        return
    table = "\n".join([REPORT_HEADER, *(r.row() for r in REPORT)])
    terminalreporter.write_sep("-", "fault scenarios")
    terminalreporter.write_line(table)
    out = Path(__file__).resolve().parents[2] / ".faults-report.md"
    out.write_text(table + "\n")
