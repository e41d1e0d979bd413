"""`kill -9` of a `connect standalone` worker running the Postgres source and the SQL sink into PostgreSQL
and MariaDB, while changes keep coming; the restarted worker replays from the last committed offsets and
both copies end equal to the source table."""

from __future__ import annotations

import json
import os
import random
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.fixtures.pipeline import postgres_source
from tests.integration.connectors.jdbc.targets import Target, mariadb_target, postgres_target
from tests.support.kafka import wait_until
from tests.support.worker_process import free_port, start_worker, stop_worker

KEYS = 200


def slot_name(unique_name: str) -> str:
    return "crash" + unique_name[1:]


class Workload(threading.Thread):
    """Upserts and deletes random keys in small transactions until told to stop."""

    def __init__(self, dsn: str, table: str) -> None:
        super().__init__(daemon=True)
        self.dsn, self.table = dsn, table
        self.halt = threading.Event()
        self.transactions = 0

    def run(self) -> None:
        rng = random.Random(9)
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            while not self.halt.is_set():
                with conn.transaction():
                    for _ in range(5):
                        key = rng.randrange(KEYS)
                        if rng.random() < 0.2:
                            conn.execute(f'DELETE FROM "{self.table}" WHERE id = %s', (key,))
                        else:
                            conn.execute(
                                f'INSERT INTO "{self.table}" VALUES (%s, %s, now()) ON CONFLICT (id) DO UPDATE '
                                "SET n = EXCLUDED.n, at = EXCLUDED.at",
                                (key, rng.randrange(10**6)),
                            )
                self.transactions += 1
                time.sleep(0.005)


@pytest.fixture
def worker_files(services, sink_database, unique_name, tmp_path) -> Iterator[tuple[list[str], Path, list[Target]]]:
    targets = [postgres_target(services, sink_database), mariadb_target(services)]
    (tmp_path / "worker.properties").write_text(
        "\n".join(
            [
                f"bootstrap.servers={services.kafka_bootstrap}",
                "key.converter=JsonConverter",
                "value.converter=JsonConverter",
                f"offset.storage.file.filename={tmp_path / 'offsets.json'}",
                "offset.flush.interval.ms=300",
                f"listeners=http://127.0.0.1:{free_port()}",
            ]
        )
        + "\n"
    )
    # The slot must outlive the kill: it is not named t_* because every test session ends by dropping the
    # inactive t_* slots of the shared Postgres, and another session may end while this worker is down.
    source = postgres_source(services, unique_name, unique_name) | {"slot.name": slot_name(unique_name)}
    files = [tmp_path / "worker.properties", tmp_path / "source.json"]
    files[1].write_text(json.dumps({"name": f"{unique_name}-pg", "config": source}))
    for target in targets:
        sink = target.props(
            **{
                "connector.class": "jdbc",
                "topics": f"{unique_name}.public.{unique_name}",
                "insert.mode": "upsert",
                "pk.mode": "record_key",
                "delete.enabled": "true",
                "auto.create": "true",
                "table.name.format": "${table}",
                "consumer.override.session.timeout.ms": "6000",
            }
        )
        path = tmp_path / f"{target.kind}.json"
        path.write_text(json.dumps({"name": f"{unique_name}-{target.kind}", "config": sink}))
        files.append(path)
    yield [str(f) for f in files], tmp_path / "worker.log", targets
    for target in targets:
        target.drop(unique_name)


def test_kill_9_and_restart_leave_both_copies_equal_to_the_source(pg, services, unique_name, worker_files):
    args, log, targets = worker_files
    table = unique_name
    pg.execute(f'CREATE TABLE "{table}" (id bigint PRIMARY KEY, n bigint, at timestamptz)')
    pg.execute(f'INSERT INTO "{table}" SELECT g, g, now() FROM generate_series(0, {KEYS - 1}) g')
    workload = Workload(services.pg_dsn, table)

    def source() -> list[tuple]:
        return [tuple(r) for r in pg.execute(f'SELECT id, n FROM "{table}" ORDER BY id')]

    proc = start_worker(args, log)
    try:
        wait_until(
            lambda: all(t.rows(table, ["id"]) for t in targets) or proc.poll() is not None,
            timeout=60,
            message="rows from the first worker",
        )
        assert proc.poll() is None, log.read_text()[-3000:]
        workload.start()
        wait_until(lambda: workload.transactions > 100, timeout=60, message="changes streaming")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        proc = start_worker(args, log)
        wait_until(lambda: workload.transactions > 300, timeout=60, message="more changes while it restarts")
        workload.halt.set()
        workload.join(10)
        expected = source()
        wait_until(
            lambda: all(t.rows(table, ["id", "n"]) == expected for t in targets) or proc.poll() is not None,
            timeout=120,
            message="both copies to converge",
        )
        assert proc.poll() is None, log.read_text()[-3000:]
    finally:
        workload.halt.set()
        stop_worker(proc)
        slot = slot_name(unique_name)
        wait_until(
            lambda: (
                not pg.execute("SELECT 1 FROM pg_replication_slots WHERE slot_name = %s AND active", (slot,)).fetchall()
            ),
            timeout=30,
            message="the slot released",
        )
        pg.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = %s", (slot,))
    assert all(t.rows(table, ["id", "n"]) == expected for t in targets)
