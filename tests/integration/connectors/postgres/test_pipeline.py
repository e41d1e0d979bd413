"""The Postgres source through the standalone worker into Kafka: delivery, slot confirmation, kill -9 recovery."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import orjson
import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from connect.runtime.standalone import StandaloneHerder, running
from tests.integration.connectors.postgres.slots import drop_slot
from tests.support import plugins
from tests.support.kafka import read_topic, wait_until

pytestmark = pytest.mark.integration


@pytest.fixture
def setup(services, unique_name, pg, tmp_path):
    info = conninfo_to_dict(services.pg_dsn)
    pg.execute(f"CREATE TABLE {unique_name} (id int PRIMARY KEY, v int NOT NULL)")
    worker = {
        "bootstrap.servers": services.kafka_bootstrap,
        "key.converter": "PlainJson",
        "value.converter": "PlainJson",
        "header.converter": "Utf8Headers",
        "offset.storage.file.filename": str(tmp_path / "offsets.json"),
        "offset.flush.interval.ms": "200",
        "listeners": "http://127.0.0.1:0",
    }
    connector = {
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
        "database.hostname": info.get("host", "127.0.0.1"),
        "database.port": str(info.get("port", 5432)),
        "database.user": info["user"],
        "database.password": info.get("password", ""),
        "database.dbname": info["dbname"],
        "topic.prefix": unique_name,
        "slot.name": unique_name,
        "publication.name": unique_name,
        "publication.autocreate.mode": "filtered",
        "table.include.list": f"public.{unique_name}",
        "status.update.interval.ms": "300",
    }
    yield worker, connector
    drop_slot(pg, unique_name)
    pg.execute(f"DROP PUBLICATION IF EXISTS {unique_name}")
    pg.execute(f"DROP TABLE IF EXISTS {unique_name}")


def events(messages):
    return [orjson.loads(m.value()) for m in messages if m.value() is not None]


def slot_lsn(pg, slot):
    row = pg.execute(
        "SELECT confirmed_flush_lsn - '0/0'::pg_lsn FROM pg_replication_slots WHERE slot_name = %s", (slot,)
    ).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def test_snapshot_and_changes_reach_kafka_and_the_slot_follows_flushed_offsets(setup, pg, services, unique_name):
    worker, connector = setup
    pg.execute(f"INSERT INTO {unique_name} SELECT g, 0 FROM generate_series(1, 100) g")
    herder = StandaloneHerder(worker, registry=plugins.fake_registry())
    herder.start()
    try:
        herder.put_connector_config("pg", connector, allow_replace=False)
        herder.wait_for("pg", running)
        topic = f"{unique_name}.public.{unique_name}"
        read_topic(services.kafka_bootstrap, topic, lambda ms: len(ms) >= 100)
        before = slot_lsn(pg, unique_name)
        pg.execute(f"UPDATE {unique_name} SET v = 1 WHERE id <= 10")
        pg.execute(f"DELETE FROM {unique_name} WHERE id = 100")
        messages = read_topic(services.kafka_bootstrap, topic, lambda ms: len(ms) >= 112)
        got = events(messages)
        assert [e["op"] for e in got].count("r") == 100
        assert sorted(e["after"]["id"] for e in got if e["op"] == "u") == list(range(1, 11))
        assert any(e["op"] == "d" and e["before"]["id"] == 100 for e in got)
        assert messages[-1].value() is None and orjson.loads(messages[-1].key()) == {"id": 100}  # tombstone
        wait_until(lambda: slot_lsn(pg, unique_name) > before, timeout=30, message="slot confirmed after the flush")
        offsets = herder.connector_offsets("pg")
        assert offsets[0]["partition"] == {"server": unique_name} and offsets[0]["offset"]["lsn_proc"] > 0
    finally:
        herder.stop()


def test_kill_9_during_steady_inserts_loses_no_committed_row(setup, pg, services, unique_name, tmp_path):
    worker, connector = setup
    # The real CLI, as users run it: `connect standalone worker.properties connector.json`.
    properties = {
        **worker,
        "key.converter": "JsonConverter",
        "value.converter": "JsonConverter",
        "key.converter.schemas.enable": "false",
        "value.converter.schemas.enable": "false",
    }
    properties.pop("header.converter")
    (tmp_path / "worker.properties").write_text("\n".join(f"{k}={v}" for k, v in properties.items()))
    (tmp_path / "connector.json").write_bytes(orjson.dumps({"name": "pg", "config": connector}))
    args = [
        sys.executable,
        "-m",
        "sluice.cli",
        "standalone",
        str(tmp_path / "worker.properties"),
        str(tmp_path / "connector.json"),
    ]
    topic = f"{unique_name}.public.{unique_name}"
    stop = threading.Event()
    written = [0]

    def writer() -> None:
        with psycopg.connect(services.pg_dsn, autocommit=True) as conn:
            i = 0
            while not stop.is_set():
                with conn.transaction():  # small transactions of 1-20 rows, then updates of earlier keys
                    rows = 1 + i % 20
                    conn.execute(
                        f"INSERT INTO {unique_name} SELECT g, 0 FROM generate_series(%s::int, %s::int) g",
                        (written[0] + 1, written[0] + rows),
                    )
                    conn.execute(
                        f"UPDATE {unique_name} SET v = v + 1 WHERE id %% 3 = %s AND id > %s", (i % 3, written[0] - 60)
                    )
                    written[0] += rows
                i += 1
                time.sleep(0.005)

    first = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    thread = threading.Thread(target=writer, daemon=True)
    try:
        thread.start()
        before_kill = read_topic(services.kafka_bootstrap, topic, lambda ms: len(ms) >= 1000, timeout=60)
        assert len(before_kill) >= 1000, "the first worker streamed"
        # A large transaction, killed in its middle: part of it is in Kafka, part only read from the slot.
        with pg.transaction():
            xid = pg.execute("SELECT txid_current()").fetchone()[0]
            pg.execute(f"INSERT INTO {unique_name} SELECT g, 0 FROM generate_series(1000000, 1030000) g")
        # Kill as soon as an offset inside that transaction was flushed: the rest must be replayed, the
        # flushed part skipped.
        wait_until(lambda: _stored_txid(tmp_path / "offsets.json") == xid, timeout=60, message="mid-transaction")
        first.kill()  # SIGKILL: no final offset flush, no clean slot close
        first.wait(10)
        time.sleep(0.5)
        second = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            time.sleep(2)
            stop.set()
            thread.join(10)
            final = dict(pg.execute(f"SELECT id, v FROM {unique_name}").fetchall())
            messages = read_topic(services.kafka_bootstrap, topic, _Caught(final), timeout=60)
        finally:
            second.kill()
            second.wait(10)
    finally:
        stop.set()
        if first.poll() is None:
            first.kill()
    got = events(messages)
    assert written[0] > len(before_kill) // 2 and len(final) == written[0] + 30001
    assert _latest(got) == final, "every committed row reached Kafka with its last value"
    missing = sorted(set(final) - {e["after"]["id"] for e in got if e["op"] in ("c", "r")})
    assert not missing, f"every insert reached Kafka; missing {len(missing)}: {missing[:20]}"
    for key, versions in _versions(got).items():
        deduplicated = list(dict.fromkeys(reversed(versions)))[::-1]
        assert deduplicated == sorted(deduplicated), f"key {key}: versions out of commit order {versions}"


def _stored_txid(path: Path) -> int | None:
    try:
        stored = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    offsets = [orjson.loads(v) for v in stored.values()]
    return offsets[0].get("txId") if offsets else None


class _Caught:
    """True once the messages read so far hold `final` (parsing each message once)."""

    def __init__(self, final: dict[int, int]) -> None:
        self.final = final
        self.seen = 0
        self.state: dict[int, int] = {}

    def __call__(self, messages) -> bool:
        self.state.update(_latest(events(messages[self.seen :])))
        self.seen = len(messages)
        return self.state == self.final


def _latest(evts):
    state: dict[int, int] = {}
    for e in evts:
        if e["after"] is not None:
            state[e["after"]["id"]] = e["after"]["v"]
    return state


def _versions(evts):
    out: dict[int, list[int]] = {}
    for e in evts:
        if e["after"] is not None:
            out.setdefault(e["after"]["id"], []).append(e["after"]["v"])
    return out


def test_snapshot_concurrent_with_updates_converges_to_the_table(setup, pg, services, unique_name):
    worker, connector = setup
    rows = 1_000_000  # as the issue asks: a 1M-row snapshot
    pg.execute(f"INSERT INTO {unique_name} SELECT g, 0 FROM generate_series(1, {rows}) g")
    stop = threading.Event()

    def updater() -> None:
        with psycopg.connect(services.pg_dsn, autocommit=True) as conn:
            i = 0
            while not stop.is_set():
                i += 1
                conn.execute(f"UPDATE {unique_name} SET v = v + 1 WHERE id %% 997 = %s", (i % 997,))
                if i % 50 == 0:
                    conn.execute(f"DELETE FROM {unique_name} WHERE id = %s", (i * 13 % rows + 1,))

    herder = StandaloneHerder(worker, registry=plugins.fake_registry())
    herder.start()
    thread = threading.Thread(target=updater, daemon=True)
    try:
        herder.put_connector_config("pg", {**connector, "snapshot.max.threads": "2"}, allow_replace=False)
        thread.start()
        herder.wait_for("pg", running)
        time.sleep(3)
        stop.set()
        thread.join(10)
        table = dict(pg.execute(f"SELECT id, v FROM {unique_name}").fetchall())
        caught = _Replayed(table)
        read_topic(services.kafka_bootstrap, f"{unique_name}.public.{unique_name}", caught, timeout=120)
        assert caught.state == table, "replaying the topic gives the table"
        assert caught.ops.get("r", 0) >= rows - 1000 and caught.ops.get("u", 0) > 0
    finally:
        stop.set()
        herder.stop()


class _Replayed:
    """Applies change events in topic order; true once the replayed state equals `table`."""

    def __init__(self, table: dict[int, int]) -> None:
        self.table = table
        self.state: dict[int, int] = {}
        self.ops: dict[str, int] = {}
        self.seen = 0

    def __call__(self, messages) -> bool:
        for e in events(messages[self.seen :]):
            self.ops[e["op"]] = self.ops.get(e["op"], 0) + 1
            if e["after"] is not None:
                self.state[e["after"]["id"]] = e["after"]["v"]
            elif e["op"] == "d":
                self.state.pop(e["before"]["id"], None)
        self.seen = len(messages)
        return self.state == self.table
