"""The Postgres source task against the real Postgres: types, operations, snapshot boundary, resume, failures."""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from connect.errors import ConnectException, RetriableException
from connectors.postgres.source import PostgresSourceTask
from tests.integration.connectors.postgres.slots import drop_slot
from tests.support.contexts import SourceContext
from tests.support.kafka import wait_until

pytestmark = pytest.mark.integration


def start(
    tasks, props, context: SourceContext | None = None, **overrides: str
) -> tuple[PostgresSourceTask, SourceContext]:
    task = PostgresSourceTask()
    ctx = context or SourceContext()
    task.initialize(ctx)
    task.start({**props, **overrides})
    tasks.append(task)
    return task, ctx


def poll_for(task, done: Callable[[list[Any]], bool], what: str, timeout: float = 60.0) -> list[Any]:
    """Poll as the worker does until `done(records)`: a RetriableException (the server went away) is waited
    out and polled again."""
    records: list[Any] = []
    deadline = time.monotonic() + timeout
    while not done(records) and time.monotonic() < deadline:
        try:
            records += task.poll() or []
        except RetriableException:
            time.sleep(0.25)
    finished = done(records)  # not asserted inline: pytest would print every record
    assert finished, f"got {len(records)} records, not {what}"
    return records


def poll_until(task, count: int, timeout: float = 20.0) -> list[Any]:
    return poll_for(task, lambda got: len(got) >= count, f"{count}", timeout)


def changes(records):
    return [r for r in records if r.value is not None and not r.topic.endswith(("transaction", "message"))]


TYPED_COLUMNS = """
    id bigint PRIMARY KEY, i2 smallint, i4 integer, num numeric(10,2), vnum numeric, r real, d double precision,
    b boolean, t text, vc varchar(20), ch char(3), ba bytea, dt date, tm time, ttz timetz, ts timestamp,
    tstz timestamptz, iv interval, u uuid, j json, jb jsonb, e {enum}, ia int[], ta text[], ea {enum}[]
"""
TYPED_VALUES = (
    "(1, -2, 40000, 12.50, 3.14159, 1.5, 2.25, true, 'héllo', 'vc', 'ab', '\\x00ff', '2026-01-02', "
    "'10:00:01.5', '10:00:00+02', '2026-01-02 03:04:05.123456', '2026-01-02 03:04:05.5+02', "
    "'1 day 02:00:00', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"a\": 1}', '{\"b\": [1, 2]}', 'ok', "
    "'{1,NULL}', '{x,\"y z\"}', '{sad,ok}'), (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
    "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)"
)
EXPECTED_ROW = {
    "id": 1,
    "i2": -2,
    "i4": 40000,
    "num": Decimal("12.50"),
    "vnum": {"scale": 5, "value": (314159).to_bytes(3, "big", signed=True)},
    "r": 1.5,
    "d": 2.25,
    "b": True,
    "t": "héllo",
    "vc": "vc",
    "ch": "ab ",
    "ba": b"\x00\xff",
    "dt": 20455,
    "tm": 36_001_500_000,
    "ttz": "08:00:00Z",
    "ts": 1_767_323_045_123_456,
    "tstz": "2026-01-02T01:04:05.500000Z",
    "iv": 93_600_000_000,
    "u": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
    "j": '{"a": 1}',
    "jb": '{"b": [1, 2]}',
    "e": "ok",
    "ia": [1, None],
    "ta": ["x", "y z"],
    "ea": ["sad", "ok"],
}


def test_every_type_round_trips_in_snapshot_and_streaming(tasks, props, pg, unique_name):
    enum = f"{unique_name}_mood"
    pg.execute(f"CREATE TYPE {enum} AS ENUM ('sad', 'ok', 'happy')")
    try:
        pg.execute(f"CREATE TABLE {unique_name} ({TYPED_COLUMNS.format(enum=enum)})")
        pg.execute(f"INSERT INTO {unique_name} VALUES {TYPED_VALUES}")
        task, _ = start(tasks, props)
        snap = poll_until(task, 2)
        pg.execute(f"INSERT INTO {unique_name} SELECT id + 10, {', '.join(EXPECTED_ROW)[4:]} FROM {unique_name}")
        streamed = poll_until(task, 2)
        for records, op in ((snap, "r"), (streamed, "c")):
            by_id = {r.key["id"] % 10: r for r in records}
            row = by_id[1].value["after"]
            assert {**row, "id": 1} == EXPECTED_ROW
            assert all(v is None for k, v in by_id[2].value["after"].items() if k != "id")
            for r in records:
                assert r.value["op"] == op
                r.value_schema.validate(r.value)
                r.key_schema.validate(r.key)
        assert_debezium_json(next(r for r in streamed if r.key["id"] == 11))
        schema = streamed[0].value_schema.field("after").schema
        assert schema.field("e").schema.parameters == {"allowed": "sad,ok,happy"}
        assert schema.field("tstz").schema.name == "io.debezium.time.ZonedTimestamp"
        assert schema.field("id").schema.optional is False and schema.field("t").schema.optional is True
    finally:
        tasks.pop().stop() if tasks else None
        pg.execute(f"DROP TABLE IF EXISTS {unique_name}; DROP TYPE IF EXISTS {enum}")


