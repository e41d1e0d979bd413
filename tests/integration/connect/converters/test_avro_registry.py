"""AvroConverter against the real Schema Registry: Confluent's serializers on the other side, subject strategies,
schema evolution with defaults, use.latest.version, and our compatibility verdicts diffed with the registry's."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal

import httpx
import pytest
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext
from hypothesis import HealthCheck, given, settings

from connect.converters.avro import AvroConverter
from connect.converters.avro_compat import explain
from connect.data import INT64_SCHEMA, OPTIONAL_STRING_SCHEMA, STRING_SCHEMA, Schema, Type
from connect.data.logical import decimal_schema, timestamp_schema
from connect.errors import DataException
from tests.support.avro_schema_pairs import evolved
from tests.support.registry import set_compatibility, versions


def avro(services, **props: str) -> AvroConverter:
    c = AvroConverter()
    c.configure({"schema.registry.url": services.registry_url, **props}, False)
    return c


def test_a_confluent_producers_records_read_as_connect_data_and_ours_by_confluents_deserializer(services, unique_name):
    client = SchemaRegistryClient({"url": services.registry_url})
    schema = {
        "type": "record",
        "name": "Order",
        "namespace": f"shop.{unique_name}",
        "fields": [
            {"name": "id", "type": "long"},
            {"name": "total", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}},
            {"name": "placed", "type": {"type": "long", "logicalType": "timestamp-millis"}},
            {"name": "note", "type": ["null", "string"], "default": None},
        ],
    }
    order = {"id": 7, "total": Decimal("12.50"), "placed": dt.datetime(2024, 5, 1, tzinfo=dt.UTC), "note": None}
    context = SerializationContext(unique_name, MessageField.VALUE)
    data = AvroSerializer(client, json.dumps(schema))(order, context)
    read = avro(services).to_connect(unique_name, data)
    assert read.value == order
    assert read.schema.name == f"shop.{unique_name}.Order" and read.schema.field("note").schema.optional
    # And back: what we write from that Connect data, Confluent's deserializer reads as the same order.
    ours = avro(services).from_connect(unique_name, read.schema, read.value)
    assert AvroDeserializer(client)(ours, context) == order


def test_subject_name_strategies(services, unique_name):
    row = Schema.struct(f"shop.{unique_name}.Row", [("id", INT64_SCHEMA)])
    for strategy, subject in (
        ("TopicNameStrategy", f"{unique_name}-value"),
        ("io.confluent.kafka.serializers.subject.RecordNameStrategy", f"shop.{unique_name}.Row"),
        ("TopicRecordNameStrategy", f"{unique_name}-shop.{unique_name}.Row"),
    ):
        avro(services, **{"value.subject.name.strategy": strategy}).from_connect(unique_name, row, {"id": 1})
        assert versions(services.registry_url, subject) == [1], strategy


def test_fields_added_with_defaults_evolve_under_backward_and_full_transitive_names_the_version_it_breaks(
    services, unique_name
):
    subject = f"{unique_name}-value"
    set_compatibility(services.registry_url, subject, "BACKWARD")
    v1 = Schema.struct(f"shop.{unique_name}.Row", [("id", INT64_SCHEMA)])
    v2 = Schema.struct(
        v1.name,
        [
            ("id", INT64_SCHEMA),
            ("region", Schema(Type.STRING, default="eu")),
            ("placed", timestamp_schema(optional=True)),
            ("total", decimal_schema(2, optional=True)),
        ],
    )
    c = avro(services)
    first = c.from_connect(unique_name, v1, {"id": 1})
    second = c.from_connect(unique_name, v2, {"id": 2, "region": "us", "placed": None, "total": Decimal("1.50")})
    assert versions(services.registry_url, subject) == [1, 2]
    reader = avro(services)
    assert reader.to_connect(unique_name, first).value == {"id": 1}
    assert reader.to_connect(unique_name, second).value == {
        "id": 2,
        "region": "us",
        "placed": None,
        "total": Decimal("1.50"),
    }

    set_compatibility(services.registry_url, subject, "FULL_TRANSITIVE")
    v3 = Schema.struct(v1.name, [("id", INT64_SCHEMA), ("region", STRING_SCHEMA)])  # no default any more
    with pytest.raises(DataException) as err:
        avro(services).from_connect(unique_name, v3, {"id": 3, "region": "eu"})
    message = str(err.value)
    # Version 2 has region (with a default) and reads it both ways; version 1, without region, does not.
    assert f"under subject {subject}: it is not FULL_TRANSITIVE compatible with version 1 (id" in message
    assert (
        "version 2" not in message
        and f"field `region` of record `shop.{unique_name}.Row`: it has no default" in message
    )
    assert versions(services.registry_url, subject) == [1, 2]


def test_use_latest_version_writes_with_the_registered_schema(services, unique_name):
    row = Schema.struct(f"shop.{unique_name}.Row", [("id", INT64_SCHEMA), ("note", OPTIONAL_STRING_SCHEMA)])
    registered = avro(services).from_connect(unique_name, row, {"id": 1, "note": "x"})
    latest = {"auto.register.schemas": "false", "use.latest.version": "true"}
    narrower = Schema.struct(row.name, [("id", INT64_SCHEMA)])  # the latest (with a defaulted note) reads it
    data = avro(services, **latest).from_connect(unique_name, narrower, {"id": 2})
    assert data[:5] == registered[:5]
    assert avro(services).to_connect(unique_name, data).value == {"id": 2, "note": None}
    with pytest.raises(DataException, match=r"latest\.compatibility\.strict=false"):
        avro(services, **latest).from_connect(
            unique_name, Schema.struct(row.name, [("id", STRING_SCHEMA)]), {"id": "x"}
        )


@pytest.fixture(scope="module")
def probe(services):
    """A keep-alive client and fresh subject names for the examples; their subjects are deleted at the end."""
    names: list[str] = []
    with httpx.Client(base_url=services.registry_url, timeout=10) as client:

        def subject() -> str:
            names.append(f"t_compat_probe_{uuid.uuid4().hex[:12]}-value")
            return names[-1]

        yield client, subject
        for name in names:
            client.delete(f"/subjects/{name}")
            client.delete(f"/subjects/{name}", params={"permanent": "true"})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(evolved())
def test_our_compatibility_verdicts_are_the_registrys(probe, pair):
    """The registry's own check (Avro's SchemaCompatibility, in Java) beside ours on randomly evolved schemas."""
    client, new_subject = probe
    old, new = pair
    subject = new_subject()
    registered = client.post(f"/subjects/{subject}/versions", json={"schema": json.dumps(old)})
    assert registered.status_code == 200, registered.text
    for level in ("BACKWARD", "FORWARD", "FULL"):
        client.put(f"/config/{subject}", json={"compatibility": level}).raise_for_status()
        answer = client.post(f"/compatibility/subjects/{subject}/versions/latest", json={"schema": json.dumps(new)})
        ours = [str(i) for i in explain(level, new, old)]
        assert answer.json()["is_compatible"] == (not ours), (level, ours)
