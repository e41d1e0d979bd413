"""The outbox EventRouter on Debezium envelopes, with and without schemas."""

from __future__ import annotations

from typing import Any

import pytest

from connect.data import Schema, SourceRecord
from connect.data.schema import INT64_SCHEMA, OPTIONAL_INT32_SCHEMA, OPTIONAL_STRING_SCHEMA, STRING_SCHEMA
from connect.data.schema import Type as SchemaType
from connect.errors import ConfigException, ConnectException, DataException
from connect.plugins import PluginKind, default_registry
from transforms.json_schemas import JsonSchemas
from transforms.outbox_event_router import EventRouter

UUID = Schema(SchemaType.STRING, name="io.debezium.data.Uuid", version=1)
JSON = Schema(SchemaType.STRING, optional=True, name="io.debezium.data.Json", version=1)
ZONED = Schema(SchemaType.STRING, optional=True, name="io.debezium.time.ZonedTimestamp", version=1)
ROW = Schema.struct(
    "shop.public.outbox.Value",
    [
        ("id", UUID),
        ("aggregatetype", STRING_SCHEMA),
        ("aggregateid", STRING_SCHEMA),
        ("type", OPTIONAL_STRING_SCHEMA),
        ("payload", JSON),
        ("created_at", ZONED),
        ("idempotency_key", OPTIONAL_STRING_SCHEMA),
        ("part", OPTIONAL_INT32_SCHEMA),
    ],
    optional=True,
)
ENVELOPE = Schema.struct(
    "shop.public.outbox.Envelope",
    [
        ("before", ROW),
        ("after", ROW),
        ("source", Schema.struct("src", [("db", OPTIONAL_STRING_SCHEMA)])),
        ("op", STRING_SCHEMA),
        ("ts_ms", INT64_SCHEMA),
    ],
)


def row(**changes: Any) -> dict[str, Any]:
    base = {
        "id": "6f1c0d7e-0000-4000-8000-000000000001",
        "aggregatetype": "Order",
        "aggregateid": "ord-42",
        "type": "OrderPlaced",
        "payload": '{"orderId": "ord-42", "total": 12.5, "lines": [{"sku": "a", "qty": 2}]}',
        "created_at": "2024-05-01T12:00:00.250000Z",
        "idempotency_key": "ord-42-placed",
        "part": 3,
    }
    base.update(changes)
    return base


def event(op: str = "c", after: dict[str, Any] | None = None, schemas: bool = True, **row_changes: Any) -> SourceRecord:
    image = after if after is not None else row(**row_changes)
    value = {
        "before": None,
        "after": None if op == "d" else image,
        "source": {"db": "shop"},
        "op": op,
        "ts_ms": 1_700_000_000_000,
    }
    if op in ("u", "d"):
        value["before"] = image
    return SourceRecord(
        {"server": "shop"},
        {"lsn": 1},
        "shop.public.outbox",
        None,
        Schema.struct("k", [("id", UUID)]) if schemas else None,
        {"id": image["id"]},
        ENVELOPE if schemas else None,
        value,
    )


def router(**props: str) -> EventRouter:
    r = EventRouter()
    r.configure(props)
    return r


def test_routes_an_insert_with_debezium_defaults():
    out = router().apply(event())
    assert out is not None
    assert out.topic == "outbox.event.Order"
    assert out.key == "ord-42" and out.key_schema == STRING_SCHEMA
    assert out.value == row()["payload"] and out.value_schema == JSON  # not expanded by default
    assert [(h.key, h.value, h.schema) for h in out.headers] == [("id", row()["id"], UUID)]
    assert out.timestamp == 1_700_000_000_000  # the event's ts_ms when no timestamp column is set
    assert out.source_offset == {"lsn": 1}, "offsets travel with the routed record"


def test_snapshot_reads_are_routed_like_inserts():
    assert router().apply(event("r")).topic == "outbox.event.Order"


