"""The S3 sink task against the real S3-compatible store: formats read back with standard tools, rotation by
size, record time and wall clock, time-based paths in a time zone, recovery from the objects, bad input."""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from connect.data import Schema, SinkRecord
from connect.data.logical import date_schema, decimal_schema, decimal_to_bytes, timestamp_schema
from connect.data.schema import (
    BOOLEAN_SCHEMA,
    BYTES_SCHEMA,
    FLOAT64_SCHEMA,
    INT8_SCHEMA,
    INT32_SCHEMA,
    INT64_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
)
from connect.errors import ConnectException
from connect.spi import TopicPartition
from connectors.s3.connector import S3SinkConnector
from tests.integration.connectors.s3.s3_bucket import Bucket, Driver, sink_props
from tests.support.kafka import wait_until

INNER = Schema.struct("inner", [("a", INT32_SCHEMA), ("b", OPTIONAL_STRING_SCHEMA)])
ROW = Schema.struct(
    "shop.Row",
    [
        ("id", INT64_SCHEMA),
        ("small", INT8_SCHEMA),
        ("score", FLOAT64_SCHEMA),
        ("ok", BOOLEAN_SCHEMA),
        ("name", OPTIONAL_STRING_SCHEMA),
        ("raw", BYTES_SCHEMA),
        ("price", decimal_schema(2)),
        ("day", date_schema()),
        ("at", timestamp_schema()),
        ("tags", Schema.array(STRING_SCHEMA)),
        ("attrs", Schema.map(STRING_SCHEMA, INT32_SCHEMA)),
        ("inner", INNER),
    ],
    version=1,
)


def row(rng: random.Random, i: int) -> dict[str, Any]:
    return {
        "id": i,
        "small": rng.randint(-128, 127),
        "score": rng.uniform(-1e6, 1e6),
        "ok": rng.random() < 0.5,
        "name": rng.choice([None, f"name-{i}", "ünïcode ✓", ""]),
        "raw": rng.randbytes(rng.randint(0, 12)),
        "price": Decimal(rng.randint(-(10**8), 10**8)).scaleb(-2),
        "day": dt.date(2020, 1, 1) + dt.timedelta(days=rng.randint(0, 3000)),
        "at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(milliseconds=rng.randint(0, 10**10)),
        "tags": [f"t{rng.randint(0, 9)}" for _ in range(rng.randint(0, 3))],
        "attrs": {f"k{j}": rng.randint(-5, 5) for j in range(rng.randint(0, 3))},
        "inner": {"a": rng.randint(-(2**31), 2**31 - 1), "b": rng.choice([None, "x"])},
    }


def as_read_back(fmt: str, value: dict[str, Any]) -> dict[str, Any]:
    """What the standard reader of a format gives back for a row."""
    if fmt == "json":  # as Kafka Connect's JsonConverter writes it without schemas
        return {
            **value,
            "raw": base64.b64encode(value["raw"]).decode(),
            "price": base64.b64encode(decimal_to_bytes(value["price"], 2)).decode(),
            "day": (value["day"] - dt.date(1970, 1, 1)).days,
            "at": int(value["at"].timestamp() * 1000),
        }
    if fmt == "parquet":  # maps come back as (key, value) pairs
        return {**value, "attrs": list(value["attrs"].items())}
    return value


@pytest.fixture
def bucket(services, unique_name):
    with Bucket(services, unique_name) as b:
        yield b


@pytest.mark.parametrize("fmt", ["json", "avro", "parquet"])
def test_each_object_holds_exactly_the_records_of_its_offset_range(services, bucket, unique_name, fmt):
    rng = random.Random(24)
    tp = TopicPartition(unique_name, 0)
    values = [row(rng, i) for i in range(60)]
    sink = Driver(sink_props(services, bucket, **{"format.class": fmt, "flush.size": "7"}), {tp})
    try:
        offset = 0
        while offset < len(values):  # batches of random sizes, as polls hand them over
            size = rng.randint(1, 15)
            sink.put([SinkRecord(tp.topic, 0, None, None, ROW, values[o], o) for o in range(offset, offset + size)])
            offset += size
        sink.wait_safe({tp: 56})  # 8 objects of 7; the last 4 records are in the open file
    finally:
        sink.stop()
    keys = bucket.objects()
    ext = {"json": ".json", "avro": ".avro", "parquet": ".snappy.parquet"}[fmt]
    assert keys == [f"topics/{tp.topic}/partition=0/{tp.topic}+0+{start:010d}{ext}" for start in range(0, 56, 7)]
    for start, key in zip(range(0, 56, 7), keys, strict=True):
        expected = [as_read_back(fmt, v) for v in values[start : start + 7]]
        assert bucket.records(key) == expected


