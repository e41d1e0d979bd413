"""The SQL sink task against real PostgreSQL and MariaDB: types, refused rows, the sequence guard, schema
changes, lost connections, privileges."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from decimal import Decimal
from typing import Any

import pytest

from connect.data import Schema, SinkRecord, Type
from connect.data.logical import date_schema, decimal_schema, time_schema, timestamp_schema
from connect.errors import ConnectException
from connectors.jdbc.connector import JdbcSinkConnector
from connectors.jdbc.sink import JdbcSinkTask


def named(type_: Type, name: str, **params: str) -> Schema:
    return Schema(type_, True, name=name, version=1, parameters=params or None)


FIELDS: list[tuple[str, Schema, Any, Any]] = [  # field, schema, value sent, value read back (canonical)
    ("i8", Schema(Type.INT8, True), -8, -8),
    ("i16", Schema(Type.INT16, True), 1600, 1600),
    ("i32", Schema(Type.INT32, True), -32_000_000, -32_000_000),
    ("i64", Schema(Type.INT64, True), 2**62, 2**62),
    ("f32", Schema(Type.FLOAT32, True), 1.5, 1.5),
    ("f64", Schema(Type.FLOAT64, True), -2.25e10, -2.25e10),
    ("flag", Schema(Type.BOOLEAN, True), True, 1),
    ("txt", Schema(Type.STRING, True), 'it\'s \\ "quoted" ünïcode 🙂\n', 'it\'s \\ "quoted" ünïcode 🙂\n'),
    ("raw", Schema(Type.BYTES, True), b"\x00\x01'\\\xff", b"\x00\x01'\\\xff"),
    (
        "dec",
        decimal_schema(3, optional=True).with_(parameters={"scale": "3", "connect.decimal.precision": "12"}),
        Decimal("-123456789.125"),
        Decimal("-123456789.125"),
    ),
    (
        "vdec",
        Schema.struct(
            "io.debezium.data.VariableScaleDecimal",
            [("scale", Schema(Type.INT32)), ("value", Schema(Type.BYTES))],
            optional=True,
        ),
        {"scale": 4, "value": (123456789).to_bytes(4, "big", signed=True)},
        Decimal("12345.6789"),
    ),
    ("cdate", date_schema(optional=True), dt.date(2026, 12, 3), dt.date(2026, 12, 3)),
    ("ctime", time_schema(optional=True), dt.time(10, 15, 30, 250000), dt.time(10, 15, 30, 250000)),
    (
        "cts",
        timestamp_schema(optional=True),
        dt.datetime(2026, 12, 3, 10, 15, 30, 125000),
        dt.datetime(2026, 12, 3, 10, 15, 30, 125000),
    ),
    ("ddate", named(Type.INT32, "io.debezium.time.Date"), 20425, dt.date(2025, 12, 3)),
    ("dtime", named(Type.INT32, "io.debezium.time.Time"), 3_600_500, dt.time(1, 0, 0, 500000)),
    ("mtime", named(Type.INT64, "io.debezium.time.MicroTime"), 3_600_000_001, dt.time(1, 0, 0, 1)),
    (
        "dts",
        named(Type.INT64, "io.debezium.time.Timestamp"),
        1_764_756_930_125,
        dt.datetime(2025, 12, 3, 10, 15, 30, 125000),
    ),
    (
        "mts",
        named(Type.INT64, "io.debezium.time.MicroTimestamp"),
        1_764_756_930_123_456,
        dt.datetime(2025, 12, 3, 10, 15, 30, 123456),
    ),
    (
        "zts",
        named(Type.STRING, "io.debezium.time.ZonedTimestamp"),
        "2025-12-03T10:15:30.123456Z",
        dt.datetime(2025, 12, 3, 10, 15, 30, 123456),
    ),
    ("js", named(Type.STRING, "io.debezium.data.Json"), '{"a": [1, 2], "b": "x"}', '{"a": [1, 2], "b": "x"}'),
    (
        "uid",
        named(Type.STRING, "io.debezium.data.Uuid"),
        "0b6f2c1e-8d43-4f3a-9a57-4c8e2f7d9b10",
        "0b6f2c1e-8d43-4f3a-9a57-4c8e2f7d9b10",
    ),
    ("en", named(Type.STRING, "io.debezium.data.Enum", allowed="red,green"), "green", "green"),
    ("tags", Schema.array(Schema(Type.STRING, True), optional=True), ["a", None, "c"], '["a", null, "c"]'),
    ("attrs", Schema.map(Schema(Type.STRING), Schema(Type.INT32), optional=True), {"x": 1}, '{"x": 1}'),
]
ROW = Schema.struct("row", [("id", Schema(Type.INT64)), *((f, s) for f, s, _, _ in FIELDS)])
KEY = Schema.struct("key", [("id", Schema(Type.INT64))])


class Reporter:
    def __init__(self) -> None:
        self.reported: list[tuple[int, str]] = []

    def report(self, record: SinkRecord, error: BaseException) -> None:
        self.reported.append((record.kafka_offset, str(error)))


class Context:
    connector_name, task_id = "jdbc-test", 0

    def __init__(self) -> None:
        self.errant_record_reporter = Reporter()


def start(target, table: str, **props: str) -> JdbcSinkTask:
    task = JdbcSinkTask()
    task.initialize(Context())  # type: ignore[arg-type]
    settings = {"insert.mode": "upsert", "pk.mode": "record_key", "auto.create": "true", "table.name.format": table}
    task.start(target.props(**{"max.retries": "2", "retry.backoff.ms": "50", **settings, **props}))
    return task


def row(offset: int, id_: int, schema: Schema = ROW, topic: str = "t", **values: Any) -> SinkRecord:
    value = {f.name: None for f in schema.fields} | {"id": id_, **values}
    return SinkRecord(topic, 0, KEY, {"id": id_}, schema, value, offset)


def test_every_common_type_is_created_and_written(target, unique_name):
    task = start(target, unique_name)
    task.put([row(0, 1, **{f: v for f, _, v, _ in FIELDS}), row(1, 2)])
    task.stop()
    names = ["id", *(f for f, _, _, _ in FIELDS)]
    got = target.rows(unique_name, names)
    assert len(got) == 2 and got[1] == (2, *[None] * len(FIELDS))
    expected = dict(zip(names, (1, *(canon for _, _, _, canon in FIELDS)), strict=True))
    from tests.integration.connectors.jdbc.targets import canonical

    assert dict(zip(names, got[0], strict=True)) == {k: canonical(v) for k, v in expected.items()}


def test_a_row_the_database_refuses_is_reported_and_the_rest_of_the_batch_written(target, unique_name):
    target.query(f"CREATE TABLE {target.quote(unique_name)} (id bigint PRIMARY KEY, txt varchar(5))")
    schema = Schema.struct("r", [("id", Schema(Type.INT64)), ("txt", Schema(Type.STRING, True))])
    task = start(target, unique_name)
    task.put([row(i, i, schema, txt="too long" if i in (3, 7) else f"ok{i}") for i in range(10)])
    task.stop()
    assert [o for o, _ in task.context.errant_record_reporter.reported] == [3, 7]
    assert unique_name in task.context.errant_record_reporter.reported[0][1]
    assert target.rows(unique_name, ["id", "txt"]) == [(i, f"ok{i}") for i in range(10) if i not in (3, 7)]


def test_with_a_sequence_column_a_replay_never_takes_a_row_back(target, unique_name):
    schema = Schema.struct("r", [("id", Schema(Type.INT64)), ("txt", Schema(Type.STRING, True))])
    task = start(
        target,
        unique_name,
        **{"sequence.column": "_kafka_offset", "sequence.source": "kafka.offset", "delete.enabled": "true"},
    )
    task.put([row(10, 1, schema, txt="v10"), row(11, 2, schema, txt="v11")])
    task.put([row(5, 1, schema, txt="older"), SinkRecord("t", 0, KEY, {"id": 2}, None, None, 3)])  # late and replayed
    assert target.rows(unique_name, ["id", "txt", "_kafka_offset"]) == [(1, "v10", 10), (2, "v11", 11)]
    task.put([row(12, 1, schema, txt="v12"), SinkRecord("t", 0, KEY, {"id": 2}, None, None, 13)])
    task.stop()
    assert target.rows(unique_name, ["id", "txt", "_kafka_offset"]) == [(1, "v12", 12)]


def test_a_new_field_is_added_with_auto_evolve_and_fails_the_task_naming_it_without(target, unique_name):
    v1 = Schema.struct("r", [("id", Schema(Type.INT64)), ("a", Schema(Type.STRING, True))])
    v2 = Schema.struct(
        "r", [("id", Schema(Type.INT64)), ("a", Schema(Type.STRING, True)), ("added", Schema(Type.INT32))]
    )
    strict = start(target, unique_name)
    strict.put([row(0, 1, v1, a="x")])
    with pytest.raises(ConnectException, match=f"{unique_name}.*'added'.*auto.evolve"):
        strict.put([row(1, 2, v2, a="y", added=5)])
    strict.stop()
    evolving = start(target, unique_name, **{"auto.evolve": "true"})
    evolving.put([row(1, 2, v2, a="y", added=5)])
    evolving.stop()
    assert target.rows(unique_name, ["id", "a", "added"]) == [(1, "x", None), (2, "y", 5)]


def test_a_lost_connection_is_reconnected_and_the_batch_written(target, unique_name):
    schema = Schema.struct("r", [("id", Schema(Type.INT64)), ("txt", Schema(Type.STRING, True))])
    task = start(target, unique_name)
    task.put([row(0, 1, schema, txt="a")])
    session = task._session
    if target.kind == "postgres":
        target.query(f"SELECT pg_terminate_backend({session.conn.info.backend_pid})")
    else:
        target.query(f"KILL {session.conn.thread_id()}")
    task.put([row(1, 2, schema, txt="b")])
    task.stop()
    assert target.rows(unique_name, ["id", "txt"]) == [(1, "a"), (2, "b")]


def test_validate_names_what_the_user_may_not_do(target, unique_name):
    user = f"u{uuid.uuid4().hex[:10]}"
    if target.kind == "postgres":
        target.query(f"CREATE ROLE {user} LOGIN PASSWORD 'pw'")  # may connect (PUBLIC may), not create
    else:
        target.query(f"CREATE USER '{user}'@'%' IDENTIFIED BY 'pw'")  # no grant: not even the database
    try:
        props = {
            **target.props(),
            "connection.user": user,
            "connection.password": "pw",
            "auto.create": "true",
            "topics": unique_name,
        }
        errors = JdbcSinkConnector().validate(props)["connection.user"].errors
        assert any("no CREATE privilege" in e or "Access denied" in e for e in errors), errors
        bad = JdbcSinkConnector().validate({**props, "connection.password": "wrong"})["connection.user"].errors
        assert bad and user in bad[0]
    finally:
        target.query(f"DROP ROLE {user}" if target.kind == "postgres" else f"DROP USER '{user}'@'%'")


def test_generated_text_and_bytes_read_back_unchanged(target, unique_name):
    """Seeded random text (quotes, backslashes, control characters, any plane) and bytes: each row reads back as
    written; PostgreSQL refuses text with NUL, and only those rows go to the error handling."""
    rng = random.Random(7)
    alphabet = ["'", '"', "\\", "\n", "\r", "\t", "\x1a", "\0", "%", "?", "é", "🙂", "\u2028", "a", " "]
    schema = Schema.struct("r", [("id", Schema(Type.INT64)), ("t", Schema(Type.STRING)), ("b", Schema(Type.BYTES))])
    texts = [
        "".join(rng.choice(alphabet) if rng.random() < 0.5 else chr(rng.randint(1, 0xD7FF)) for _ in range(n))
        for n in (rng.randint(0, 30) for _ in range(300))
    ]
    blobs = [rng.randbytes(rng.randint(0, 20)) for _ in texts]
    task = start(target, unique_name)
    task.put([row(i, i, schema, t=t, b=b) for i, (t, b) in enumerate(zip(texts, blobs, strict=True))])
    task.stop()
    refused = {i for i, t in enumerate(texts) if "\0" in t} if target.kind == "postgres" else set()
    assert {o for o, _ in task.context.errant_record_reporter.reported} == refused
    expected = [(i, t, b) for i, (t, b) in enumerate(zip(texts, blobs, strict=True)) if i not in refused]
    got = target.query(f"SELECT id, t, b FROM {target.quote(unique_name)} ORDER BY id")
    assert [(i, t, bytes(b)) for i, t, b in got] == expected


def test_a_missing_privilege_fails_the_task_naming_it(target, unique_name):
    user = f"u{uuid.uuid4().hex[:10]}"
    create = f"CREATE ROLE {user} LOGIN PASSWORD 'pw'" if target.kind == "postgres" else f"CREATE USER '{user}'"
    target.query(create + ("" if target.kind == "postgres" else " IDENTIFIED BY 'pw'"))
    try:
        task = JdbcSinkTask()
        task.initialize(Context())  # type: ignore[arg-type]
        props = target.props(**{"connection.user": user, "connection.password": "pw", "auto.create": "true"})
        with pytest.raises(ConnectException, match=r"Access denied|permission denied|privilege") as err:
            task.start(props | {"table.name.format": unique_name, "pk.mode": "record_key"})
            task.put([row(0, 1, Schema.struct("r", [("id", Schema(Type.INT64))]))])
        assert user in str(err.value)
        task.stop()
    finally:
        target.query(f"DROP ROLE {user}" if target.kind == "postgres" else f"DROP USER '{user}'@'%'")


def test_insert_and_update_modes(target, unique_name):
    schema = Schema.struct("r", [("id", Schema(Type.INT64)), ("txt", Schema(Type.STRING, True))])
    inserting = start(target, unique_name, **{"insert.mode": "insert", "pk.mode": "none"})
    inserting.put([row(i, i % 3, schema, txt=f"v{i}") for i in range(6)])  # no key: every record is a row
    inserting.stop()
    assert sorted(target.query(f"SELECT id, txt FROM {target.quote(unique_name)}")) == sorted(
        (i % 3, f"v{i}") for i in range(6)
    )
    target.drop(unique_name)
    target.query(f"CREATE TABLE {target.quote(unique_name)} (id bigint PRIMARY KEY, txt text)")
    target.query(f"INSERT INTO {target.quote(unique_name)} VALUES (1, 'one'), (2, 'two')")
    updating = start(target, unique_name, **{"insert.mode": "update"})
    updating.put([row(0, 2, schema, txt="TWO"), row(1, 3, schema, txt="absent"), row(2, 1, schema, txt=None)])
    updating.stop()
    assert target.rows(unique_name, ["id", "txt"]) == [(1, None), (2, "TWO")]
