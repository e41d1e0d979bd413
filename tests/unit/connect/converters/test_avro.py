"""AvroConverter against an in-process Schema Registry stand-in: wire format, Confluent's schema mapping, caching."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import fastavro
import pytest
from hypothesis import HealthCheck, given, settings

from connect.converters.avro import AvroConverter, _registry_errors
from connect.converters.avro_schema import from_avro_schema, to_avro_schema
from connect.converters.schema_registry import RegistryError, RegistryUnreachable
from connect.data import (
    BOOLEAN_SCHEMA,
    BYTES_SCHEMA,
    FLOAT32_SCHEMA,
    FLOAT64_SCHEMA,
    INT8_SCHEMA,
    INT16_SCHEMA,
    INT32_SCHEMA,
    INT64_SCHEMA,
    OPTIONAL_INT64_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    Schema,
    SchemaAndValue,
    Type,
)
from connect.data.logical import date_schema, decimal_schema, time_schema, timestamp_schema
from connect.errors import ConfigException, ConnectException, DataException, RetriableException
from tests.unit.connect.converters.fake_registry import FakeRegistry, serving
from tests.unit.connect.converters.strategies import typed

UTC = dt.UTC


@pytest.fixture
def registry():
    with serving(FakeRegistry()) as r:
        yield r


def avro(registry: FakeRegistry, is_key: bool = False, **props: str) -> AvroConverter:
    c = AvroConverter()
    c.configure({"schema.registry.url": registry.url, **props}, is_key)
    return c


KEY = Schema.struct("dbserver1.inventory.customers.Key", [("id", INT32_SCHEMA)])
ROW = Schema.struct(
    "com.example.Row",
    [
        ("i8", INT8_SCHEMA),
        ("i16", INT16_SCHEMA),
        ("i32", INT32_SCHEMA),
        ("i64", INT64_SCHEMA),
        ("f32", FLOAT32_SCHEMA),
        ("f64", FLOAT64_SCHEMA),
        ("b", BOOLEAN_SCHEMA),
        ("s", STRING_SCHEMA),
        ("raw", BYTES_SCHEMA),
        ("dec", decimal_schema(2, optional=True)),
        ("day", date_schema()),
        ("tod", time_schema()),
        ("ts", timestamp_schema()),
        ("tags", Schema.array(STRING_SCHEMA)),
        ("attrs", Schema.map(STRING_SCHEMA, OPTIONAL_INT64_SCHEMA)),
        ("by_id", Schema.map(INT32_SCHEMA, STRING_SCHEMA)),
        ("note", Schema(Type.STRING, optional=True, default="none")),
        ("inner", Schema.struct("com.example.Inner", [("x", INT64_SCHEMA)], optional=True)),
        ("again", Schema.struct("com.example.Inner", [("x", INT64_SCHEMA)], optional=True)),
    ],
    version=3,
    doc="a row",
)
VALUE = {
    "i8": -1,
    "i16": 300,
    "i32": 1 << 30,
    "i64": -(1 << 60),
    "f32": 1.5,
    "f64": 2.25,
    "b": True,
    "s": "ß",
    "raw": b"\x00\xff",
    "dec": Decimal("12.34"),
    "day": dt.date(2024, 2, 29),
    "tod": dt.time(1, 2, 3, 4000),
    "ts": dt.datetime(2024, 2, 29, 1, 2, 3, 4000, tzinfo=UTC),
    "tags": ["a"],
    "attrs": {"k": None, "j": 1},
    "by_id": {1: "one", -2: "minus two"},
    "note": "given",
    "inner": {"x": 7},
    "again": None,
}


def test_wire_format_is_magic_byte_schema_id_and_avro_binary(registry):
    data = avro(registry).from_connect("customers", KEY, {"id": 1004})
    assert data[0] == 0
    schema_id = int.from_bytes(data[1:5], "big")
    assert registry.subjects == {"customers-value": [schema_id]}
    written = fastavro.parse_schema(json.loads(registry.text(schema_id)))
    assert fastavro.schemaless_reader(io.BytesIO(data[5:]), written, None) == {"id": 1004}


def test_registers_the_schema_confluent_registers():
    # What Confluent's AvroConverter registers for a Debezium key.
    assert to_avro_schema(KEY) == {
        "type": "record",
        "name": "Key",
        "namespace": "dbserver1.inventory.customers",
        "fields": [{"name": "id", "type": "int"}],
        "connect.name": "dbserver1.inventory.customers.Key",
    }


def test_maps_connect_types_as_avro_data_does():
    fields = {f["name"]: f for f in to_avro_schema(ROW)["fields"]}
    assert fields["i8"]["type"] == {"type": "int", "connect.type": "int8"}
    assert fields["dec"] == {
        "name": "dec",
        "default": None,
        "type": [
            "null",
            {
                "type": "bytes",
                "scale": 2,
                "precision": 64,
                "connect.version": 1,
                "connect.parameters": {"scale": "2"},
                "connect.name": "org.apache.kafka.connect.data.Decimal",
                "logicalType": "decimal",
            },
        ],
    }
    assert fields["day"]["type"]["logicalType"] == "date"
    assert fields["tod"]["type"]["logicalType"] == "time-millis"
    assert fields["ts"]["type"] == {
        "type": "long",
        "connect.version": 1,
        "logicalType": "timestamp-millis",
        "connect.name": "org.apache.kafka.connect.data.Timestamp",
    }
    assert fields["attrs"]["type"] == {"type": "map", "values": ["null", "long"]}
    assert fields["by_id"]["type"]["items"]["name"] == "MapEntry"
    assert fields["note"] == {
        "name": "note",
        "type": [{"type": "string", "connect.default": "none"}, "null"],
        "default": "none",
    }
    assert fields["inner"]["type"][1]["name"] == "Inner" and fields["again"]["type"] == ["null", "com.example.Inner"]
    unnamed = to_avro_schema(Schema.struct(None, [("a", Schema.struct(None, [("b", INT32_SCHEMA)]))]))
    assert (unnamed["name"], unnamed["namespace"]) == ("ConnectDefault", "io.confluent.connect.avro")
    assert unnamed["fields"][0]["type"]["name"] == "ConnectDefault2"


@pytest.mark.parametrize("is_key", [True, False])
def test_round_trip_of_every_type(registry, is_key):
    c = avro(registry, is_key)
    data = c.from_connect("rows", ROW, VALUE)
    assert list(registry.subjects) == ["rows-key" if is_key else "rows-value"]
    read = avro(registry, is_key).to_connect("rows", data)
    assert read == SchemaAndValue(ROW, VALUE)


def test_schema_ids_are_registered_and_fetched_once(registry):
    writer, reader = avro(registry), avro(registry)
    for i in range(5):
        reader.to_connect("rows", writer.from_connect("rows", KEY, {"id": i}))
    assert registry.requests.count(("POST", "/subjects/rows-value/versions")) == 1
    assert sum(1 for m, p in registry.requests if m == "GET") == 1


def test_nulls_are_tombstones_and_defaults_fill_in(registry):
    c = avro(registry)
    assert c.from_connect("t", None, None) is None
    assert c.from_connect("t", ROW.with_(optional=True), None) is None
    assert c.to_connect("t", None) == SchemaAndValue(None, None)
    read = c.to_connect("t", c.from_connect("t", ROW, {**VALUE, "note": None}))
    assert read.value["note"] == "none"


def test_reads_avro_written_by_other_producers(registry):
    # An envelope whose before/after refer to one record by name, and an enum, as Java producers register them.
    value_schema = {
        "type": "record",
        "name": "Value",
        "namespace": "db.public.t",
        "fields": [
            {"name": "id", "type": "long"},
            {"name": "state", "type": {"type": "enum", "name": "State", "symbols": ["ON", "OFF"]}},
        ],
    }
    envelope = {
        "type": "record",
        "name": "Envelope",
        "namespace": "db.public.t",
        "fields": [
            {"name": "before", "type": ["null", value_schema], "default": None},
            {"name": "after", "type": ["null", "Value"], "default": None},
            {"name": "op", "type": "string"},
        ],
    }
    schema_id = registry.register("db.public.t-value", json.dumps(envelope))
    out = io.BytesIO()
    out.write(b"\x00" + schema_id.to_bytes(4, "big"))
    fastavro.schemaless_writer(
        out, fastavro.parse_schema(envelope), {"before": None, "after": {"id": 1, "state": "ON"}, "op": "c"}
    )
    read = avro(registry).to_connect("db.public.t", out.getvalue())
    assert read.value == {"before": None, "after": {"id": 1, "state": "ON"}, "op": "c"}
    after = read.schema.field("after").schema
    assert after.optional and after.name == "db.public.t.Value" and after == read.schema.field("before").schema
    assert after.field("state").schema.type is Type.STRING


def test_connect_schema_survives_the_avro_round_trip():
    for schema in (
        ROW,
        KEY,
        Schema.map(INT64_SCHEMA, Schema.array(OPTIONAL_STRING_SCHEMA)),
        decimal_schema(5).with_(parameters={"scale": "5", "connect.decimal.precision": "10"}),
    ):
        assert from_avro_schema(json.loads(json.dumps(to_avro_schema(schema)))) == schema


def test_without_auto_registration_the_schema_must_exist(registry):
    with pytest.raises(DataException, match="Schema not found"):
        avro(registry, **{"auto.register.schemas": "false"}).from_connect("t", KEY, {"id": 1})
    first = avro(registry).from_connect("t", KEY, {"id": 1})
    looked_up = avro(registry, **{"auto.register.schemas": "false"}).from_connect("t", KEY, {"id": 1})
    latest = avro(registry, **{"auto.register.schemas": "false", "use.latest.version": "true"}).from_connect(
        "t", KEY, {"id": 1}
    )
    assert first == looked_up == latest


def test_record_name_strategy_names_the_subject_after_the_record(registry):
    avro(
        registry, **{"value.subject.name.strategy": "io.confluent.kafka.serializers.subject.RecordNameStrategy"}
    ).from_connect("t", KEY, {"id": 1})
    avro(registry, True, **{"key.subject.name.strategy": "TopicRecordNameStrategy"}).from_connect("t", KEY, {"id": 1})
    assert set(registry.subjects) == {"dbserver1.inventory.customers.Key", "t-dbserver1.inventory.customers.Key"}


def test_basic_auth_user_info():
    with serving(FakeRegistry(user_info="fred:secret")) as r:
        ok = avro(r, **{"basic.auth.credentials.source": "USER_INFO", "basic.auth.user.info": "fred:secret"})
        assert ok.from_connect("t", KEY, {"id": 1})[0] == 0
        with pytest.raises(ConnectException, match="refused the credentials: Unauthorized"):
            avro(r).from_connect("t", KEY, {"id": 1})
    with pytest.raises(ConfigException) as err:
        avro(r, **{"basic.auth.credentials.source": "USER_INFO"})
    assert err.value.name == "basic.auth.user.info"


def test_incompatible_schema_is_a_data_error_naming_subject_level_and_field():
    with serving(FakeRegistry()) as r:
        avro(r).from_connect("t", KEY, {"id": 1})
        r.fail_with, r.levels["t-value"] = 409, "FULL"
        wider = Schema.struct(KEY.name, [("id", INT32_SCHEMA), ("region", STRING_SCHEMA)])
        with pytest.raises(DataException) as err:
            avro(r).from_connect("t", wider, {"id": 1, "region": "eu"})
    message = str(err.value)
    assert "under subject t-value: it is not FULL compatible with version 1 (id 1)" in message
    assert "field `region` of record `dbserver1.inventory.customers.Key`: it has no default" in message
    assert "The registry said: failing on purpose" in message and "PUT /config/t-value" in message


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (RegistryError(503, 50300, "busy"), RetriableException),
        (RegistryError(429, 42900, "slow down"), RetriableException),
        (RegistryError(422, 42201, "invalid"), DataException),
        (RegistryError(403, 40301, "forbidden"), ConnectException),
        (RegistryUnreachable("connection refused"), RetriableException),
    ],
)
def test_registry_failures_are_classified(error, kind):
    with pytest.raises(kind, match="while testing"), _registry_errors("while testing"):
        raise error


def test_unreachable_registry_is_retriable_and_cached_schemas_need_no_registry():
    with serving(FakeRegistry()) as r:
        c = avro(r)
        data = c.from_connect("t", KEY, {"id": 1})
        assert c.to_connect("t", data).value == {"id": 1}
    # The registry is gone: what is cached still converts; a new schema is an outage, not a bad record.
    assert c.from_connect("t", KEY, {"id": 2})[5:] == b"\x04"
    assert c.to_connect("t", data).value == {"id": 1}
    with pytest.raises(RetriableException, match=r"subject t-value: Schema Registry unreachable \(http://127"):
        c.from_connect("t", ROW, VALUE)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x01\x00\x00\x00\x01\x02", "Unknown magic byte"),
        (b"\x00\x00", "Unknown magic byte"),
        (b"", "Unknown magic byte"),
    ],
)
def test_bad_wire_format_is_a_data_error(registry, data, message):
    with pytest.raises(DataException, match=message):
        avro(registry).to_connect("t", data)


def test_truncated_avro_is_a_data_error(registry):
    c = avro(registry)
    data = c.from_connect("t", ROW, VALUE)
    with pytest.raises(DataException, match="Failed to deserialize data for topic t"):
        c.to_connect("t", data[:12])


def test_values_without_schema_or_of_the_wrong_type_are_data_errors(registry):
    c = avro(registry)
    with pytest.raises(DataException, match="needs a schema"):
        c.from_connect("t", None, {"id": 1})
    with pytest.raises(DataException, match="Failed to serialize Avro data from topic t"):
        c.from_connect("t", KEY, {"id": "one"})


def test_registry_url_is_required():
    with pytest.raises(ConfigException) as err:
        AvroConverter().configure({}, False)
    assert err.value.name == "schema.registry.url"


@pytest.fixture(scope="module")
def shared_avro():
    with serving(FakeRegistry()) as r:
        yield avro(r)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(typed())
def test_typed_values_round_trip(shared_avro, schema_and_value):
    schema, value = schema_and_value
    read = shared_avro.to_connect("prop", shared_avro.from_connect("prop", schema, value))
    assert read == SchemaAndValue(schema, value)


def test_a_second_url_serves_while_the_first_is_down(registry):
    c = avro(registry, **{"schema.registry.url": f"http://127.0.0.1:1,{registry.url}"})
    assert c.to_connect("t", c.from_connect("t", KEY, {"id": 1})).value == {"id": 1}


def test_credentials_in_the_url_are_used_and_never_shown():
    with serving(FakeRegistry(user_info="fred:s3cret")) as r:
        url = r.url.replace("http://", "http://fred:s3cret@")
        assert avro(r, **{"schema.registry.url": url}).from_connect("t", KEY, {"id": 1})[0] == 0
        with pytest.raises(ConnectException) as refused:
            avro(r, **{"schema.registry.url": url.replace("s3cret", "wrong")}).from_connect("t", KEY, {"id": 1})
    with pytest.raises(RetriableException) as down:
        avro(r, **{"schema.registry.url": url}).from_connect("t", KEY, {"id": 1})
    with pytest.raises(ConfigException) as bad:
        avro(r, **{"schema.registry.url": "ftp://fred:s3cret@host"})
    for err in (refused, down, bad):
        assert "s3cret" not in str(err.value) and "wrong" not in str(err.value)
    assert "127.0.0.1" in str(down.value) and "ftp://host" in str(bad.value)


def test_latest_version_is_checked_against_the_record_schema_unless_told_not_to(registry):
    avro(registry).from_connect("t", KEY, {"id": 1})  # registers {id: int}
    wider = Schema.struct(KEY.name, [("id", INT32_SCHEMA), ("region", OPTIONAL_STRING_SCHEMA)])
    latest = {"auto.register.schemas": "false", "use.latest.version": "true"}
    with pytest.raises(DataException, match="cannot read data written with") as err:
        avro(registry, **latest).from_connect("t", Schema.struct(KEY.name, [("id", STRING_SCHEMA)]), {"id": "x"})
    assert "latest.compatibility.strict=false" in str(err.value)
    # The latest schema reads the record's own schema: written with the latest's id, read back by it.
    data = avro(registry, **latest).from_connect("t", wider, {"id": 2, "region": None})
    assert data[1:5] == (1).to_bytes(4, "big") and avro(registry).to_connect("t", data).value == {"id": 2}
    loose = avro(registry, **latest, **{"latest.compatibility.strict": "false"})
    assert loose.from_connect("t", wider, {"id": 3, "region": "eu"})[1:5] == (1).to_bytes(4, "big")


def test_names_avro_does_not_allow_are_a_clear_data_error(registry):
    bad = Schema.struct("my-server.public.orders.Value", [("first-name", STRING_SCHEMA)])
    with pytest.raises(DataException) as err:
        avro(registry).from_connect("t", bad, {"first-name": "x"})
    message = str(err.value)
    assert "'my-server.public.orders' (namespace of Value)" in message and "'first-name' (field of Value)" in message
    assert "schema.name.adjustment.mode=avro" in message and registry.requests == []