def test_seed_table_columns_replacement_and_timestamp_column():
    r = router(
        **{
            "table.field.event.key": "aggregate_id",
            "table.field.event.type": "event_type",
            "route.by.field": "event_type",
            "route.topic.replacement": "${routedByValue}",
            "table.field.event.timestamp": "created_at",
            "table.fields.additional.placement": "idempotency_key:header:idempotency-key",
        }
    )
    image = {
        "id": "e1",
        "aggregate_id": "ord-7",
        "event_type": "OrderPlaced",
        "payload": "{}",
        "idempotency_key": "k-7",
        "created_at": "2024-05-01T12:00:00.250000Z",
    }
    out = r.apply(event(after=image, schemas=False))
    assert out.topic == "OrderPlaced" and out.key == "ord-7"
    assert {h.key: h.value for h in out.headers} == {"id": "e1", "idempotency-key": "k-7"}
    assert out.timestamp == 1_714_564_800_250


def test_java_named_groups_and_numbered_references_in_the_route():
    r = router(
        **{"route.topic.regex": "(?<kind>[A-Z][a-z]+)(?<rest>.*)", "route.topic.replacement": "events.${kind}.$2"}
    )
    assert r.apply(event(aggregatetype="OrderLine")).topic == "events.Order.Line"
    assert r.apply(event(aggregatetype="lower")).topic == "lower", "a value the regex does not match is the topic"


def test_expanded_payload_gets_an_inferred_schema_shared_by_equal_shapes():
    r = router(**{"table.expand.json.payload": "true"})
    first = r.apply(event())
    assert first.value == {"orderId": "ord-42", "total": 12.5, "lines": [{"sku": "a", "qty": 2}]}
    schema = first.value_schema
    assert schema.name == "payload" and schema.optional
    assert [f.name for f in schema.fields] == ["orderId", "total", "lines"]
    assert schema.field("total").schema.type is SchemaType.FLOAT64
    lines = schema.field("lines").schema
    assert lines.type is SchemaType.ARRAY and lines.value_schema.name == "payload.lines"
    assert lines.value_schema.field("qty").schema.type is SchemaType.INT32
    second = r.apply(event(payload='{"orderId": "ord-43", "total": 1.0, "lines": [{"sku": "b", "qty": 1}]}'))
    assert second.value_schema is schema, "one schema object per payload shape"


def test_expanded_json_nulls_and_empty_arrays_follow_the_behaviors():
    payload = '{"a": null, "b": [], "c": 1}'
    ignore = router(**{"table.expand.json.payload": "true"}).apply(event(payload=payload))
    assert ignore.value == {"c": 1} and [f.name for f in ignore.value_schema.fields] == ["c"]
    keep = router(
        **{
            "table.expand.json.payload": "true",
            "table.json.payload.null.behavior": "optional_bytes",
            "table.json.payload.empty.array.behavior": "optional_string",
        }
    ).apply(event(payload=payload))
    assert keep.value == {"a": None, "b": [], "c": 1}
    assert keep.value_schema.field("a").schema.type is SchemaType.BYTES
    assert keep.value_schema.field("b").schema.value_schema == OPTIONAL_STRING_SCHEMA


def test_json_arrays_widen_numbers_and_unite_object_fields():
    out = router(**{"table.expand.json.payload": "true"}).apply(
        event(payload='{"n": [1, 5000000000, 2.5], "o": [{"x": 1}, {"y": "s"}]}')
    )
    assert out.value_schema.field("n").schema.value_schema.type is SchemaType.FLOAT64
    assert [f.name for f in out.value_schema.field("o").schema.value_schema.fields] == ["x", "y"]
    with pytest.raises(DataException, match="mixes strings and numbers"):
        JsonSchemas("payload").infer({"bad": ["a", 1]})


def test_schemaless_expansion_gives_the_parsed_document():
    out = router(**{"table.expand.json.payload": "true"}).apply(event(schemas=False))
    assert out.value["lines"][0]["qty"] == 2 and out.value_schema is None and out.key_schema is None


