"""End to end through the standalone worker: Postgres → CDC source → Kafka → Elasticsearch sink.

After a mixed insert/update/delete workload the index equals the table; a document the index
mapping rejects goes to the dead-letter topic as it was consumed (key, value and headers), with the error
context, while the rest are indexed; without errors.tolerance it fails the task, naming where it was read.
"""

from __future__ import annotations

from typing import Any

import psycopg
from confluent_kafka import Producer

from connect.runtime.herder import State
from connect.runtime.standalone import running
from tests.fixtures.pipeline import postgres_source
from tests.integration.connectors.elasticsearch.es_index import EsIndex
from tests.support.kafka import produce, read_topic, wait_until


def table_rows(pg: psycopg.Connection, table: str) -> dict[str, dict[str, Any]]:
    rows = pg.execute(f'SELECT id, name, qty, price FROM "{table}"').fetchall()
    return {str(i): {"id": i, "name": n, "qty": q, "price": float(p) if p is not None else None} for i, n, q, p in rows}


def test_the_index_mirrors_the_table_after_inserts_updates_and_deletes(pg, herder, services, unique_name):
    table = unique_name
    pg.execute(f'CREATE TABLE "{table}" (id bigint PRIMARY KEY, name text, qty int, price numeric(10,2))')
    pg.execute(f"""INSERT INTO "{table}" SELECT g, 'item ' || g, g % 7, g * 1.25 FROM generate_series(1, 200) g""")
    topic = f"{unique_name}.public.{table}"
    with EsIndex(services.es_url, topic) as target:
        herder.put_connector_config(
            f"{unique_name}-pg", postgres_source(services, unique_name, table), allow_replace=False
        )
        # The worker's sink consumer fails on a topic that does not exist yet: let the snapshot create it.
        read_topic(services.kafka_bootstrap, topic, lambda ms: len(ms) >= 200, timeout=60)
        herder.put_connector_config(
            f"{unique_name}-es",
            {
                "connector.class": "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector",
                "topics": topic,
                "connection.url": services.es_url,
                "behavior.on.null.values": "delete",
            },
            allow_replace=False,
        )
        herder.wait_for(f"{unique_name}-es", running)
        wait_until(lambda: target.count() == 200, timeout=60, message="the snapshot indexed")
        # Streaming: one transaction of each kind, then a row touched several times in a row.
        pg.execute(f"""INSERT INTO "{table}" SELECT g, 'new ' || g, 1, 2.50 FROM generate_series(201, 260) g""")
        pg.execute(f"""UPDATE "{table}" SET qty = qty + 100, name = name || ' (edited)' WHERE id % 5 = 0""")
        pg.execute(f'DELETE FROM "{table}" WHERE id % 9 = 0')
        with pg.transaction():
            pg.execute(f"""UPDATE "{table}" SET price = NULL WHERE id = 1""")
            pg.execute(f"""UPDATE "{table}" SET price = 9.99, name = 'last word' WHERE id = 1""")
            pg.execute(f'DELETE FROM "{table}" WHERE id = 2')
            pg.execute(f"""INSERT INTO "{table}" VALUES (2, 'back again', 5, 0.10)""")
        expected = table_rows(pg, table)
        wait_until(lambda: target.sources() == expected, timeout=60, message="the index to equal the table")
        mapping = target.mapping()
        assert mapping["id"] == {"type": "long"} and mapping["qty"] == {"type": "integer"}
        assert mapping["price"] == {"type": "double"}
        for state in (herder.connector_status(f"{unique_name}-{c}").tasks[0].state for c in ("pg", "es")):
            assert state is State.RUNNING