EXPECTED_JSON_AFTER = {
    "id": 11,
    "i2": -2,
    "i4": 40000,
    "num": "BOI=",
    "vnum": {"scale": 5, "value": "BMsv"},
    "r": 1.5,
    "d": 2.25,
    "b": True,
    "t": "héllo",
    "vc": "vc",
    "ch": "ab ",
    "ba": "AP8=",
    "dt": 20455,
    "tm": 36_001_500_000,
    "ttz": "08:00:00Z",
    "ts": 1_767_323_045_123_456,
    "tstz": "2026-01-02T01:04:05.500000Z",
    "iv": 93_600_000_000,
    "u": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
    "j": '{"a": 1}',
    "jb": '{"b": [1, 2]}',
    "e": "ok",
    "ia": [1, None],
    "ta": ["x", "y z"],
    "ea": ["sad", "ok"],
}


def assert_debezium_json(record) -> None:
    """The record as Kafka Connect's JsonConverter writes it, without and with schemas, as Debezium writes it."""
    import orjson

    from connect.converters.json import JsonConverter

    plain, enveloped = JsonConverter(), JsonConverter()
    plain.configure({"schemas.enable": "false"})
    enveloped.configure({"schemas.enable": "true"})
    value = orjson.loads(plain.from_connect(record.topic, record.value_schema, record.value))
    assert value["after"] == EXPECTED_JSON_AFTER
    assert value["op"] == "c" and value["source"]["connector"] == "postgresql"
    full = orjson.loads(enveloped.from_connect(record.topic, record.value_schema, record.value))
    assert full["payload"] == value
    assert full["schema"]["name"] == f"{record.topic}.Envelope" and full["schema"]["version"] == 2
    after = {f["field"]: f for f in full["schema"]["fields"][1]["fields"]}
    assert after["id"] == {"type": "int64", "optional": False, "field": "id"}
    assert after["num"] == {
        "type": "bytes",
        "optional": True,
        "name": "org.apache.kafka.connect.data.Decimal",
        "version": 1,
        "parameters": {"scale": "2", "connect.decimal.precision": "10"},
        "field": "num",
    }
    assert after["tstz"] == {
        "type": "string",
        "optional": True,
        "name": "io.debezium.time.ZonedTimestamp",
        "version": 1,
        "field": "tstz",
    }
    assert after["ia"] == {
        "type": "array",
        "items": {"type": "int32", "optional": True},
        "optional": True,
        "field": "ia",
    }
    source = {f["field"]: f for f in full["schema"]["fields"][2]["fields"]}
    assert source["snapshot"]["default"] == "false" and source["lsn"]["type"] == "int64"
    key = orjson.loads(enveloped.from_connect(record.topic, record.key_schema, record.key))
    assert key == {
        "schema": {
            "type": "struct",
            "fields": [{"type": "int64", "optional": False, "field": "id"}],
            "optional": False,
            "name": f"{record.topic}.Key",
        },
        "payload": {"id": 11},
    }


