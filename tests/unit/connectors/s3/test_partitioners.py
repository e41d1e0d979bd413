"""Encoded partitions as Confluent computes them: Kafka partition, fields, and time buckets in a zone."""

from __future__ import annotations

import datetime as dt

import pytest

from connect.data import Schema, SinkRecord
from connect.data.logical import timestamp_schema
from connect.data.schema import BOOLEAN_SCHEMA, FLOAT64_SCHEMA, INT32_SCHEMA, STRING_SCHEMA
from connectors.s3.config import TimeConfig
from connectors.s3.partitioners import (
    DefaultPartitioner,
    FieldPartitioner,
    PartitionException,
    TimeBasedPartitioner,
    field_time,
)
from connectors.s3.timezones import next_scheduled, zone

INNER = Schema.struct("inner", [("city", STRING_SCHEMA), ("at", timestamp_schema())])
ROW = Schema.struct(
    "row",
    [("region", STRING_SCHEMA), ("n", INT32_SCHEMA), ("ok", BOOLEAN_SCHEMA), ("x", FLOAT64_SCHEMA), ("in", INNER)],
)
AT = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
VALUE = {"region": "eu", "n": -7, "ok": True, "x": 1.5, "in": {"city": "Oslo", "at": AT}}


def record(value=VALUE, schema=ROW, ts=None, partition=4):
    return SinkRecord("t", partition, None, None, schema, value, 0, ts)


def test_default_and_field_partitions():
    assert DefaultPartitioner().encode(record(), 0) == "partition=4"
    fields = FieldPartitioner(("region", "n", "ok", "in.city"), "/")
    assert fields.encode(record(), 0) == "region=eu/n=-7/ok=true/in.city=Oslo"
    assert fields.encode(record({**VALUE, "region": None}, ROW.with_(fields=ROW.fields)), 0).startswith("region=null/")
    assert FieldPartitioner(("region",), "/").encode(record({"region": "us"}, None), 0) == "region=us"
    for name in ("x", "missing"):
        with pytest.raises(PartitionException):
            FieldPartitioner((name,), "/").encode(record(), 0)


def time_partitioner(
    duration: int, path: str, tz: str, extractor: str = "Record", field: str = ""
) -> TimeBasedPartitioner:
    return TimeBasedPartitioner(TimeConfig(duration, path, "en", tz, extractor, field))


def test_time_buckets_floor_the_local_time_of_the_zone():
    ts = int(dt.datetime(2026, 6, 30, 22, 30, tzinfo=dt.UTC).timestamp() * 1000)
    assert time_partitioner(86_400_000, "YYYY-MM-dd", "Europe/Paris").encode(record(ts=ts), 0) == "2026-07-01"
    assert time_partitioner(86_400_000, "YYYY-MM-dd", "UTC").encode(record(ts=ts), 0) == "2026-06-30"
    assert time_partitioner(900_000, "HH:mm", "-03:30").encode(record(ts=ts), 0) == "19:00"
    assert time_partitioner(3_600_000, "HH", "UTC", "Wallclock").encode(record(), ts) == "22"
    # Before 1970 Confluent truncates toward zero, as Java's division does.
    assert time_partitioner(86_400_000, "YYYY-MM-dd", "UTC").encode(record(ts=-1), 0) == "1970-01-01"
    with pytest.raises(PartitionException, match="no timestamp"):
        time_partitioner(1000, "ss", "UTC").encode(record(), 0)


def test_record_field_times():
    ms = int(AT.timestamp() * 1000)
    assert field_time("in.at")(record(), 0) == ms
    for raw in (ms, str(ms), "2026-01-02T03:04:05Z", "2026-01-02T04:04:05+01:00"):
        assert field_time("when")(record({"when": raw}, None), 0) == ms
    with pytest.raises(PartitionException):
        field_time("when")(record({"when": "yesterday"}, None), 0)


def test_scheduled_rotation_counts_periods_from_local_midnight():
    paris = zone("timezone", "Europe/Paris")
    now = int(dt.datetime(2026, 6, 30, 21, 50, tzinfo=dt.UTC).timestamp() * 1000)  # 23:50 in Paris
    assert next_scheduled(now, 3_600_000, paris) == now + 600_000  # midnight in Paris
    assert next_scheduled(now, 7 * 3_600_000, paris) == now + 600_000  # capped at the next midnight
    assert next_scheduled(now - 3_600_000, 4 * 3_600_000, paris) == now + 600_000
