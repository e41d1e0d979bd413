"""A Schema Registry outage is an outage, not a bad record: the real registry behind a proxy this test takes down."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from prometheus_client import REGISTRY

from connect.converters.avro import AvroConverter
from connect.data import INT64_SCHEMA, OPTIONAL_STRING_SCHEMA, Schema
from connect.errors import RetriableException
from connect.runtime.herder import State
from connect.runtime.standalone import StandaloneHerder, running
from tests.fixtures.pipeline import postgres_source
from tests.fixtures.worker import worker_props
from tests.support import plugins
from tests.support.kafka import produce, read_topic, wait_until
from tests.support.registry import read_avro, replay
from tests.support.tcp_proxy import TcpProxy

ROW = Schema.struct("shop.orders.Value", [("id", INT64_SCHEMA)])
WIDER = Schema.struct("shop.orders.Value", [("id", INT64_SCHEMA), ("note", OPTIONAL_STRING_SCHEMA)])


def proxied(services, proxy: TcpProxy) -> str:
    return services.registry_url.replace(f":{urlsplit(services.registry_url).port}/", f":{proxy.port}/")


def converter(url: str) -> AvroConverter:
    c = AvroConverter()
    c.configure({"schema.registry.url": url}, False)
    return c


def test_while_the_registry_is_down_known_schemas_convert_and_new_ones_are_retriable(services, unique_name):
    target = urlsplit(services.registry_url)
    with TcpProxy(target.hostname or "127.0.0.1", target.port or 80) as proxy:
        writer, url = converter(proxied(services, proxy)), proxied(services, proxy)
        first = writer.from_connect(unique_name, ROW, {"id": 1})
        reader = converter(url)
        assert reader.to_connect(unique_name, first).value == {"id": 1}
        proxy.down()
        # No registry call for what is cached: writing and reading go on through the outage.
        assert reader.to_connect(unique_name, writer.from_connect(unique_name, ROW, {"id": 2})).value == {"id": 2}
        with pytest.raises(RetriableException, match="Schema Registry unreachable"):
            writer.from_connect(unique_name, WIDER, {"id": 3, "note": "new schema"})
        with pytest.raises(RetriableException, match="Schema Registry unreachable"):
            converter(url).to_connect(unique_name, first)
        proxy.up()
        third = writer.from_connect(unique_name, WIDER, {"id": 3, "note": "new schema"})
        assert converter(url).to_connect(unique_name, third).value == {"id": 3, "note": "new schema"}


def test_cdc_waits_out_a_registry_outage_and_dead_letters_nothing(pg, avro_herder, services, unique_name):
    table, herder, name = unique_name, avro_herder, f"{unique_name}-pg"
    topic, dlq = f"{unique_name}.public.{table}", f"{unique_name}-dlq"
    pg.execute(f'CREATE TABLE "{table}" (id int PRIMARY KEY, name text)')
    pg.execute(f"""INSERT INTO "{table}" SELECT g, 'item ' || g FROM generate_series(1, 5) g""")
    target = urlsplit(services.registry_url)
    with TcpProxy(target.hostname or "127.0.0.1", target.port or 80) as proxy:
        url = proxied(services, proxy)
        config = postgres_source(services, unique_name, table)
        config.update(
            {
                "value.converter": "io.confluent.connect.avro.AvroConverter",
                "value.converter.schema.registry.url": url,
                "errors.tolerance": "all",
                "errors.deadletterqueue.topic.name": dlq,
                "errors.deadletterqueue.topic.replication.factor": "1",
            }
        )
        herder.put_connector_config(name, config, allow_replace=False)
        herder.wait_for(name, running)
        read_avro(services.kafka_bootstrap, services.registry_url, topic, lambda events: len(events) >= 5)
        proxy.down()
        pg.execute(f'ALTER TABLE "{table}" ADD COLUMN note text')  # a new schema: the registry is needed
        pg.execute(f"""INSERT INTO "{table}" SELECT g, 'item ' || g, 'during' FROM generate_series(6, 10) g""")

        def outage_named() -> bool:
            return "Schema Registry unreachable" in (herder.connector_status(name).tasks[0].trace or "")

        # Until the status names the outage, or (what must not happen) a record is dead-lettered.
        assert read_topic(services.kafka_bootstrap, dlq, lambda ms: bool(ms) or outage_named(), timeout=15) == []
        assert outage_named() and herder.connector_status(name).tasks[0].state is State.RUNNING
        proxy.up()
        events = read_avro(services.kafka_bootstrap, services.registry_url, topic, lambda es: len(es) >= 10)
        cursor = pg.execute(f'SELECT * FROM "{table}"')
        columns = [c.name for c in cursor.description]
        rows = {(("id", r[0]),): dict(zip(columns, r, strict=True)) for r in cursor.fetchall()}
        assert {k: v for k, v in replay(events).items() if k[0][1] > 5} == {
            k: v for k, v in rows.items() if k[0][1] > 5
        }
        assert read_topic(services.kafka_bootstrap, dlq, lambda ms: len(ms) > 0, timeout=2) == []


def test_a_sink_waits_out_a_registry_outage_and_dead_letters_nothing(services, unique_name, tmp_path):
    """The sink side: a schema id it has not read yet while the registry is down pauses the task (status,
    /health and metrics say so); what it could convert before it is delivered, the rest once it is back."""
    topic, dlq, name = unique_name, f"{unique_name}-dlq", f"{unique_name}-sink"
    writer = converter(services.registry_url)

    def send(schema: Schema, ids: range) -> None:
        values = [{"id": n} if schema is ROW else {"id": n, "note": "wider"} for n in ids]
        produce(services.kafka_bootstrap, topic, [(None, writer.from_connect(topic, schema, v)) for v in values])

    def received() -> list[int]:
        return [r.value["id"] for r in plugins.SINK_RECEIVED.get(name, [])]

    send(ROW, range(10))
    herder = StandaloneHerder(worker_props(services, tmp_path), registry=plugins.fake_registry())
    herder.start()
    target = urlsplit(services.registry_url)
    try:
        with TcpProxy(target.hostname or "127.0.0.1", target.port or 80) as proxy:
            config = {
                "connector.class": "collecting",
                "topics": topic,
                "value.converter": "io.confluent.connect.avro.AvroConverter",
                "value.converter.schema.registry.url": proxied(services, proxy),
                "errors.tolerance": "all",
                "errors.deadletterqueue.topic.name": dlq,
                "errors.deadletterqueue.topic.replication.factor": "1",
            }
            herder.put_connector_config(name, config, allow_replace=False)
            wait_until(lambda: len(received()) >= 10, message="the first records in the sink")
            proxy.down()
            send(ROW, range(10, 15))  # a schema the sink has read already: converted during the outage
            send(WIDER, range(15, 20))  # a new schema id: the registry is needed
            send(ROW, range(20, 25))

            def outage_named() -> bool:
                return "Schema Registry unreachable" in (herder.connector_status(name).tasks[0].trace or "")

            assert read_topic(services.kafka_bootstrap, dlq, lambda ms: bool(ms) or outage_named(), timeout=20) == []
            assert herder.connector_status(name).tasks[0].state is State.RUNNING
            [degraded] = herder.health()["degraded"]
            assert degraded["connector"] == name and "Schema Registry unreachable" in degraded["reason"]
            labels = {"connector": name, "task": "0"}
            assert REGISTRY.get_sample_value("connect_task_waiting", labels) == 1
            wait_until(lambda: len(received()) >= 15, message="the records before the new schema")
            proxy.up()
            wait_until(lambda: len(received()) >= 25, message="every record in the sink")
        assert received() == list(range(25))
        wait_until(lambda: herder.connector_status(name).tasks[0].trace is None, message="the trace cleared")
        assert REGISTRY.get_sample_value("connect_task_waiting", labels) == 0
        assert REGISTRY.get_sample_value("connect_task_outages_total", labels) == 1
        assert read_topic(services.kafka_bootstrap, dlq, lambda ms: len(ms) > 0, timeout=2) == []
    finally:
        herder.stop()
        writer.close()