def test_operations_transactions_messages_toast_and_replica_identity_full(tasks, props, pg, unique_name):
    a, b = unique_name + "_a", unique_name + "_b"
    pg.execute(f"CREATE TABLE {a} (id int PRIMARY KEY, doc text, n int)")
    pg.execute(f"CREATE TABLE {b} (id int PRIMARY KEY, v text)")
    pg.execute(f"ALTER TABLE {b} REPLICA IDENTITY FULL")
    pg.execute(f"ALTER TABLE {a} ALTER COLUMN doc SET STORAGE EXTERNAL")
    try:
        task, _ = start(tasks, props, **{"provide.transaction.metadata": "true", "skipped.operations": "none"})
        big = "x" * 10_000  # stored out of line: unchanged on later updates, so not sent
        with pg.transaction():
            pg.execute(f"INSERT INTO {a} VALUES (1, %s, 1)", (big,))
            pg.execute(f"INSERT INTO {b} VALUES (1, 'one')")
            pg.execute("SELECT pg_logical_emit_message(true, 'audit', 'hello')")
        pg.execute(f"UPDATE {a} SET n = 2 WHERE id = 1")
        pg.execute(f"UPDATE {b} SET v = 'uno' WHERE id = 1")
        pg.execute(f"DELETE FROM {b} WHERE id = 1")
        pg.execute(f"TRUNCATE {a}")
        records = poll_until(task, 18)
        topics = [r.topic for r in records]
        assert topics.count(f"{unique_name}.transaction") == 10  # 5 transactions, BEGIN and END each
        message = next(r for r in records if r.topic == f"{unique_name}.message")
        assert message.value["message"] == {"prefix": "audit", "content": b"hello"}
        data = changes(records)
        ops = [(r.topic.rsplit(".", 1)[1], r.value["op"]) for r in data]
        assert ops == [(a, "c"), (b, "c"), (a, "u"), (b, "u"), (b, "d"), (a, "t")]
        # As Debezium's, a transaction id is `<xid>:<LSN of the record>`
        first_tx = {r.value["transaction"]["id"].split(":")[0] for r in data[:2]}
        assert len(first_tx) == 1, "both tables' inserts belong to one transaction"
        assert all(r.value["transaction"]["id"].endswith(f":{r.value['source']['lsn']}") for r in data[:2])
        assert data[2].value["after"] == {"id": 1, "doc": "__debezium_unavailable_value", "n": 2}
        assert data[3].value["before"] == {"id": 1, "v": "one"}  # REPLICA IDENTITY FULL
        assert data[4].value["before"] == {"id": 1, "v": "uno"}
        tombstone = records[records.index(data[4]) + 1]
        assert tombstone.value is None and tombstone.key == {"id": 1}
    finally:
        pg.execute(f"DROP TABLE IF EXISTS {a}, {b}")


def test_snapshot_then_streaming_without_gap_or_duplicate(tasks, props, pg, unique_name):
    pg.execute(f"CREATE TABLE {unique_name} (id int PRIMARY KEY, v int)")
    pg.execute(f"INSERT INTO {unique_name} SELECT g, 0 FROM generate_series(1, 3000) g")
    try:
        task, ctx = start(tasks, props, **{"snapshot.max.threads": "2"})
        # Changes while the snapshot runs are streamed afterwards, once each.
        pg.execute(f"INSERT INTO {unique_name} SELECT g, 1 FROM generate_series(3001, 3100) g")
        pg.execute(f"UPDATE {unique_name} SET v = 2 WHERE id <= 10")
        records = poll_until(task, 3110)
        time.sleep(0.3)
        records += task.poll() or []
        reads = [r.key["id"] for r in records if r.value["op"] == "r"]
        creates = [r.key["id"] for r in records if r.value["op"] == "c"]
        updates = [r.key["id"] for r in records if r.value["op"] == "u"]
        assert sorted(reads) == list(range(1, 3001))
        assert sorted(creates) == list(range(3001, 3101))
        assert sorted(updates) == list(range(1, 11))
        assert records[0].value["source"]["snapshot"] == "first"
        markers = [r.value["source"]["snapshot"] for r in records if r.value["op"] == "r"]
        assert set(markers) == {"first", "true", "last"}, "one table: the first and last of it are the snapshot's"
        last_read = [r for r in records if r.value["op"] == "r"][-1]
        assert last_read.value["source"]["snapshot"] == "last"
        assert last_read.source_offset.get("snapshot_completed") is True
        assert ctx.status["streaming"]["slot"] == unique_name
    finally:
        pg.execute(f"DROP TABLE IF EXISTS {unique_name}")


def test_resume_from_a_stored_offset_skips_what_was_flushed(tasks, props, pg, unique_name):
    pg.execute(f"CREATE TABLE {unique_name} (id int PRIMARY KEY)")
    try:
        props = {**props, "slot.drop.on.stop": "false", "snapshot.mode": "no_data"}
        task, _ = start(tasks, props)
        pg.execute(f"INSERT INTO {unique_name} SELECT generate_series(1, 50)")  # one transaction
        pg.execute(f"INSERT INTO {unique_name} SELECT generate_series(51, 60)")
        records = poll_until(task, 60)
        flushed = records[29].source_offset  # Kafka acknowledged the first 30 only
        task.committed_offsets([({"server": unique_name}, flushed)])
        tasks.remove(task)
        task.stop()
        ctx2 = SourceContext().store_offset({"server": unique_name}, flushed)
        again, _ = start(tasks, props, ctx2)
        resumed = poll_until(again, 30)
        assert [r.key["id"] for r in resumed] == list(range(31, 61))
        time.sleep(0.3)
        assert not again.poll(), "nothing is emitted twice"
    finally:
        pg.execute(f"DROP TABLE IF EXISTS {unique_name}")