@pytest.mark.parametrize("payload", ["not json", '{"open": ', "42"])
def test_payload_that_is_not_json_names_the_column_when_expanding(payload):
    with pytest.raises(DataException, match="column 'payload'"):
        router(**{"table.expand.json.payload": "true"}).apply(event(payload=payload))


def test_missing_type_and_route_values_name_their_column():
    with pytest.raises(DataException, match="column 'type'"):
        router().apply(event(type=None))
    with pytest.raises(DataException, match="column 'aggregatetype'"):
        router().apply(event(aggregatetype=None))
    image = row()
    del image["payload"]
    with pytest.raises(DataException, match="no column 'payload'"):
        router().apply(event(after=image, schemas=False))


def test_deletes_tombstones_and_non_events():
    r = router()
    assert r.apply(event("d")) is None
    tombstone = event().replace(value=None, value_schema=None)
    assert r.apply(tombstone) is None
    heartbeat = SourceRecord(
        {"server": "shop"}, {"lsn": 2}, "__debezium-heartbeat.shop", None, None, None, None, {"ts_ms": 1}
    )
    assert r.apply(heartbeat) is heartbeat


def test_updates_follow_the_invalid_op_behavior(caplog):
    assert router().apply(event("u")) is None
    assert "was updated" in caplog.text
    with pytest.raises(ConnectException, match="fatal") as info:
        router(**{"table.op.invalid.behavior": "fatal"}).apply(event("u"))
    assert not isinstance(info.value, DataException), "fatal is not a tolerable data error"
    with pytest.raises(ConnectException):
        router(**{"debezium.op.invalid.behavior": "fatal"}).apply(event("u"))  # the older key name


def test_additional_fields_in_envelope_header_and_partition():
    r = router(**{"table.fields.additional.placement": "type:envelope:eventType,idempotency_key:header,part:partition"})
    out = r.apply(event())
    assert out.value == {"payload": row()["payload"], "eventType": "OrderPlaced"}
    assert out.value_schema.name == "shop.public.outbox.Order.Value"
    assert [f.name for f in out.value_schema.fields] == ["payload", "eventType"]
    assert out.header("idempotency_key").value == "ord-42-placed"
    assert out.kafka_partition == 3


def test_missing_additional_column_errors_or_is_left_out():
    image = row()
    del image["idempotency_key"]
    with pytest.raises(DataException, match="idempotency_key"):
        router(**{"table.fields.additional.placement": "idempotency_key:header"}).apply(
            event(after=image, schemas=False)
        )
    for props in ({"table.fields.additional.error.on.missing": "false"}, {"table.field.additional.missing": "ignore"}):
        out = router(**{"table.fields.additional.placement": "idempotency_key:header", **props}).apply(
            event(after=image, schemas=False)
        )
        assert [h.key for h in out.headers] == ["id"]


def test_empty_payload_becomes_a_tombstone_when_asked():
    assert router(**{"route.tombstone.on.empty.payload": "true"}).apply(event(payload=None)).value is None
    kept = router().apply(event(payload=None))
    assert kept.value is None and kept.value_schema == JSON


def test_timestamp_column_of_the_wrong_type_names_the_column():
    with pytest.raises(DataException, match="column 'aggregateid'"):
        router(**{"table.field.event.timestamp": "aggregateid"}).apply(event())


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("route.topic.regex", "(unclosed"),
        ("route.topic.replacement", "x.${nope}"),
        ("table.fields.additional.placement", "col:nowhere"),
    ],
)
def test_bad_config_names_the_key(key, value):
    with pytest.raises(ConfigException, match=key):
        router(**{key: value})


def test_registered_under_the_debezium_class_name():
    loaded = default_registry().load(PluginKind.TRANSFORMATION, "io.debezium.transforms.outbox.EventRouter")
    assert loaded is EventRouter
