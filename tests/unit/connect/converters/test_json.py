"""JsonConverter: Kafka Connect's envelope byte for byte, round trips of every type, nulls and defaults, errors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import orjson
import pytest

from connect.converters.json import JsonConverter
from connect.data import (
    BOOLEAN_SCHEMA,
    BYTES_SCHEMA,
    FLOAT32_SCHEMA,
    FLOAT64_SCHEMA,
    INT8_SCHEMA,
    INT16_SCHEMA,
    INT32_SCHEMA,
    INT64_SCHEMA,
    OPTIONAL_BOOLEAN_SCHEMA,
    OPTIONAL_INT32_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    Schema,
    SchemaAndValue,
    Type,
)
from connect.data.logical import date_schema, decimal_schema, time_schema, timestamp_schema
from connect.errors import ConfigException, DataException

TOPIC = "topic"
DECIMAL_2 = decimal_schema(2)


def converter(**props: str) -> JsonConverter:
    c = JsonConverter()
    c.configure(props, is_key=False)
    return c


# -- byte-for-byte: what Kafka Connect's JsonConverter writes for the same data ----------------
GOLDEN = [
    (BOOLEAN_SCHEMA, True, b'{"schema":{"type":"boolean","optional":false},"payload":true}'),
    (INT8_SCHEMA, 12, b'{"schema":{"type":"int8","optional":false},"payload":12}'),
    (INT64_SCHEMA, 4398046511104, b'{"schema":{"type":"int64","optional":false},"payload":4398046511104}'),
    (FLOAT64_SCHEMA, 12.34, b'{"schema":{"type":"double","optional":false},"payload":12.34}'),
    (STRING_SCHEMA, "foo-bar-baz", b'{"schema":{"type":"string","optional":false},"payload":"foo-bar-baz"}'),
    (BYTES_SCHEMA, b"test-string", b'{"schema":{"type":"bytes","optional":false},"payload":"dGVzdC1zdHJpbmc="}'),
    (
        Schema.array(INT32_SCHEMA),
        [1, 2, 3],
        b'{"schema":{"type":"array","items":{"type":"int32","optional":false},"optional":false},"payload":[1,2,3]}',
    ),
    (
        Schema.map(STRING_SCHEMA, INT32_SCHEMA),
        {"key1": 12, "key2": 15},
        b'{"schema":{"type":"map","keys":{"type":"string","optional":false},"values":{"type":"int32","optional":false},'
        b'"optional":false},"payload":{"key1":12,"key2":15}}',
    ),
    (
        Schema.map(INT32_SCHEMA, INT32_SCHEMA),
        {1: 12, 2: 15},
        b'{"schema":{"type":"map","keys":{"type":"int32","optional":false},"values":{"type":"int32","optional":false},'
        b'"optional":false},"payload":[[1,12],[2,15]]}',
    ),
    (
        Schema.struct(None, [("field1", BOOLEAN_SCHEMA), ("field2", STRING_SCHEMA)]),
        {"field1": True, "field2": "string2"},
        b'{"schema":{"type":"struct","fields":[{"type":"boolean","optional":false,"field":"field1"},'
        b'{"type":"string","optional":false,"field":"field2"}],"optional":false},'
        b'"payload":{"field1":true,"field2":"string2"}}',
    ),
    (
        DECIMAL_2,
        Decimal("1.56"),
        b'{"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,'
        b'"parameters":{"scale":"2"}},"payload":"AJw="}',
    ),
    (
        date_schema(),
        dt.date(1997, 5, 19),
        b'{"schema":{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date","version":1},'
        b'"payload":10000}',
    ),
    (
        time_schema(),
        dt.time(4, 0),
        b'{"schema":{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Time","version":1},'
        b'"payload":14400000}',
    ),
    (
        timestamp_schema(),
        dt.datetime(1970, 2, 16, 7, 6, 40, tzinfo=dt.UTC),
        b'{"schema":{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1},'
        b'"payload":4000000000}',
    ),
    (
        Schema(Type.BOOLEAN, name="bool", version=3, doc="the documentation", parameters={"foo": "bar"}),
        True,
        b'{"schema":{"type":"boolean","optional":false,"name":"bool","version":3,"doc":"the documentation",'
        b'"parameters":{"foo":"bar"}},"payload":true}',
    ),
    # A Debezium key, as its tutorial shows it.
    (
        Schema.struct("dbserver1.inventory.customers.Key", [("id", INT32_SCHEMA)]),
        {"id": 1004},
        b'{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"}],"optional":false,'
        b'"name":"dbserver1.inventory.customers.Key"},"payload":{"id":1004}}',
    ),
    (None, [1, "string", True], b'{"schema":null,"payload":[1,"string",true]}'),
    (
        None,
        {"string": 12, 52: "string", False: True},
        b'{"schema":null,"payload":[["string",12],[52,"string"],[false,true]]}',
    ),
]


@pytest.mark.parametrize(("schema", "value", "expected"), GOLDEN)
def test_writes_exactly_what_kafka_connect_writes(schema, value, expected):
    assert converter().from_connect(TOPIC, schema, value) == expected


@pytest.mark.parametrize(("schema", "value", "expected"), [g for g in GOLDEN if g[0] is not None])
def test_reads_kafka_connect_envelopes_back(schema, value, expected):
    read = converter().to_connect(TOPIC, expected)
    assert read == SchemaAndValue(schema, value)


def test_numeric_decimals_are_json_numbers_with_their_scale():
    c = converter(**{"decimal.format": "NUMERIC"})
    assert c.from_connect(TOPIC, DECIMAL_2, Decimal("1.56")).endswith(b'"payload":1.56}')
    assert c.from_connect(TOPIC, decimal_schema(4), Decimal("1.5600")).endswith(b'"payload":1.5600}')


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            b'{ "schema": { "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1, '
            b'"parameters": { "scale": "2" } }, "payload": 1.56 }',
            Decimal("1.56"),
        ),
        (
            b'{ "schema": { "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1, '
            b'"parameters": { "scale": "4" } }, "payload": 1.5600 }',
            Decimal("1.5600"),
        ),
        # More digits than a double holds: read exactly, not through a float.
        (
            b'{ "schema": { "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1, '
            b'"parameters": { "scale": "17" } }, "payload": 1.23456789123456789 }',
            Decimal("1.23456789123456789"),
        ),
        (
            b'{"schema":{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","version":1,'
            b'"parameters":{"scale":"2"}},"payload":"AJw="}',
            Decimal("1.56"),
        ),
    ],
)
def test_reads_decimals_in_either_format(text, expected):
    value = converter().to_connect(TOPIC, text).value
    assert value == expected and str(value) == str(expected)


def test_exact_decimal_reading_leaves_doubles_as_floats():
    schema = Schema.struct("s", [("d", decimal_schema(20)), ("f", FLOAT64_SCHEMA), ("n", STRING_SCHEMA)])
    c = converter(**{"decimal.format": "NUMERIC"})
    value = {"d": Decimal("0.12345678901234567890"), "f": 0.5, "n": "x"}
    read = c.to_connect(TOPIC, c.from_connect(TOPIC, schema, value)).value
    assert read == value and type(read["f"]) is float and str(read["d"]) == "0.12345678901234567890"


# -- round trips ---------------------------------------------------------------------------
STRUCT = Schema.struct(
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
        ("dec", decimal_schema(3, optional=True)),
        ("day", date_schema()),
        ("tod", time_schema()),
        ("ts", timestamp_schema()),
        ("tags", Schema.array(STRING_SCHEMA)),
        ("attrs", Schema.map(STRING_SCHEMA, OPTIONAL_INT32_SCHEMA)),
        ("by_id", Schema.map(INT64_SCHEMA, Schema.array(BYTES_SCHEMA))),
        (
            "inner",
            Schema.struct(
                "com.example.Inner",
                [("when", timestamp_schema(optional=True)), ("note", OPTIONAL_STRING_SCHEMA)],
                optional=True,
            ),
        ),
    ],
    version=2,
    doc="a row",
)
ROW = {
    "i8": -128,
    "i16": 32767,
    "i32": -(2**31),
    "i64": 2**63 - 1,
    "f32": 1.5,
    "f64": -2.25e-300,
    "b": False,
    "s": 'häßlich "quoted" \u2603',
    "raw": b"\x00\xff",
    "dec": Decimal("-12345678901234567890.123"),
    "day": dt.date(1969, 7, 20),
    "tod": dt.time(23, 59, 59, 999000),
    "ts": dt.datetime(2024, 2, 29, 12, 0, 0, 123000, tzinfo=dt.UTC),
    "tags": ["a", "b"],
    "attrs": {"x": 1, "y": None},
    "by_id": {7: [b"a", b""], -1: []},
    "inner": {"when": None, "note": "n"},
}

ROUND_TRIPS = [
    (STRUCT, ROW),
    (STRUCT, {**ROW, "dec": None, "inner": None}),
    (Schema.array(Schema.array(decimal_schema(1))), [[Decimal("1.5")], []]),
    (Schema.map(date_schema(), STRING_SCHEMA), {dt.date(2000, 1, 1): "y2k"}),
    (OPTIONAL_BOOLEAN_SCHEMA, None),
    (Schema(Type.STRING, optional=True, default="dflt"), "given"),
]


@pytest.mark.parametrize("schemas_enable", ["true", "false"])
@pytest.mark.parametrize("decimal_format", ["BASE64", "NUMERIC"])
@pytest.mark.parametrize(("schema", "value"), ROUND_TRIPS)
def test_round_trip(schema, value, schemas_enable, decimal_format):
    c = converter(**{"schemas.enable": schemas_enable, "decimal.format": decimal_format})
    data = c.from_connect(TOPIC, schema, value)
    if schemas_enable == "true":
        assert c.to_connect(TOPIC, data) == SchemaAndValue(schema, value)
        assert c.to_connect(TOPIC, data).schema is c.to_connect(TOPIC, data).schema  # parsed once
    else:
        assert c.to_connect(TOPIC, data).schema is None  # plain JSON carries no schema


def test_writing_leaves_the_callers_value_untouched():
    row = dict(ROW)
    converter().from_connect(TOPIC, STRUCT, row)
    assert row == ROW and row["raw"] == b"\x00\xff"


def test_each_schema_is_serialized_once():
    c = converter()
    c.from_connect(TOPIC, STRUCT, ROW)
    c.from_connect(TOPIC, STRUCT.with_(), ROW)  # an equal schema object
    c.from_connect(TOPIC, STRUCT.with_(optional=True), ROW)
    assert len(c._written) == 2


# -- nulls and defaults --------------------------------------------------------------------
DEFAULTED = Schema(Type.STRING, optional=True, default="default")
DEFAULT_STRUCT = Schema.struct(None, [("field1", DEFAULTED)])


def test_null_without_schema_is_a_tombstone():
    assert converter().from_connect(TOPIC, None, None) is None
    assert converter(**{"schemas.enable": "false"}).from_connect(TOPIC, None, None) is None
    assert converter().to_connect(TOPIC, None) == SchemaAndValue(None, None)


def test_null_with_an_optional_schema_is_an_envelope_with_null_payload():
    assert converter().from_connect(TOPIC, OPTIONAL_STRING_SCHEMA, None) == (
        b'{"schema":{"type":"string","optional":true},"payload":null}'
    )
    assert converter(**{"schemas.enable": "false"}).from_connect(TOPIC, OPTIONAL_STRING_SCHEMA, None) == b"null"


@pytest.mark.parametrize(("replace", "payload"), [("true", b'"default"'), ("false", b"null")])
def test_null_becomes_the_default_unless_told_otherwise(replace, payload):
    c = converter(**{"replace.null.with.default": replace})
    assert c.from_connect(TOPIC, DEFAULTED, None) == (
        b'{"schema":{"type":"string","optional":true,"default":"default"},"payload":' + payload + b"}"
    )
    struct_payload = b'{"field1":' + payload + b"}"
    written = c.from_connect(TOPIC, DEFAULT_STRUCT, {"field1": None})
    assert written == (
        b'{"schema":{"type":"struct","fields":[{"type":"string","optional":true,"default":"default",'
        b'"field":"field1"}],"optional":false},"payload":' + struct_payload + b"}"
    )
    read = c.to_connect(
        TOPIC,
        b'{"schema":{"type":"struct","fields":[{"field":"field1","type":"string",'
        b'"optional":true,"default":"default"}],"optional":false},"payload":{"field1":null}}',
    )
    assert read.value == {"field1": orjson.loads(payload)}


def test_defaults_of_logical_types_are_read_as_logical_values():
    read = converter().to_connect(
        TOPIC,
        b'{ "schema": { "type": "bytes", "name": "org.apache.kafka.connect.data.'
        b'Decimal", "version": 1, "default": "AJw=", "parameters": { "scale": "2" } }'
        b', "payload": null }',
    )
    assert read.schema.default == Decimal("1.56") and read.value == Decimal("1.56")
    read = converter().to_connect(
        TOPIC,
        b'{ "schema": { "type": "int64", "name": "org.apache.kafka.connect.data.'
        b'Timestamp", "version": 1, "default": 42 }, "payload": null }',
    )
    assert read.value == dt.datetime(1970, 1, 1, 0, 0, 0, 42000, tzinfo=dt.UTC)


def test_bytes_nested_in_a_value_or_in_a_struct_default_are_written_as_base64():
    inner = Schema.struct("com.example.Blob", [("data", BYTES_SCHEMA)])
    schema = Schema.struct(
        "com.example.Holder",
        [("blob", inner.with_(optional=True, default={"data": b"\x01"})), ("list", Schema.array(BYTES_SCHEMA))],
    )
    c = converter()
    written = c.from_connect(TOPIC, schema, {"blob": {"data": b"\xff"}, "list": [b"\x00"]})
    envelope = orjson.loads(written)
    assert envelope["payload"] == {"blob": {"data": "/w=="}, "list": ["AA=="]}
    assert envelope["schema"]["fields"][0]["default"] == {"data": "AQ=="}
    assert c.to_connect(TOPIC, written).value == {"blob": {"data": b"\xff"}, "list": [b"\x00"]}


def test_required_null_is_a_data_error():
    with pytest.raises(DataException, match="null value for field that is required"):
        converter().from_connect(TOPIC, INT32_SCHEMA, None)
    with pytest.raises(DataException, match="null value for field that is required"):
        converter().from_connect(TOPIC, STRUCT, {**ROW, "day": None})
    with pytest.raises(DataException, match="Invalid null value for required int32 field"):
        converter().to_connect(TOPIC, b'{"schema":{"type":"int32"},"payload":null}')


# -- reading -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            b'{ "schema": { "type": "boolean", "optional": true }, "payload": null }',
            SchemaAndValue(OPTIONAL_BOOLEAN_SCHEMA, None),
        ),
        (b'{ "schema": { "type": "int32" }, "payload": 12345 }', SchemaAndValue(INT32_SCHEMA, 12345)),
        (
            b'{ "schema": null, "payload": { "field1": 1, "field2": 2} }',
            SchemaAndValue(None, {"field1": 1, "field2": 2}),
        ),
        (
            b'{ "schema": { "type": "struct", "fields": [{ "field":"optional", "type": "string", "optional": true }, '
            b'{  "field": "required", "type": "string" }] }, "payload": { "required": "required" } }',
            SchemaAndValue(
                Schema.struct(None, [("optional", OPTIONAL_STRING_SCHEMA), ("required", STRING_SCHEMA)]),
                {"required": "required"},
            ),
        ),
    ],
)
def test_reads_envelopes_written_by_other_tools(text, expected):
    assert converter().to_connect(TOPIC, text) == expected


def test_schemaless_reading():
    c = converter(**{"schemas.enable": "false"})
    assert c.to_connect(TOPIC, b"true") == SchemaAndValue(None, True)
    assert c.to_connect(TOPIC, b'{ "a": "", "b": null}') == SchemaAndValue(None, {"a": "", "b": None})
    assert c.to_connect(TOPIC, b"") == SchemaAndValue(None, None)


def test_a_message_without_the_envelope_is_a_data_error_saying_what_to_do():
    with pytest.raises(DataException, match=r'requires "schema" and "payload" fields.*set schemas.enable=false'):
        converter().to_connect(TOPIC, b'{"id": 1}')
    with pytest.raises(DataException, match="requires"):
        converter().to_connect(TOPIC, b'{"schema": null, "payload": 1, "extra": 2}')


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"{not json", r"Converting byte\[\] to Kafka Connect data failed due to serialization error"),
        (b'{"schema":{"type":"decimal"},"payload":1}', "Unknown schema type: decimal"),
        (b'{"schema":{"optional":true},"payload":1}', "Schema must contain 'type' field"),
        (b'{"schema":{"type":"array"},"payload":[]}', "Array schema did not specify the element type"),
        (
            b'{"schema":{"type":"struct","fields":{}},"payload":{}}',
            'Struct schema\'s "fields" argument is not an array',
        ),
        (b'{"schema":{"type":"bytes"},"payload":"!!"}', "Invalid bytes field"),
        (
            b'{"schema":{"type":"int32","name":"org.apache.kafka.connect.data.Date"},"payload":"x"}',
            "Invalid type for Date",
        ),
        (
            b'{"schema":{"type":"map","keys":{"type":"int32"},"values":{"type":"int32"}},"payload":{"1":2}}',
            "Maps with non-string fields should be encoded as JSON array of tuples",
        ),
    ],
)
def test_malformed_messages_are_data_errors(text, message):
    with pytest.raises(DataException, match=message):
        converter().to_connect(TOPIC, text)


def test_messages_with_the_same_schema_reuse_the_parsed_schema_even_after_another():
    c = converter()
    a = c.from_connect(TOPIC, STRUCT, ROW)
    b = c.from_connect(TOPIC, INT32_SCHEMA, 1)
    first = c.to_connect(TOPIC, a).schema
    c.to_connect(TOPIC, b)
    assert c.to_connect(TOPIC, a).schema is first


def test_a_payload_field_named_payload_does_not_confuse_the_fast_path():
    schema = Schema.struct("outbox", [("payload", STRING_SCHEMA), ("raw", BYTES_SCHEMA)], parameters={"payload": "x"})
    c = converter()
    value = {"payload": '{"schema":1,"payload":2}', "raw": b"1"}
    data = c.from_connect(TOPIC, schema, value)
    for _ in range(2):
        assert c.to_connect(TOPIC, data) == SchemaAndValue(schema, value)


# -- writing errors and config -------------------------------------------------------------
@pytest.mark.parametrize(
    ("schema", "value", "message"),
    [
        (DECIMAL_2, 1.5, "Invalid type for Decimal"),
        (DECIMAL_2, Decimal("NaN"), "cannot be written"),
        (BYTES_SCHEMA, "text", "Invalid type for bytes"),
        (date_schema(), "2020-01-01", "Invalid type for Date"),
        (INT64_SCHEMA, 2**64, "serialization error"),
        (None, object(), "serialization error"),
    ],
)
def test_values_that_do_not_fit_are_data_errors(schema, value, message):
    with pytest.raises(DataException, match=message):
        converter().from_connect(TOPIC, schema, value)


def test_schemaless_values_of_python_types():
    c = converter(**{"schemas.enable": "false"})
    assert c.from_connect(TOPIC, None, {"d": Decimal("1.50"), "b": b"\x01"}) == b'{"d":1.50,"b":"AQ=="}'


@pytest.mark.parametrize(
    ("props", "key"),
    [
        ({"schemas.enable": "maybe"}, "schemas.enable"),
        ({"decimal.format": "HEX"}, "decimal.format"),
        ({"schemas.cache.size": "0"}, "schemas.cache.size"),
    ],
)
def test_bad_config_names_the_key(props, key):
    with pytest.raises(ConfigException) as err:
        converter(**props)
    assert err.value.name == key


def test_header_methods_use_the_same_format():
    c = converter()
    data = c.from_connect_header(TOPIC, "h", STRING_SCHEMA, "test-string")
    assert data == b'{"schema":{"type":"string","optional":false},"payload":"test-string"}'
    assert c.to_connect_header(TOPIC, "h", data) == SchemaAndValue(STRING_SCHEMA, "test-string")