def test_failures_name_what_to_fix(tasks, props, pg, unique_name):
    with pytest.raises(ConnectException, match=r"no table matches table.include.list"):
        start(tasks, props)
    pg.execute(f"CREATE TABLE {unique_name} (id int PRIMARY KEY)")
    with pytest.raises(ConnectException, match=r"publication .* does not exist .* disabled"):
        start(tasks, props, **{"publication.autocreate.mode": "disabled"})
    stored = SourceContext().store_offset({"server": unique_name}, {"lsn_proc": 1, "lsn": 1})
    with pytest.raises(ConnectException, match=r"slot .* does not exist, but this connector has a stored offset"):
        start(tasks, props, stored)
    with pytest.raises(ConnectException, match=r"cannot connect to Postgres"):
        start(tasks, props, **{"database.port": "1"})
    with pytest.raises(ConnectException, match=r"snapshot.mode"):
        start(tasks, props, **{"snapshot.mode": "sometimes"})
    pg.execute(f"DROP TABLE {unique_name}")


def test_a_slot_still_held_by_the_task_before_is_waited_for_as_an_outage(tasks, props, pg, unique_name):
    """A task moved to another worker starts while the walsender of the one that stopped may still hold the slot:
    its start is an outage (the worker starts it again) that names the holder, and it neither fails nor drops
    the slot (slot.drop.on.stop) on the way; once the slot is released it streams."""
    pg.execute(f"CREATE TABLE {unique_name} (id int PRIMARY KEY)")
    try:
        first, _ = start(tasks, props, **{"snapshot.mode": "no_data", "slot.drop.on.stop": "false"})
        with pytest.raises(RetriableException, match=r"slot .* is in use by process \d+: waiting for it"):
            start(tasks, props, **{"snapshot.mode": "no_data"})
        pg.execute(f"INSERT INTO {unique_name} VALUES (1)")
        assert [r.key["id"] for r in changes(poll_until(first, 1))] == [1]  # the first still streams
        first.stop()
        pg.execute(f"INSERT INTO {unique_name} VALUES (2)")  # while nobody streams: only the kept slot has it
        second = None
        while second is None:  # as the worker: start again after an outage
            try:
                second, _ = start(tasks, props, **{"snapshot.mode": "no_data"})
            except RetriableException:
                time.sleep(0.25)
        assert 2 in [r.key["id"] for r in changes(poll_until(second, 1))]
    finally:
        pg.execute(f"DROP TABLE IF EXISTS {unique_name}")


def test_a_broken_replication_connection_is_reopened_and_resumes_without_loss(tasks, props, pg, unique_name):
    pg.execute(f"CREATE TABLE {unique_name} (id int PRIMARY KEY)")
    try:
        task, _ = start(tasks, props, **{"snapshot.mode": "no_data"})
        pg.execute(f"INSERT INTO {unique_name} SELECT generate_series(1, 10)")
        first = poll_until(task, 10)
        # Cut the stream as a server restart or network failure would.
        killed = pg.execute(
            "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = %s", (unique_name,)
        ).fetchone()
        assert killed == (True,)
        pg.execute(f"INSERT INTO {unique_name} SELECT generate_series(11, 20)")
        again = poll_until(task, 10, timeout=30)
        assert [r.key["id"] for r in first + again] == list(range(1, 21))
    finally:
        pg.execute(f"DROP TABLE IF EXISTS {unique_name}")


def test_a_role_without_replication_fails_with_the_grant_to_run(tasks, props, pg, unique_name):
    role = f"{unique_name}_r"
    pg.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'pw'")
    try:
        bad = {**props, "database.user": role, "database.password": "pw"}
        with pytest.raises(ConnectException, match=rf"ALTER ROLE {role} WITH REPLICATION"):
            start(tasks, bad)
        from connectors.postgres.connector import PostgresConnector

        results = PostgresConnector().validate(bad)
        assert any("WITH REPLICATION" in e for e in results["database.user"].errors)
        assert not PostgresConnector().validate(props)["database.user"].errors
    finally:
        pg.execute(f"DROP ROLE {role}")


