"""End to end through the standalone worker: Postgres → CDC source → Kafka → S3 sink.

Debezium change events land as they are (JSON lines) and unwrapped by ExtractNewRecordState (Parquet in
daily folders); a record the format cannot take goes to the dead-letter topic while the rest is written.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from connect.runtime.standalone import running
from tests.fixtures.pipeline import postgres_source
from tests.integration.connectors.s3.s3_bucket import Bucket, sink_props
from tests.support.kafka import produce, read_topic, wait_until


@pytest.fixture
def bucket(services, unique_name):
    with Bucket(services, unique_name) as b:
        yield b


def test_change_events_land_as_they_are_and_unwrapped(pg, herder, services, unique_name, bucket):
    table = unique_name
    pg.execute(f'CREATE TABLE "{table}" (id bigint PRIMARY KEY, name text, price numeric(10,2))')
    pg.execute(f"""INSERT INTO "{table}" SELECT g, 'item ' || g, g * 1.25 FROM generate_series(1, 120) g""")
    topic = f"{unique_name}.public.{table}"
    herder.put_connector_config(f"{unique_name}-pg", postgres_source(services, unique_name, table), allow_replace=False)
    read_topic(services.kafka_bootstrap, topic, lambda ms: len(ms) >= 120, timeout=60)
    raw = {"connector.class": "s3", "topics": topic, **sink_props(services, bucket), "flush.size": "40"}
    raw["topics.dir"] = "raw"
    herder.put_connector_config(f"{unique_name}-raw", raw, allow_replace=False)
    rows = {
        **raw,
        "topics.dir": "rows",
        "format.class": "io.confluent.connect.s3.format.parquet.ParquetFormat",
        "partitioner.class": "io.confluent.connect.storage.partitioner.DailyPartitioner",
        "timestamp.extractor": "Record",
        "locale": "en-US",
        "timezone": "UTC",
        "transforms": "unwrap",
        "transforms.unwrap.type": "io.debezium.transforms.ExtractNewRecordState",
    }
    herder.put_connector_config(f"{unique_name}-rows", rows, allow_replace=False)
    for name in ("raw", "rows"):
        herder.wait_for(f"{unique_name}-{name}", running)
    wait_until(lambda: len(bucket.objects("rows/")) == 3 and len(bucket.objects("raw/")) == 3, timeout=60)
    envelopes = [e for k in bucket.objects("raw/") for e in bucket.records(k)]
    assert [(e["op"], e["before"], e["after"]["id"]) for e in envelopes] == [("r", None, i) for i in range(1, 121)]
    today = dt.datetime.now(dt.UTC)
    for key in bucket.objects("rows/"):
        assert key.startswith(f"rows/{topic}/year={today:%Y}/month={today:%m}/day=")
    parquet = [r for k in bucket.objects("rows/") for r in bucket.records(k)]
    assert parquet == [{"id": i, "name": f"item {i}", "price": Decimal(i * 125).scaleb(-2)} for i in range(1, 121)]


def test_a_record_the_format_cannot_take_is_dead_lettered_and_the_rest_written(herder, services, unique_name, bucket):
    topic, dlq = unique_name, unique_name + "-dlq"
    envelope = b'{"schema": {"type": "struct", "fields": [{"field": "n", "type": "int64"}]}, "payload": {"n": %d}}'
    produce(
        services.kafka_bootstrap,
        topic,
        [(None, envelope % 1), (None, b'{"schema": null, "payload": {"n": 2}}'), (None, envelope % 3)],
    )
    config = {
        "connector.class": "io.confluent.connect.s3.S3SinkConnector",
        "topics": topic,
        **sink_props(services, bucket),
        "format.class": "io.confluent.connect.s3.format.avro.AvroFormat",
        "flush.size": "2",
        "errors.tolerance": "all",
        "errors.deadletterqueue.topic.name": dlq,
        "errors.deadletterqueue.topic.replication.factor": "1",
    }
    herder.put_connector_config(f"{unique_name}-s3", config, allow_replace=False)
    wait_until(lambda: len(bucket.objects()) == 1, timeout=60, message="the object of offsets 0 and 2")
    (key,) = bucket.objects()
    assert key.endswith(f"{topic}+0+0000000000.avro")
    assert bucket.records(key) == [{"n": 1}, {"n": 3}]
    dead = read_topic(services.kafka_bootstrap, dlq, lambda ms: len(ms) >= 1, timeout=30)
    assert [json.loads(m.value()) for m in dead] == [{"schema": None, "payload": {"n": 2}}]
