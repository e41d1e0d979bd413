"""What issue #21 found against the real Debezium, each against the real Postgres: values that failed the task,
NaN written as null, missing headers and sequences, an ignored schema filter, and bad values per failure mode."""

from __future__ import annotations

import logging

import orjson
import pytest

from connect.converters.json import JsonConverter
from connect.errors import ConnectException
from tests.integration.connectors.postgres.test_source import changes, poll_until, start

pytestmark = pytest.mark.integration

EDGES = """
    (1, 'infinity', 'infinity', '-infinity', 'infinity', '178000000 years', 'NaN', 'Infinity'),
    (2, '-infinity', '-infinity', 'infinity', '-infinity', '-178000000 years', '-Infinity', 'NaN'),
    (3, '0044-03-15 BC', '0044-03-15 12:00:00 BC', '294276-12-31 23:59:59', '0044-03-15 12:00:00+00 BC', '1 mon',
     '1.5', '-0')
"""


def json_after(record) -> dict:
    converter = JsonConverter()
    converter.configure({"schemas.enable": "false"})
    return orjson.loads(converter.from_connect(record.topic, record.value_schema, record.value))["after"]


def test_infinities_bc_dates_and_overflowing_intervals_are_converted_as_debezium_does(tasks, props, pg, unique_name):
    pg.execute(
        f"CREATE TABLE {unique_name} (id int PRIMARY KEY, d date, ts timestamp, ts3 timestamp(3), tz timestamptz, "
        f"iv interval, r real, f double precision)"
    )
    pg.execute(f"INSERT INTO {unique_name} VALUES {EDGES}")
    task, _ = start(tasks, props)
    snapshot = {r.key["id"]: json_after(r) for r in poll_until(task, 3)}
    pg.execute(f"INSERT INTO {unique_name} SELECT id + 10, d, ts, ts3, tz, iv, r, f FROM {unique_name}")
    streamed = {r.key["id"] - 10: json_after(r) for r in changes(poll_until(task, 3))}
    # the values Debezium 3.7 writes (its snapshot and its stream read dates differently)
    assert [snapshot[i]["d"] for i in (1, 2, 3)] == [-622191234, -625821272, -703383]
    assert [streamed[i]["d"] for i in (1, 2, 3)] == [2146033979, -2147472691, -735160]
    for rows in (snapshot, streamed):
        assert [rows[i]["ts"] for i in (1, 2)] == [2**63 - 1, -(2**63)]
        assert rows[3]["ts"] == -63517780800000000
        assert [rows[i]["ts3"] for i in (1, 2, 3)] == [-9223372036832400000, 9223372036825200000, 9224318015999000]
        assert [rows[i]["tz"] for i in (1, 2, 3)] == ["infinity", "-infinity", "-0043-03-15T12:00:00.000000Z"]
        assert [rows[i]["iv"] for i in (1, 2, 3)] == [2**63 - 1, -(2**63), 2_629_800_000_000]
        # Kafka Connect's JsonConverter writes NaN and infinities as strings, never as null
        assert [rows[i]["r"] for i in (1, 2, 3)] == ["NaN", "-Infinity", 1.5]
        assert [rows[i]["f"] for i in (1, 2, 3)] == ["Infinity", "NaN", -0.0]


def test_headers_and_sequences_of_every_kind_of_event(tasks, props, pg, unique_name):
    pg.execute(f"CREATE TABLE {unique_name} (id int PRIMARY KEY, v text)")
    task, _ = start(tasks, props, **{"skipped.operations": "none", "snapshot.mode": "no_data"})
    with pg.transaction():
        pg.execute(f"INSERT INTO {unique_name} VALUES (1, 'a')")
        pg.execute(f"UPDATE {unique_name} SET id = 2 WHERE id = 1")
        pg.execute("SELECT pg_logical_emit_message(true, 'audit', 'in a transaction')")
    pg.execute(f"TRUNCATE {unique_name}")
    pg.execute("SELECT pg_logical_emit_message(false, 'audit', 'alone')")
    records = poll_until(task, 7)
    create, delete, tombstone, recreate, message, truncate, lone = records[:7]
    context = {h.key: h.value for h in create.headers}
    assert context["__debezium.context.connectorLogicalName"] == unique_name
    assert context["__debezium.context.connectorName"] == "postgresql"
    assert context["__debezium.context.taskId"] == "0" and context["__debezium.context.runId"]
    assert delete.header("__debezium.newkey").value == {"id": 2}
    assert tombstone.header("__debezium.newkey").value == {"id": 2}
    assert recreate.header("__debezium.oldkey").value == {"id": 1}
    assert truncate.value["op"] == "t" and truncate.header("__debezium.context.runId") is not None
    for record in (create, message, truncate, lone):
        assert record.value["source"]["sequence"], record
    assert lone.value["source"]["sequence"] == f'["{lone.value["source"]["lsn"]}","{lone.value["source"]["lsn"]}"]'
    assert message.headers == ()  # as Debezium's: logical messages carry no context headers


