"""Postgres CDC through the standalone worker's transform chain into Kafka, with JsonConverter schemas:
Debezium's unwrap, a RegexRouter and a Cast behind a predicate, all named by their Java class names."""

from __future__ import annotations

import orjson
import pytest
from confluent_kafka import Producer
from psycopg.conninfo import conninfo_to_dict

from connect.runtime.standalone import StandaloneHerder, running
from tests.integration.connectors.postgres.slots import drop_slot
from tests.support.kafka import read_topic, wait_until

pytestmark = pytest.mark.integration
KAFKA = "org.apache.kafka.connect.transforms."


@pytest.fixture
def herder(services, unique_name, pg, tmp_path):
    pg.execute(f"CREATE TABLE {unique_name} (id int PRIMARY KEY, v int NOT NULL, note text)")
    pg.execute(f"ALTER TABLE {unique_name} REPLICA IDENTITY FULL")  # deletes carry the whole old row
    herder = StandaloneHerder(
        {
            "bootstrap.servers": services.kafka_bootstrap,
            "key.converter": "JsonConverter",
            "key.converter.schemas.enable": "false",
            "value.converter": "JsonConverter",
            "value.converter.schemas.enable": "true",
            "offset.storage.file.filename": str(tmp_path / "offsets.json"),
            "offset.flush.interval.ms": "200",
            "listeners": "http://127.0.0.1:0",
        }
    )
    herder.start()
    yield herder
    herder.stop()
    drop_slot(pg, unique_name)
    pg.execute(f"DROP PUBLICATION IF EXISTS {unique_name}")
    pg.execute(f"DROP TABLE IF EXISTS {unique_name}")


def test_unwrapped_rows_reach_kafka_with_their_schema(herder, pg, services, unique_name):
    info = conninfo_to_dict(services.pg_dsn)
    pg.execute(f"INSERT INTO {unique_name} VALUES (1, 10, 'a'), (2, 20, NULL)")
    herder.put_connector_config(
        "pg",
        {
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
            "transforms": "unwrap,route,cast",
            "predicates": "isRows",
            "transforms.unwrap.type": "io.debezium.transforms.ExtractNewRecordState",
            "transforms.unwrap.delete.tombstone.handling.mode": "rewrite",
            "transforms.unwrap.add.fields": "op,table",
            "transforms.route.type": KAFKA + "RegexRouter",
            "transforms.route.regex": "[^.]+[.][^.]+[.](.*)",
            "transforms.route.replacement": "$1-rows",
            "transforms.cast.type": KAFKA + "Cast$Value",
            "transforms.cast.spec": "v:string",
            "transforms.cast.predicate": "isRows",
            "predicates.isRows.type": KAFKA + "predicates.TopicNameMatches",
            "predicates.isRows.pattern": ".*-rows",
        },
        allow_replace=False,
    )
    herder.wait_for("pg", running)
    topic = f"{unique_name}-rows"
    read_topic(services.kafka_bootstrap, topic, lambda ms: len(ms) >= 2)
    pg.execute(f"UPDATE {unique_name} SET v = 11 WHERE id = 1")
    pg.execute(f"DELETE FROM {unique_name} WHERE id = 2")
    messages = read_topic(services.kafka_bootstrap, topic, lambda ms: len(ms) >= 4)
    assert all(m.value() is not None for m in messages)  # rewrite mode drops the tombstones
    envelopes = [orjson.loads(m.value()) for m in messages]
    rows = [e["payload"] for e in envelopes]
    assert rows == [
        {"id": 1, "v": "10", "note": "a", "__deleted": "false", "__op": "r", "__table": unique_name},
        {"id": 2, "v": "20", "note": None, "__deleted": "false", "__op": "r", "__table": unique_name},
        {"id": 1, "v": "11", "note": "a", "__deleted": "false", "__op": "u", "__table": unique_name},
        {"id": 2, "v": "20", "note": None, "__deleted": "true", "__op": "d", "__table": unique_name},
    ]
    schema = envelopes[-1]["schema"]
    fields = {f["field"]: (f["type"], f["optional"]) for f in schema["fields"]}
    assert fields == {
        "id": ("int32", False),
        "v": ("string", False),
        "note": ("string", True),
        "__deleted": ("string", True),
        "__op": ("string", True),
        "__table": ("string", True),
    }
    assert schema["name"] == f"{unique_name}.public.{unique_name}.Value"
    assert [orjson.loads(m.key()) for m in messages] == [{"id": 1}, {"id": 2}, {"id": 1}, {"id": 2}]


def test_sink_records_are_transformed_before_the_sink_and_offsets_commit_on_the_original_topic(
    services, unique_name, tmp_path
):
    producer = Producer({"bootstrap.servers": services.kafka_bootstrap})
    for i, body in enumerate([b'{"id": 1, "secret": "s1"}', b'{"id": 2, "secret": "s2"}', None]):
        producer.produce(unique_name, body, b'"k%d"' % i, timestamp=1_706_696_130_250)
    assert producer.flush(15) == 0
    out = tmp_path / "out.jsonl"
    herder = StandaloneHerder(
        {
            "bootstrap.servers": services.kafka_bootstrap,
            "key.converter": "JsonConverter",
            "key.converter.schemas.enable": "false",
            "value.converter": "JsonConverter",
            "value.converter.schemas.enable": "false",
            "offset.storage.file.filename": str(tmp_path / "offsets.json"),
            "offset.flush.interval.ms": "200",
            "listeners": "http://127.0.0.1:0",
        }
    )
    herder.start()
    name = unique_name + "-file"
    try:
        herder.put_connector_config(
            name,
            {
                "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
                "topics": unique_name,
                "file": str(out),
                "file.format": "record",
                "transforms": "dropNulls,offset,mask,daily",
                "predicates": "isTombstone",
                "transforms.dropNulls.type": KAFKA + "Filter",
                "transforms.dropNulls.predicate": "isTombstone",
                "predicates.isTombstone.type": KAFKA + "predicates.RecordIsTombstone",
                "transforms.offset.type": KAFKA + "InsertField$Value",
                "transforms.offset.offset.field": "kafka_offset",
                "transforms.mask.type": KAFKA + "MaskField$Value",
                "transforms.mask.fields": "secret",
                "transforms.daily.type": KAFKA + "TimestampRouter",
                "transforms.daily.timestamp.format": "yyyy-MM-dd",
            },
            allow_replace=False,
        )
        wait_until(lambda: out.exists() and len(out.read_bytes().splitlines()) >= 2, message="two lines")
        lines = [orjson.loads(line) for line in out.read_bytes().splitlines()]
        assert [(r["topic"], r["value"]) for r in lines] == [
            (f"{unique_name}-2024-01-31", {"id": 1, "secret": "", "kafka_offset": 0}),
            (f"{unique_name}-2024-01-31", {"id": 2, "secret": "", "kafka_offset": 1}),
        ]
        # The consumer offset is committed for the topic read, not the one the router named, past the dropped tombstone.
        committed = {"partition": {"kafka_topic": unique_name, "kafka_partition": 0}, "offset": {"kafka_offset": 3}}
        wait_until(lambda: committed in herder.connector_offsets(name), message="offset 3 committed on the topic read")
    finally:
        herder.stop()