def test_incremental_snapshot_by_signal_never_overwrites_newer_changes(tasks, props, pg, unique_name):
    import threading

    signal = f"{unique_name}_signal"
    pg.execute(f"CREATE TABLE {unique_name} (id int PRIMARY KEY, v int NOT NULL)")
    pg.execute(f"CREATE TABLE {signal} (id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))")
    pg.execute(f"INSERT INTO {unique_name} SELECT g, 0 FROM generate_series(1, 2500) g")
    stop = threading.Event()

    def updater() -> None:
        with psycopg.connect(pg.info.dsn, password=pg.info.password, autocommit=True) as conn:
            i = 0
            while not stop.is_set():
                i += 1
                conn.execute(f"UPDATE {unique_name} SET v = v + 1 WHERE id %% 101 = %s", (i % 101,))
                if i % 20 == 0:
                    conn.execute(f"DELETE FROM {unique_name} WHERE id = %s", (i * 7 % 2500 + 1,))

    try:
        task, ctx = start(
            tasks,
            props,
            **{
                "snapshot.mode": "no_data",
                "signal.data.collection": f"public.{signal}",
                "incremental.snapshot.chunk.size": "300",
                "table.include.list": f"public\\.{unique_name}",
            },
        )
        thread = threading.Thread(target=updater, daemon=True)
        thread.start()
        pg.execute(
            f"INSERT INTO {signal} VALUES ('s1', 'execute-snapshot', %s)",
            (json.dumps({"data-collections": [f"public.{unique_name}"], "type": "incremental"}),),
        )
        records: list[Any] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and ctx.status.get("incremental_snapshot", {}).get("finished") is not True:
            records += task.poll() or []
        stop.set()
        thread.join(10)
        assert ctx.status["incremental_snapshot"]["finished"] is True
        table = dict(pg.execute(f"SELECT id, v FROM {unique_name}").fetchall())
        topic = f"{unique_name}.public.{unique_name}"  # not the signal table's, nor other sessions' messages
        reads = set()

        def state_of(records: list[Any]) -> dict[int, int]:
            state: dict[int, int] = {}
            for r in records:
                if r.topic != topic or r.value is None:
                    continue
                if r.value["op"] == "r":
                    reads.add(r.key["id"])
                    assert r.value["source"]["snapshot"] == "incremental"
                if r.value["after"] is not None:
                    state[r.key["id"]] = r.value["after"]["v"]
                else:
                    state.pop(r.key["id"], None)
            return state

        # The updater's last changes may still be on their way: poll until they arrived (or time ran out).
        deadline = time.monotonic() + 30
        while (state := state_of(records)) != table and time.monotonic() < deadline:
            records += task.poll() or []
        missing = sorted(set(table) - set(state))
        extra = sorted(set(state) - set(table))
        wrong = sorted(k for k in set(table) & set(state) if table[k] != state[k])
        assert state == table, f"missing {missing[:10]} ({len(missing)}) extra {extra[:10]} wrong {wrong[:10]}"
        assert len(reads) > 2000 and not any(r.topic.endswith(signal) for r in records)
        assert any("incremental_snapshot" in (r.source_offset or {}) for r in records)
    finally:
        stop.set()
        pg.execute(f"DROP TABLE IF EXISTS {unique_name}, {signal}")


def test_quiet_captured_tables_do_not_pin_wal_and_heartbeats_carry_the_position(tasks, props, pg, unique_name):
    other = f"{unique_name}_other"
    pg.execute(f"CREATE TABLE {unique_name} (id int PRIMARY KEY)")
    pg.execute(f"CREATE TABLE {other} (id int PRIMARY KEY)")
    try:
        task, _ = start(
            tasks,
            props,
            **{
                "snapshot.mode": "no_data",
                "status.update.interval.ms": "200",
                "heartbeat.interval.ms": "300",
                "table.include.list": f"public\\.{unique_name}",
                "heartbeat.action.query": f"INSERT INTO {other} SELECT coalesce(max(id), 0) + 1 FROM {other}",
            },
        )
        start_lsn = slot_lsn(pg, unique_name)
        pg.execute(f"INSERT INTO {other} SELECT generate_series(100000, 101000)")  # WAL of a table not captured
        busy = int(pg.execute("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn").fetchone()[0])
        heartbeats = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (len(heartbeats) < 3 or slot_lsn(pg, unique_name) < busy):
            for r in task.poll() or []:
                assert r.topic == f"__debezium-heartbeat.{unique_name}"
                heartbeats.append(r)
                task.committed_offsets([({"server": unique_name}, r.source_offset)])
        assert len(heartbeats) >= 3 and heartbeats[0].key == {"serverName": unique_name}
        assert slot_lsn(pg, unique_name) >= busy > start_lsn, "the slot moved past WAL of tables not captured"
        assert pg.execute(f"SELECT count(*) FROM {other} WHERE id > 101000").fetchone()[0] >= 2  # the action query
    finally:
        pg.execute(f"DROP TABLE IF EXISTS {unique_name}, {other}")