def test_schema_include_list_captures_only_those_schemas(tasks, props, pg, unique_name):
    pg.execute(f"CREATE SCHEMA {unique_name}")
    try:
        pg.execute(f"CREATE TABLE {unique_name}.inside (id int PRIMARY KEY)")
        pg.execute(f"CREATE TABLE {unique_name}_outside (id int PRIMARY KEY)")
        overrides = {"schema.include.list": unique_name, "table.include.list": f".*{unique_name}.*"}
        task, _ = start(tasks, props, **overrides)
        pg.execute(f"INSERT INTO {unique_name}_outside VALUES (1)")
        pg.execute(f"INSERT INTO {unique_name}.inside VALUES (2)")
        records = changes(poll_until(task, 1))
        assert [(r.topic, r.key) for r in records] == [(f"{unique_name}.{unique_name}.inside", {"id": 2})]
    finally:
        tasks.pop().stop() if tasks else None
        pg.execute(f"DROP SCHEMA {unique_name} CASCADE; DROP TABLE IF EXISTS {unique_name}_outside")


# An offset with seconds in a timetz: Debezium cannot convert it (and writes null by default).
BAD_TIMETZ = "'12:00:00+05:30:15'"


def test_a_value_that_cannot_be_converted_follows_the_converting_mode(tasks, props, pg, unique_name, caplog):
    pg.execute(f"CREATE TABLE {unique_name} (id int PRIMARY KEY, t timetz)")
    warned, _ = start(tasks, props, **{"snapshot.mode": "no_data"})
    with caplog.at_level(logging.WARNING, logger="connectors.postgres.failures"):
        pg.execute(f"INSERT INTO {unique_name} VALUES (1, {BAD_TIMETZ}), (2, '12:00:00+01')")
        rows = [r.value["after"] for r in changes(poll_until(warned, 2))]
    assert rows == [{"id": 1, "t": None}, {"id": 2, "t": "11:00:00Z"}]
    warning = next(r.getMessage() for r in caplog.records if "written as null" in r.getMessage())
    assert f"{unique_name}" in warning and "column t" in warning and "LSN " in warning
    tasks.pop().stop()

    failing, _ = start(tasks, props, **{"snapshot.mode": "no_data", "event.converting.failure.handling.mode": "fail"})
    pg.execute(f"INSERT INTO {unique_name} VALUES (3, {BAD_TIMETZ})")
    with pytest.raises(ConnectException) as failure:
        poll_until(failing, 1)
    message = str(failure.value)
    assert "column t" in message and "LSN " in message and "event.converting.failure.handling.mode" in message


def test_a_not_null_value_that_cannot_be_converted_fails_or_skips_its_event(tasks, props, pg, unique_name):
    pg.execute(f"CREATE TABLE {unique_name} (id int PRIMARY KEY, t timetz NOT NULL)")
    failing, _ = start(tasks, props, **{"snapshot.mode": "no_data"})
    pg.execute(f"INSERT INTO {unique_name} VALUES (1, {BAD_TIMETZ})")
    with pytest.raises(ConnectException, match=r"event\.processing\.failure\.handling\.mode"):
        poll_until(failing, 1)
    tasks.pop().stop()
    # the restart that gets past it: the event is skipped, the next ones come
    skipping, _ = start(tasks, props, **{"event.processing.failure.handling.mode": "warn"})
    pg.execute(f"INSERT INTO {unique_name} VALUES (2, '10:00:00+00')")
    assert [r.key for r in changes(poll_until(skipping, 1))] == [{"id": 2}]