def test_gzip_and_bytes_round_trip(services, bucket, unique_name):
    tp = TopicPartition(unique_name, 0)
    props = sink_props(
        services, bucket, **{"format.class": "ByteArrayFormat", "flush.size": "4", "s3.compression.type": "gzip"}
    )
    sink = Driver(props, {tp})
    try:
        sink.put([SinkRecord(tp.topic, 0, None, None, BYTES_SCHEMA, f"line {i}".encode(), i) for i in range(8)])
        sink.wait_safe({tp: 8})
    finally:
        sink.stop()
    keys = bucket.objects()
    assert [k.rsplit("/", 1)[1] for k in keys] == [f"{tp.topic}+0+0000000000.bin.gz", f"{tp.topic}+0+0000000004.bin.gz"]
    assert bucket.records(keys[1]) == [b"line 4", b"line 5", b"line 6", b"line 7"]


def test_a_file_bigger_than_a_part_streams_as_a_multipart_upload(services, bucket, unique_name):
    tp = TopicPartition(unique_name, 0)
    sink = Driver(sink_props(services, bucket, **{"flush.size": "12000", "s3.part.size": str(5 * 1024 * 1024)}), {tp})
    pad = "p" * 1000
    try:
        for lo in range(0, 12000, 500):
            sink.put([SinkRecord(tp.topic, 0, None, None, None, {"n": o, "pad": pad}, o) for o in range(lo, lo + 500)])
        sink.wait_safe({tp: 12000})
    finally:
        sink.stop()
    (key,) = bucket.objects()
    etag = bucket.s3.head_object(Bucket=bucket.name, Key=key)["ETag"]
    assert etag.strip('"').endswith("-3")  # 12 MB in parts of 5 MB
    assert [r["n"] for r in bucket.records(key)] == list(range(12000))


def test_record_time_rotation_and_hourly_folders_in_the_configured_time_zone(services, bucket, unique_name):
    tp = TopicPartition(unique_name, 0)
    props = sink_props(
        services,
        bucket,
        **{
            "flush.size": "1000",
            "partitioner.class": "io.confluent.connect.storage.partitioner.TimeBasedPartitioner",
            "partition.duration.ms": "3600000",
            "path.format": "'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH",
            "locale": "en-US",
            "timezone": "America/New_York",
            "timestamp.extractor": "Record",
            "rotate.interval.ms": "600000",
        },
    )
    base = int(dt.datetime(2026, 3, 8, 5, 40, tzinfo=dt.UTC).timestamp() * 1000)  # 00:40 in New York (EST)
    stamps = [base + i * 240_000 for i in range(40)]  # every 4 minutes, across the switch to EDT at 07:00Z
    stamps.append(stamps[-1] + 86_400_000)  # a day later: seals the commit before it
    sink = Driver(props, {tp})
    try:
        sink.put([SinkRecord(tp.topic, 0, None, None, None, {"n": i}, i, ts) for i, ts in enumerate(stamps)])
        sink.wait_safe({tp: 40})
    finally:
        sink.stop()
    new_york = ZoneInfo("America/New_York")
    seen = []
    for key in bucket.objects():
        folder, name = key.removeprefix(f"topics/{tp.topic}/").rsplit("/", 1)
        numbers = [r["n"] for r in bucket.records(key)]
        assert int(name.split("+")[2].split(".")[0]) == numbers[0]
        times = [dt.datetime.fromtimestamp(stamps[n] / 1000, new_york) for n in numbers]
        assert {f"year={t:%Y}/month={t:%m}/day={t:%d}/hour={t:%H}" for t in times} == {folder}
        assert stamps[numbers[-1]] - stamps[numbers[0]] < 600_000  # rotate.interval.ms of record time
        seen += numbers
    assert sorted(seen) == list(range(40))
    hours = {k.split("/")[5] for k in bucket.objects()}
    assert "hour=03" in hours and "hour=02" not in hours  # 02:xx did not exist in New York that night


