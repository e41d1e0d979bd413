"""The converters in the standalone worker against a real Kafka: typed records, headers and tombstones
go out as Kafka Connect writes them and come back to a sink equal."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

import orjson
import pytest

from connect.config import ConfigDef
from connect.converters.json import JsonConverter
from connect.data import INT64_SCHEMA, OPTIONAL_STRING_SCHEMA, STRING_SCHEMA, Header, Schema, SourceRecord
from connect.data.logical import date_schema, date_to_days, decimal_schema, timestamp_schema, timestamp_to_millis
from connect.plugins import PluginKind, PluginRegistry
from connect.runtime.standalone import StandaloneHerder
from connect.spi import SourceConnector, SourceTask
from tests.support import plugins
from tests.support.kafka import read_topic, wait_until

KEY = Schema.struct("shop.orders.Key", [("id", INT64_SCHEMA)])
VALUE = Schema.struct(
    "shop.orders.Value",
    [
        ("id", INT64_SCHEMA),
        ("customer", STRING_SCHEMA),
        ("note", OPTIONAL_STRING_SCHEMA),
        ("total", decimal_schema(2)),
        ("placed", timestamp_schema()),
        ("ships", date_schema(optional=True)),
        ("lines", Schema.map(STRING_SCHEMA, INT64_SCHEMA)),
    ],
    version=1,
)
COUNT = 20


def order(n: int) -> dict[str, Any]:
    return {
        "id": n,
        "customer": f"c{n % 3}",
        "note": None if n % 2 else "gift",
        "total": Decimal(n * 101) / 100,
        "placed": dt.datetime(2024, 5, 1, 12, 0, n, n * 1000, tzinfo=dt.UTC),
        "ships": dt.date(2024, 5, 2 + n % 20),
        "lines": {"sku-1": n, "sku-2": 2 * n},
    }


class OrdersTask(SourceTask):
    """COUNT orders with schemas and typed headers, then a tombstone for order 0."""

    def start(self, props: Mapping[str, Any]) -> None:
        self.topic = props["topic"]
        self.sent = False

    def poll(self) -> list[SourceRecord] | None:
        if self.sent:
            threading.Event().wait(0.05)
            return None
        self.sent = True
        headers = (
            Header("origin", "web"),
            Header("attempt", 42),
            Header("tags", ["a", "b"]),
            Header("day", dt.date(2024, 5, 1)),
        )
        out = [
            SourceRecord({"p": 0}, {"n": n}, self.topic, None, KEY, {"id": n}, VALUE, order(n), headers=headers)
            for n in range(COUNT)
        ]
        return [*out, SourceRecord({"p": 0}, {"n": COUNT}, self.topic, None, KEY, {"id": 0}, None, None)]

    def stop(self) -> None:
        pass


class Orders(SourceConnector):
    config_def: ClassVar[ConfigDef] = ConfigDef()
    task_class = OrdersTask

    def start(self, props: Mapping[str, Any]) -> None:
        self.props = dict(props)

    def task_configs(self, max_tasks: int) -> list[dict[str, Any]]:
        return [self.props]


@pytest.fixture
def herder(services, tmp_path):
    registry = PluginRegistry.of({PluginKind.CONNECTOR: {"orders": Orders}}, base=plugins.fake_registry())
    h = StandaloneHerder(
        {
            "bootstrap.servers": services.kafka_bootstrap,
            "key.converter": "org.apache.kafka.connect.json.JsonConverter",
            "value.converter": "org.apache.kafka.connect.json.JsonConverter",
            "offset.storage.file.filename": str(tmp_path / "offsets.json"),
            "offset.flush.interval.ms": "200",
            "listeners": "http://127.0.0.1:0",
        },
        registry=registry,
    )
    h.start()
    yield h
    h.stop()


def test_records_travel_in_kafka_connects_json_and_come_back_equal(herder, services, unique_name):
    topic = unique_name
    herder.put_connector_config("orders", {"connector.class": "orders", "topic": topic}, allow_replace=False)
    messages = read_topic(services.kafka_bootstrap, topic, lambda ms: len(ms) >= COUNT + 1)

    # On the wire: the envelope Kafka Connect writes, headers in its text format, a real tombstone.
    first = messages[0]
    expected = JsonConverter().from_connect(topic, VALUE, order(0))
    assert first.value() == expected
    assert first.value().startswith(
        b'{"schema":{"type":"struct","fields":[{"type":"int64","optional":false,"field":"id"},'
    )
    assert orjson.loads(first.value())["payload"]["total"] == "AA=="  # Decimal 0.00, base64 of its unscaled bytes
    assert (
        first.key() == b'{"schema":{"type":"struct","fields":[{"type":"int64","optional":false,"field":"id"}],'
        b'"optional":false,"name":"shop.orders.Key"},"payload":{"id":0}}'
    )
    assert dict(first.headers()) == {"origin": b"web", "attempt": b"42", "tags": b'["a","b"]', "day": b"2024-05-01"}
    assert messages[-1].value() is None

    # Back through a sink: the same values, schemas and typed headers.
    herder.put_connector_config("collect", {"connector.class": "collecting", "topics": topic}, allow_replace=False)
    wait_until(lambda: len(plugins.SINK_RECEIVED.get("collect", [])) >= COUNT + 1, message="records in the sink")
    received = plugins.SINK_RECEIVED.pop("collect")
    assert [r.value for r in received[:COUNT]] == [order(n) for n in range(COUNT)]
    assert all(r.value_schema == VALUE and r.key_schema == KEY for r in received[:COUNT])
    assert received[0].value_schema is received[1].value_schema  # one parsed schema for the stream
    headers = {h.key: (h.value, h.schema.type.value) for h in received[0].headers}
    assert headers == {
        "origin": ("web", "string"),
        "attempt": (42, "int8"),
        "tags": (["a", "b"], "array"),
        "day": (dt.date(2024, 5, 1), "int32"),
    }
    assert received[-1].value is None and received[-1].key == {"id": 0}


def test_connector_override_writes_plain_json(herder, services, unique_name):
    topic = unique_name
    herder.put_connector_config(
        "plain",
        {
            "connector.class": "orders",
            "topic": topic,
            "value.converter": "JsonConverter",
            "value.converter.schemas.enable": "false",
            "value.converter.decimal.format": "NUMERIC",
        },
        allow_replace=False,
    )
    messages = read_topic(services.kafka_bootstrap, topic, lambda ms: len(ms) >= COUNT + 1)
    one = order(1)
    assert orjson.loads(messages[1].value()) == {
        **one,
        "total": 1.01,
        "placed": timestamp_to_millis(one["placed"]),
        "ships": date_to_days(one["ships"]),
    }
    assert b'"total":1.01,' in messages[1].value()  # the decimal as a JSON number, digits as they are
    assert messages[1].key().startswith(b'{"schema":')  # the worker's key converter still applies