def slot_lsn(pg, slot):
    row = pg.execute(
        "SELECT confirmed_flush_lsn - '0/0'::pg_lsn FROM pg_replication_slots WHERE slot_name = %s", (slot,)
    ).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def test_a_crashed_snapshot_restarts_with_the_tables_not_yet_flushed(tasks, props, pg, unique_name):
    a, b = f"{unique_name}_a", f"{unique_name}_b"
    for t in (a, b):
        pg.execute(f"CREATE TABLE {t} (id int PRIMARY KEY)")
        pg.execute(f"INSERT INTO {t} SELECT generate_series(1, 3000)")
    try:
        props = {**props, "slot.drop.on.stop": "false", "snapshot.max.threads": "2", "max.batch.size": "500"}
        task, _ = start(tasks, props)
        records: list[Any] = []

        def one_table_done(record: Any) -> bool:
            return len(record.source_offset.get("snapshot_tables_done") or []) == 1

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any(one_table_done(r) for r in records):
            records += task.poll() or []
        # The crash comes right after the first offset that says one table is done (later records are lost).
        crash_offset = next(r.source_offset for r in records if one_table_done(r))
        done = crash_offset["snapshot_tables_done"]
        assert len(done) == 1 and crash_offset["snapshot"] is True
        tasks.remove(task)
        task.stop()
        finished, remaining = (a, b) if done == [f"public.{a}"] else (b, a)
        pg.execute(f"INSERT INTO {finished} VALUES (5000)")  # a change after the crash, streamed afterwards
        again, _ = start(tasks, props, SourceContext().store_offset({"server": unique_name}, crash_offset))
        resumed = poll_until(again, 3001)
        reads = {r.topic.rsplit(".", 1)[1] for r in resumed if r.value["op"] == "r"}
        assert reads == {remaining}, "only the table not yet flushed is read again"
        assert len([r for r in resumed if r.value["op"] == "r"]) == 3000
        assert resumed[-1].value["op"] in ("c", "r") and resumed[-1].source_offset.get("snapshot") is not True
        assert any(r.value["op"] == "c" and r.key == {"id": 5000} for r in resumed + (again.poll() or []))
    finally:
        pg.execute(f"DROP TABLE IF EXISTS {a}, {b}")


def test_initial_only_snapshots_without_leaving_a_slot(tasks, props, pg, unique_name):
    pg.execute(f"CREATE TABLE {unique_name} (id int PRIMARY KEY)")
    pg.execute(f"INSERT INTO {unique_name} SELECT generate_series(1, 10)")
    try:
        task, _ = start(tasks, props, **{"snapshot.mode": "initial_only", "poll.interval.ms": "50"})
        records = poll_until(task, 10)
        assert {r.value["op"] for r in records} == {"r"}
        assert records[-1].source_offset["snapshot_completed"] is True
        assert not task.poll()
        assert (
            pg.execute("SELECT count(*) FROM pg_replication_slots WHERE slot_name = %s", (unique_name,)).fetchone()[0]
            == 0
        )
    finally:
        pg.execute(f"DROP TABLE IF EXISTS {unique_name}")


class ReportingContext(SourceContext):
    """Keeps every status report (SourceContext keeps the last one)."""

    def __init__(self) -> None:
        super().__init__()
        self.reports: list[dict[str, Any]] = []

    def report_status(self, details: Mapping[str, Any]) -> None:
        super().report_status(details)
        self.reports.append(dict(details))


def _tid(text: str) -> tuple[int, int]:
    block, item = text.strip("()").split(",")
    return int(block), int(item)


