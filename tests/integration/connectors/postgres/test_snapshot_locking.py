"""snapshot.locking.mode against the real Postgres: a table rewritten (ALTER TABLE ... TYPE) while the snapshot runs
loses its rows without locks (none, Debezium's default too) and keeps them with shared; a lock not granted in time
fails the task, naming the table and the session in the way."""

from __future__ import annotations

import logging
import threading
from typing import Any

import psycopg
import pytest

from connect.errors import ConnectException
from tests.integration.connectors.postgres.test_source import poll_for, start
from tests.support.kafka import wait_until

pytestmark = pytest.mark.integration

ROWS = 10


def two_tables(pg, unique_name: str, first_rows: int = ROWS) -> tuple[str, str]:
    """`<name>_a` (read first: tables are read in name order) and `<name>_b`."""
    a, b = f"{unique_name}_a", f"{unique_name}_b"
    for table, rows in ((a, first_rows), (b, ROWS)):
        pg.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, v int)")
        pg.execute(f"INSERT INTO {table} SELECT g, g FROM generate_series(1, {rows}) g")
    return a, b


def reads(records: list[Any], table: str) -> list[int]:
    return sorted(r.key["id"] for r in records if r.value and r.value["op"] == "r" and r.topic.endswith(f".{table}"))


def snapshot_done(ctx):
    return lambda _: "streaming" in ctx.status


def other_session(pg) -> psycopg.Connection:
    """A session of its own (the caller closes it), for a rewrite that may have to wait."""
    return psycopg.connect(pg.info.dsn, password=pg.info.password, autocommit=True)


def alter(table: str) -> str:
    """A table rewrite: ACCESS EXCLUSIVE, and a new file node."""
    return f"ALTER TABLE {table} ALTER COLUMN v TYPE bigint"


def test_with_shared_locks_a_rewrite_during_the_snapshot_waits_until_its_table_is_read(tasks, props, pg, unique_name):
    a, b = two_tables(pg, unique_name, first_rows=1000)
    try:
        task, ctx = start(tasks, props, **{"snapshot.locking.mode": "shared", "max.batch.size": "100"})
        records = task.poll() or []
        assert 0 < len(reads(records, a)) < 1000 and not reads(records, b), "the snapshot is reading the first table"
        with other_session(pg) as session:
            pid = session.info.backend_pid
            done = threading.Event()
            threading.Thread(target=lambda: (session.execute(alter(b)), done.set()), daemon=True).start()
            waiting = "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = %s"
            wait_until(lambda: pg.execute(waiting, (pid,)).fetchone()[0], 10, "the ALTER TABLE waiting for the lock")
            records += poll_for(task, snapshot_done(ctx), "the whole snapshot")
            assert reads(records, a) == list(range(1, 1001))
            assert reads(records, b) == list(range(1, ROWS + 1)), "every row of the table rewritten meanwhile"
            assert done.wait(10), "the rewrite went ahead once its table was read"
    finally:
        pg.execute(f"DROP TABLE IF EXISTS {a}, {b}")


@pytest.mark.parametrize(
    ("mode", "threads", "expected"),
    [
        # Debezium's default has the same hole: the rewritten table is read empty and the stream does not replay it.
        ("none", "1", 0),
        # The rewrite lands between the slot's snapshot and the locks: the reader tells, and reads it fresh.
        ("shared", "1", ROWS),
        # Readers lock as they start: the rewrite comes before (read fresh) or after them (it waits).
        ("shared", "2", ROWS),
    ],
)
def test_a_table_rewritten_after_the_slot_and_before_it_is_read(
    tasks, props, pg, unique_name, caplog, mode, threads, expected
):
    a, b = two_tables(pg, unique_name)
    try:
        with caplog.at_level(logging.WARNING, logger="connectors.postgres.locks"):
            task, ctx = start(tasks, props, **{"snapshot.locking.mode": mode, "snapshot.max.threads": threads})
            with other_session(pg) as session:
                session.execute(alter(b))  # the one reader has not begun: it reads on the first poll
            records = poll_for(task, snapshot_done(ctx), "the whole snapshot")
        assert reads(records, a) == list(range(1, ROWS + 1))
        assert reads(records, b) == list(range(1, expected + 1))
        if threads == "1":
            assert (f"public.{b} rewritten after the slot's snapshot" in caplog.text) == (mode == "shared")
    finally:
        pg.execute(f"DROP TABLE IF EXISTS {a}, {b}")


def test_a_lock_not_granted_in_time_fails_the_task_naming_the_table_and_who_holds_it(tasks, props, pg, unique_name):
    a, b = two_tables(pg, unique_name)
    try:
        task, _ = start(tasks, props, **{"snapshot.locking.mode": "shared", "snapshot.lock.timeout.ms": "300"})
        with other_session(pg) as session:
            session.execute("BEGIN")
            session.execute(alter(b))  # not committed: it holds ACCESS EXCLUSIVE on the table
            expected = (
                rf"table public\.{b} could not be locked IN ACCESS SHARE MODE within snapshot\.lock\.timeout\.ms=300: "
                rf"process {session.info.backend_pid} holds ACCESS EXCLUSIVE on it \(idle in transaction: ALTER TABLE"
            )
            with pytest.raises(ConnectException, match=expected):
                task.poll()
            session.execute("ROLLBACK")
    finally:
        pg.execute(f"DROP TABLE IF EXISTS {a}, {b}")