def test_wall_clock_rotation_commits_a_file_without_waiting_for_more_records(services, bucket, unique_name):
    tp = TopicPartition(unique_name, 0)
    props = sink_props(
        services, bucket, **{"flush.size": "1000", "rotate.schedule.interval.ms": "1000", "timezone": "UTC"}
    )
    sink = Driver(props, {tp})
    try:
        sink.put([SinkRecord(tp.topic, 0, None, None, None, {"n": i}, i) for i in range(5)])

        def committed() -> bool:
            sink.put([])  # the worker puts empty batches while no record arrives
            return sink.safe() == {tp: 5}

        wait_until(committed, timeout=20, message="the scheduled commit")
    finally:
        sink.stop()
    (key,) = bucket.objects()
    assert [r["n"] for r in bucket.records(key)] == [0, 1, 2, 3, 4]


def test_daily_partitioner_uses_the_local_date(services, bucket, unique_name):
    tp = TopicPartition(unique_name, 0)
    props = sink_props(
        services,
        bucket,
        **{
            "flush.size": "2",
            "partitioner.class": "DailyPartitioner",
            "locale": "en",
            "timezone": "Asia/Tokyo",
            "timestamp.extractor": "RecordField",
            "timestamp.field": "meta.when",
        },
    )
    sink = Driver(props, {tp})
    try:  # 14:00Z is 23:00 in Tokyo, 16:30Z is already June 1st there
        sink.put(
            [
                SinkRecord(tp.topic, 0, None, None, None, {"meta": {"when": "2026-05-31T14:00:00Z"}}, 0),
                SinkRecord(tp.topic, 0, None, None, None, {"meta": {"when": 1780245000000}}, 1),  # 16:30Z
            ]
        )
        sink.wait_safe({tp: 2})
    finally:
        sink.stop()
    folders = sorted(k.split("/")[2:5] for k in bucket.objects())
    assert folders == [["year=2026", "month=05", "day=31"], ["year=2026", "month=06", "day=01"]]


def test_field_partitioner_and_keys_and_headers_objects(services, bucket, unique_name):
    tp = TopicPartition(unique_name, 3)
    schema = Schema.struct("order", [("region", STRING_SCHEMA), ("n", INT64_SCHEMA)])
    props = sink_props(
        services,
        bucket,
        **{
            "flush.size": "4",
            "partitioner.class": "FieldPartitioner",
            "partition.field.name": "region",
            "store.kafka.keys": "true",
            "store.kafka.headers": "true",
            "keys.format.class": "JsonFormat",
            "headers.format.class": "JsonFormat",
        },
    )
    sink = Driver(props, {tp})
    records = [
        SinkRecord(
            tp.topic, 3, STRING_SCHEMA, f"k{i}", schema, {"region": "eu" if i % 2 else "us", "n": i}, i
        ).with_header("trace", f"t{i}")
        for i in range(4)
    ]
    try:
        sink.put(records)
        sink.wait_safe({tp: 4})
    finally:
        sink.stop()
    base = f"topics/{tp.topic}"
    assert bucket.objects() == sorted(
        f"{base}/region={region}/{tp.topic}+3+{start:010d}{kind}.json"
        for region, start in (("eu", 1), ("us", 0))
        for kind in ("", ".keys", ".headers")
    )
    assert bucket.records(f"{base}/region=eu/{tp.topic}+3+0000000001.json") == [
        {"region": "eu", "n": 1},
        {"region": "eu", "n": 3},
    ]
    assert bucket.records(f"{base}/region=eu/{tp.topic}+3+0000000001.keys.json") == ["k1", "k3"]
    assert bucket.records(f"{base}/region=eu/{tp.topic}+3+0000000001.headers.json") == [
        {"headers": [{"key": "trace", "value": "t1"}]},
        {"headers": [{"key": "trace", "value": "t3"}]},
    ]


def test_records_that_do_not_fit_go_to_the_error_handling_and_the_rest_is_written(services, bucket, unique_name):
    tp = TopicPartition(unique_name, 0)
    sink = Driver(sink_props(services, bucket, **{"format.class": "AvroFormat", "flush.size": "3"}), {tp})
    good = Schema.struct("r", [("n", INT64_SCHEMA)])
    records = [
        SinkRecord(tp.topic, 0, None, None, good, {"n": 0}, 0),
        SinkRecord(tp.topic, 0, None, None, None, {"n": 1}, 1),  # no schema: not Avro
        SinkRecord(tp.topic, 0, None, None, good, None, 2),  # a tombstone, behavior.on.null.values=fail
        SinkRecord(tp.topic, 0, None, None, good, {"n": "three"}, 3),  # not a long
        SinkRecord(tp.topic, 0, None, None, good, {"n": 4}, 4),
        SinkRecord(tp.topic, 0, None, None, good, {"n": 5}, 5),
    ]
    try:
        sink.put(records)
        sink.wait_safe({tp: 6})
    finally:
        sink.stop()
    assert sink.reporter is not None
    assert [r.kafka_offset for r, _e in sink.reporter.reported] == [1, 2, 3]
    (key,) = bucket.objects()
    assert key.endswith("+0+0000000000.avro")
    assert bucket.records(key) == [{"n": 0}, {"n": 4}, {"n": 5}]