def es_sink(topic: str, url: str, **props: str) -> dict[str, str]:
    """A schemaless JSON Elasticsearch sink whose records get a field and a header from transforms."""
    return {
        "connector.class": "elasticsearch",
        "topics": topic,
        "connection.url": url,
        "key.converter": "StringConverter",
        "value.converter": "JsonConverter",
        "value.converter.schemas.enable": "false",
        "transforms": "origin,tag",
        "transforms.origin.type": "InsertField$Value",
        "transforms.origin.static.field": "origin",
        "transforms.origin.static.value": "kafka",
        "transforms.tag.type": "InsertHeader",
        "transforms.tag.header": "added-by",
        "transforms.tag.value.literal": "sluice",
        **props,
    }


REJECTED = b'{ "qty" :  "lots",\n  "note": 2 }'  # bytes no converter writes: the original is recognisable


def test_a_document_the_mapping_rejects_is_dead_lettered_as_consumed_and_the_rest_indexed(
    herder, services, unique_name
):
    topic, dlq = unique_name, unique_name + "-dlq"
    with EsIndex(services.es_url, topic) as target:
        target.es.indices.create(index=target.name, mappings={"properties": {"qty": {"type": "long"}}})
        producer = Producer({"bootstrap.servers": services.kafka_bootstrap})
        for key, value, headers in [
            (b"1", b'{"qty": 1}', []),
            (b"2", REJECTED, [("trace", b"abc"), ("trace", b"def"), ("empty", None)]),
            (b"3", b'{"qty": 3}', []),
        ]:
            producer.produce(topic, value, key, headers=headers)
        assert producer.flush(15) == 0
        name = unique_name + "-es"
        herder.put_connector_config(
            name,
            es_sink(
                topic,
                services.es_url,
                **{
                    "errors.tolerance": "all",
                    "errors.deadletterqueue.topic.name": dlq,
                    "errors.deadletterqueue.topic.replication.factor": "1",
                    "errors.deadletterqueue.context.headers.enable": "true",
                },
            ),
            allow_replace=False,
        )
        [dead] = read_topic(services.kafka_bootstrap, dlq, lambda ms: len(ms) >= 1, timeout=60)
        # What was consumed, byte for byte, before the transforms: the sink kept only the document's bytes.
        assert (dead.key(), dead.value()) == (b"2", REJECTED)
        headers = dead.headers()
        assert headers[:3] == [("trace", b"abc"), ("trace", b"def"), ("empty", None)]
        context = dict(headers[3:])
        assert "added-by" not in context
        assert context["__connect.errors.topic"] == topic.encode()
        assert context["__connect.errors.partition"] == b"0"
        assert context["__connect.errors.offset"] == b"1"
        assert context["__connect.errors.connector.name"] == name.encode()
        assert context["__connect.errors.stage"] == b"TASK_PUT"
        assert context["__connect.errors.class.name"] == b"connectors.elasticsearch.sink.ElasticsearchSinkTask"
        assert context["__connect.errors.exception.class.name"] == b"connect.errors.DataException"
        assert b"document_parsing_exception" in context["__connect.errors.exception.message"]
        expected = {"1": {"qty": 1, "origin": "kafka"}, "3": {"qty": 3, "origin": "kafka"}}
        wait_until(lambda: target.sources() == expected, message="the good records")
        assert herder.connector_status(name).tasks[0].state is State.RUNNING


def test_without_tolerance_a_rejected_document_fails_the_task_naming_where_it_was_read(herder, services, unique_name):
    topic = unique_name
    with EsIndex(services.es_url, topic) as target:
        target.es.indices.create(index=target.name, mappings={"properties": {"qty": {"type": "long"}}})
        produce(services.kafka_bootstrap, topic, [(b"1", b'{"qty": 1}'), (b"2", REJECTED), (b"3", b'{"qty": 3}')])
        name = unique_name + "-es"
        herder.put_connector_config(name, es_sink(topic, services.es_url), allow_replace=False)
        herder.wait_for(name, lambda status: status.tasks and status.tasks[0].state is State.FAILED, timeout=60)
        trace = herder.connector_status(name).tasks[0].trace or ""
        assert f"record {topic}-0@1" in trace and "document_parsing_exception" in trace
