"""Postgres CDC → AvroConverter (a real Schema Registry) → Kafka → the Elasticsearch and Redis sinks reading Avro.

The sinks end equal to the table through inserts, updates, deletes and a column added on the way (a new
schema version under BACKWARD); Confluent's AvroDeserializer alone reads every record Kafka holds.
"""

from __future__ import annotations

from typing import Any

import psycopg

from connect.runtime.herder import State
from connect.runtime.standalone import running
from tests.fixtures.pipeline import postgres_source
from tests.integration.connectors.elasticsearch.es_index import EsIndex
from tests.integration.connectors.redis.redis_keys import KeySpace
from tests.support.kafka import wait_until
from tests.support.registry import read_avro, replay, set_compatibility, versions


def table_rows(pg: psycopg.Connection, table: str) -> list[dict[str, Any]]:
    cursor = pg.execute(f'SELECT * FROM "{table}" ORDER BY id')
    columns = [c.name for c in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def as_documents(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(r["id"]): {**r, "price": None if r["price"] is None else float(r["price"])} for r in rows}


def as_hashes(rows: list[dict[str, Any]], prefix: str) -> dict[bytes, dict[bytes, bytes]]:
    return {
        f"{prefix}:{r['id']}".encode(): {k.encode(): str(v).encode() for k, v in r.items() if v is not None}
        for r in rows
    }


def test_cdc_in_avro_reaches_elasticsearch_and_redis_through_a_schema_change(pg, avro_herder, services, unique_name):
    table, herder = unique_name, avro_herder
    topic = f"{unique_name}.public.{table}"
    pg.execute(f'CREATE TABLE "{table}" (id bigint PRIMARY KEY, name text, qty int NOT NULL, price numeric(10,2))')
    pg.execute(f"""INSERT INTO "{table}" SELECT g, 'item ' || g, g % 7, g * 1.25 FROM generate_series(1, 100) g""")
    for side in ("key", "value"):
        set_compatibility(services.registry_url, f"{topic}-{side}", "BACKWARD")
    written = 100
    with EsIndex(services.es_url, topic) as index, KeySpace(services.redis_url, table) as keys:
        herder.put_connector_config(f"{table}-pg", postgres_source(services, unique_name, table), allow_replace=False)
        herder.wait_for(f"{table}-pg", running)
        wait_until(lambda: versions(services.registry_url, f"{topic}-value") == [1], timeout=60, message="schema")
        herder.put_connector_config(
            f"{table}-es",
            {
                "connector.class": "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector",
                "topics": topic,
                "connection.url": services.es_url,
                "behavior.on.null.values": "delete",
            },
            allow_replace=False,
        )
        herder.put_connector_config(
            f"{table}-redis",
            {
                "connector.class": "com.redis.kafka.connect.RedisSinkConnector",
                "topics": topic,
                "redis.uri": services.redis_url,
                "redis.type": "HASH",
                "redis.key.prefix": table,
            },
            allow_replace=False,
        )
        wait_until(lambda: index.count() == 100 and len(keys.names()) == 100, timeout=90, message="the snapshot")

        written += pg.execute(
            f"""INSERT INTO "{table}" SELECT g, 'new ' || g, 1, 2.50 FROM generate_series(101, 120) g"""
        ).rowcount
        written += pg.execute(f"""UPDATE "{table}" SET qty = qty + 100, name = NULL WHERE id % 10 = 0""").rowcount
        written += 2 * pg.execute(f'DELETE FROM "{table}" WHERE id % 9 = 0').rowcount  # each with its tombstone
        # A nullable column added upstream: a second schema version, compatible under BACKWARD.
        pg.execute(f'ALTER TABLE "{table}" ADD COLUMN note text')
        written += pg.execute(f"""UPDATE "{table}" SET note = CASE WHEN id % 2 = 0 THEN 'even ' || id END""").rowcount
        written += pg.execute(f"""INSERT INTO "{table}" VALUES (500, 'late', 5, 0.10, 'with a note')""").rowcount

        rows = table_rows(pg, table)
        assert len(rows) == 108 and rows[-1]["note"] == "with a note"
        wait_until(lambda: index.sources() == as_documents(rows), timeout=90, message="the index to equal the table")
        wait_until(lambda: keys.snapshot() == as_hashes(rows, table), timeout=60, message="Redis to equal the table")
        assert versions(services.registry_url, f"{topic}-value") == [1, 2]
        assert versions(services.registry_url, f"{topic}-key") == [1]
        for name in ("pg", "es", "redis"):
            assert herder.connector_status(f"{table}-{name}").tasks[0].state is State.RUNNING

    # Confluent's deserializer, with nothing of ours in between, reads every record back to the same table.
    events = read_avro(services.kafka_bootstrap, services.registry_url, topic, lambda es: len(es) >= written)
    assert len(events) == written
    assert replay(events) == {(("id", r["id"]),): r for r in rows}