def test_the_offset_is_recovered_from_the_objects_when_the_group_has_none(services, bucket, unique_name):
    tp = TopicPartition(unique_name, 0)
    props = sink_props(services, bucket, **{"flush.size": "3"})
    first = Driver(props, {tp})
    try:
        first.put([SinkRecord(tp.topic, 0, None, None, None, {"n": i}, i) for i in range(10)])
        first.wait_safe({tp: 9})
    finally:
        first.stop()
    before = {k: bucket.read(k) for k in bucket.objects()}
    again = Driver(props, {tp})  # the group's offsets are gone: the consumer starts at 0 again
    try:
        again.put([SinkRecord(tp.topic, 0, None, None, None, {"n": i}, i) for i in range(12)])
        assert again.context.rewinds == {tp: 6}  # the newest commit (6..8) is written again, not 0..8
        again.wait_safe({tp: 12})
    finally:
        again.stop()
    keys = bucket.objects()
    assert len(keys) == 4
    assert {k: bucket.read(k) for k in keys if k in before} == before
    assert [r["n"] for k in keys for r in bucket.records(k)] == list(range(12))


def test_an_unfinished_commit_is_deleted_before_it_is_written_again(services, bucket, unique_name):
    tp = TopicPartition(unique_name, 0)
    props = sink_props(
        services, bucket, **{"flush.size": "4", "partitioner.class": "FieldPartitioner", "partition.field.name": "g"}
    )
    first = Driver(props, {tp})
    try:
        first.put([SinkRecord(tp.topic, 0, None, None, None, {"n": i, "g": i % 2}, i) for i in range(8)])
        first.wait_safe({tp: 8})
    finally:
        first.stop()
    # A crash between the objects of the second commit: one of its two files never made it.
    (lost,) = [k for k in bucket.objects() if k.endswith("+0000000005.json")]
    bucket.s3.delete_object(Bucket=bucket.name, Key=lost)
    # Replayed with another cut (as a wall-clock rotation would): one file per record group is rewritten.
    again = Driver({**props, "flush.size": "2"}, {tp})
    try:
        again.put([SinkRecord(tp.topic, 0, None, None, None, {"n": i, "g": i % 2}, i) for i in range(4, 8)])
        again.wait_safe({tp: 8})
    finally:
        again.stop()
    numbers = sorted(r["n"] for k in bucket.objects() for r in bucket.records(k))
    assert numbers == list(range(8))


def test_validate_and_start_name_a_missing_bucket_and_bad_credentials(services, bucket):
    props = sink_props(services, bucket, **{"connector.class": "s3", "topics": "t"})
    assert not any(v.errors for v in S3SinkConnector().validate(props).values())
    missing = S3SinkConnector().validate({**props, "s3.bucket.name": bucket.name + "-nope"})
    assert "does not exist" in " ".join(missing["s3.bucket.name"].errors)
    denied = S3SinkConnector().validate({**props, "aws.secret.access.key": "wrong"})
    assert "access denied" in " ".join(denied["aws.access.key.id"].errors)
    with pytest.raises(ConnectException, match="does not exist"):
        Driver({**props, "s3.bucket.name": bucket.name + "-nope"}, set())
    with pytest.raises(ConnectException, match="access denied"):
        Driver({**props, "aws.secret.access.key": "wrong"}, set())


def test_a_json_line_per_record_as_kafka_connect_writes_it(services, bucket, unique_name):
    tp = TopicPartition(unique_name, 0)
    sink = Driver(sink_props(services, bucket, **{"flush.size": "2"}), {tp})
    try:
        sink.put(
            [
                SinkRecord(tp.topic, 0, None, None, None, {"a": [1, {"b": None}]}, 0),
                SinkRecord(tp.topic, 0, None, None, STRING_SCHEMA, "plain", 1),
            ]
        )
        sink.wait_safe({tp: 2})
    finally:
        sink.stop()
    (key,) = bucket.objects()
    assert bucket.read(key) == b'{"a":[1,{"b":null}]}\n"plain"\n'
    assert [json.loads(line) for line in bucket.read(key).splitlines()] == [{"a": [1, {"b": None}]}, "plain"]