@pytest.mark.parametrize("slot_dropped", [False, True], ids=["slot_kept", "slot_dropped"])
def test_a_snapshot_cut_off_by_the_server_resumes_after_the_last_chunk_sent_and_misses_no_change(
    tasks, props, pg, unique_name, slot_dropped
):
    """Slot kept: the rest is read and the stream replays what changed meanwhile. Slot dropped while the task was
    cut off (a server restored or failed over): those changes are gone with it, so the snapshot starts over."""
    rows, chunk, table = 20_000, 1_000, f"public.{unique_name}"
    pg.execute(f"CREATE TABLE {unique_name} (id int PRIMARY KEY, pad text)")
    # 10 MB of COPY, far more than the task reads before the cut: the server is still sending when it comes.
    pg.execute(f"INSERT INTO {unique_name} SELECT g, repeat('x', 500) FROM generate_series(1, %s) g", (rows,))
    places = {i: _tid(t) for i, t in pg.execute(f"SELECT id, ctid::text FROM {unique_name}")}
    ctx = ReportingContext()
    task, _ = start(tasks, props, ctx, **{"snapshot.fetch.size": str(chunk), "max.batch.size": "500"})
    app = f"sluice-{unique_name}"
    try:
        sent: list[Any] = []
        while len(sent) < 4 * chunk + 200:
            sent += task.poll() or []
        blocked = (
            "SELECT 1 FROM pg_stat_activity WHERE application_name = %s AND query LIKE 'COPY%%' "
            "AND wait_event = 'ClientWrite'"
        )
        wait_until(
            lambda: pg.execute(blocked, (app,)).fetchone() is not None,
            message="the COPY blocked on full socket buffers (else the cut would come after the table was sent)",
        )
        # Every connection of the task cut, as a server restart would: the COPY's, the slot's, the admin one.
        cut = pg.execute(
            "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity WHERE application_name = %s", (app,)
        ).fetchone()
        assert cut == (3,)
        if slot_dropped:
            drop_slot(pg, unique_name)
        # While the task is cut off: a row already sent changes (only the stream can bring that), a row not
        # read yet goes, a row comes.
        pg.execute(f"UPDATE {unique_name} SET pad = 'changed' WHERE id = 1")
        pg.execute(f"DELETE FROM {unique_name} WHERE id = %s", (rows,))
        pg.execute(f"INSERT INTO {unique_name} VALUES (%s, 'new')", (rows + 1,))
        with pytest.raises(RetriableException, match="snapshot lost Postgres"):
            for _ in range(100):  # what the socket buffers held, then the cut
                sent += task.poll() or []
        node, end = sent[-1].source_offset["snapshot_positions"][table]
        after = poll_for(
            task,
            lambda got: (
                "streaming" in ctx.status
                and (slot_dropped or any(r.key == {"id": rows + 1} and r.value["op"] == "c" for r in got))
            ),
            f"the rest of the snapshot, then (slot kept) the insert of row {rows + 1} streamed",
        )

        events = [r for r in sent + after if r.topic == f"{unique_name}.{table}"]
        reads = [r.key["id"] for r in events if r.value is not None and r.value["op"] == "r"]
        assert set(range(1, rows)) <= set(reads), "every row is read"
        twice = {i for i, n in Counter(reads).items() if n > 1}
        chunks_sent = {i for i, place in places.items() if place <= _tid(end)}
        assert len(chunks_sent) >= 4 * chunk
        if slot_dropped:
            assert chunks_sent <= twice, "the snapshot started over"
        else:
            assert not twice & chunks_sent, "no row of a chunk sent before the cut is read again"
            assert len(twice - {1, rows + 1}) < chunk, "at most the chunk in flight is read twice"
        last: dict[int, str | None] = {}
        for r in events:  # what a consumer upserting by key ends with
            last[r.key["id"]] = r.value["after"]["pad"] if r.value is not None and r.value["after"] else None
        table_now = dict(pg.execute(f"SELECT id, pad FROM {unique_name}").fetchall())
        assert {k: v for k, v in last.items() if v is not None} == table_now, "the events end with the table"
        assert last[1] == "changed" and last.get(rows) is None
        said = [r["snapshot"] for r in ctx.reports if r.get("snapshot", {}).get("resumed_after_outages")]
        assert said and said[-1]["resumed_after_outages"] == 1 and not said[-1]["running"]
        assert said[0].get("resumed_after") == (None if slot_dropped else {table: [node, end]})
    finally:
        task.stop()  # else its snapshot's transaction holds the table
        pg.execute(f"DROP TABLE IF EXISTS {unique_name}")


