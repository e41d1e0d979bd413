"""Fixtures of the Postgres source's integration tests: a task config named after the test, and the tasks a test
starts (stopped, their slot and publication dropped, at the end). The `pg` connection is tests/fixtures/pipeline's."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from psycopg.conninfo import conninfo_to_dict

from connectors.postgres.source import PostgresSourceTask
from tests.integration.connectors.postgres.slots import drop_slot


@pytest.fixture
def props(services, unique_name) -> dict[str, str]:
    info = conninfo_to_dict(services.pg_dsn)
    return {
        "database.hostname": info.get("host", "127.0.0.1"),
        "database.port": str(info.get("port", 5432)),
        "database.user": info["user"],
        "database.password": info.get("password", ""),
        "database.dbname": info["dbname"],
        "topic.prefix": unique_name,
        "slot.name": unique_name,
        "publication.name": unique_name,
        "publication.autocreate.mode": "filtered",
        "table.include.list": f"public\\.{unique_name}.*",
        "slot.drop.on.stop": "true",
        "poll.interval.ms": "200",
    }


@pytest.fixture
def tasks(pg, unique_name) -> Iterator[list[PostgresSourceTask]]:
    started: list[PostgresSourceTask] = []
    yield started
    for t in started:
        t.stop()
    # Never leave a slot behind: it pins WAL.
    drop_slot(pg, unique_name)
    pg.execute(f'DROP PUBLICATION IF EXISTS "{unique_name}"')