REWRITES = (
    "ALTER TABLE {t} ALTER COLUMN version TYPE bigint",  # a rewrite: a new file node, the same oid
    "VACUUM FULL {t}",
    "ALTER TABLE {t} ADD COLUMN extra int DEFAULT 7",  # no rewrite, a new column in the Relation message
    "CLUSTER {t} USING {t}_pkey",
    "ALTER TABLE {t} ALTER COLUMN extra TYPE text USING extra::text",
    "ALTER TABLE {t} ALTER COLUMN version TYPE int",
    "VACUUM FULL {t}",
    # Changes before and after a rewrite in one transaction, and in a subtransaction
    "BEGIN; UPDATE {t} SET version = version + 1 WHERE id = 1; ALTER TABLE {t} ALTER COLUMN version TYPE bigint; "
    "UPDATE {t} SET version = version + 1 WHERE id = 2; COMMIT",
    "BEGIN; SAVEPOINT s; ALTER TABLE {t} ALTER COLUMN version TYPE int; UPDATE {t} SET version = version + 1 "
    "WHERE id = 3; RELEASE s; INSERT INTO {t} VALUES (100000, 1, 'txn'); COMMIT",
    "BEGIN; SAVEPOINT s; ALTER TABLE {t} ALTER COLUMN version TYPE bigint; UPDATE {t} SET version = 0; ROLLBACK "
    "TO s; UPDATE {t} SET version = version + 1 WHERE id = 4; COMMIT",
)


def test_tables_rewritten_while_streaming_lose_no_change(tasks, props, pg, unique_name):
    """ALTER TABLE ... TYPE, VACUUM FULL and CLUSTER give the table a new file node while changes to it are
    decoded: the task goes on, every version of every row arrives once, and the rewrites emit nothing."""
    pg.execute(f"CREATE TABLE {unique_name} (id int PRIMARY KEY, version int NOT NULL, pad text)")
    pg.execute(f"INSERT INTO {unique_name} SELECT g, 1, repeat('p', 100) FROM generate_series(1, 300) g")
    ctx = SourceContext()
    task, _ = start(tasks, props, ctx)
    records = poll_for(task, lambda _: "streaming" in ctx.status, "the snapshot, then streaming")
    stop = threading.Event()
    failures: list[BaseException] = []

    def write() -> None:
        rng, next_id = random.Random(7), 301
        with psycopg.connect(pg.info.dsn, password=pg.info.password, autocommit=True) as conn:
            while not stop.is_set():
                if rng.random() < 0.3:
                    conn.execute(f"INSERT INTO {unique_name} VALUES (%s, 1, 'new')", (next_id,))
                    next_id += 1
                else:
                    conn.execute(
                        f"UPDATE {unique_name} SET version = version + 1 WHERE id = %s", (rng.randint(1, next_id - 1),)
                    )

    def rewrite() -> None:
        try:
            with psycopg.connect(pg.info.dsn, password=pg.info.password, autocommit=True) as conn:
                for statement in REWRITES:
                    time.sleep(0.2)
                    conn.execute(statement.format(t=unique_name))
        except BaseException as exc:
            failures.append(exc)
        finally:
            time.sleep(0.2)
            stop.set()

    threads = [threading.Thread(target=write, daemon=True), threading.Thread(target=rewrite, daemon=True)]
    try:
        for t in threads:
            t.start()
        while not stop.is_set():  # decoding while the table is rewritten; any error fails the test
            records += task.poll() or []
        for t in threads:
            t.join(10)
        assert not failures, failures
        table = dict(pg.execute(f"SELECT id, version FROM {unique_name}").fetchall())
        versions: dict[int, list[int]] = {}

        def caught_up(got: list[Any]) -> bool:
            versions.clear()
            for r in records + got:
                if r.topic == f"{unique_name}.public.{unique_name}" and r.value is not None:
                    versions.setdefault(r.key["id"], []).append(int(r.value["after"]["version"]))
            return {k: v[-1] for k, v in versions.items()} == table

        records += poll_for(task, caught_up, "every change up to the table's state", 30)
        assert len(table) > 300 and sum(map(len, versions.values())) > len(table) + 200, "the writer wrote"
        skipped = {k: v for k, v in versions.items() if v != list(range(1, len(v) + 1))}
        assert not skipped, f"versions missing or repeated: {dict(list(skipped.items())[:5])}"
        assert ctx.status.get("streaming"), ctx.status
    finally:
        stop.set()
        pg.execute(f"DROP TABLE IF EXISTS {unique_name}")
