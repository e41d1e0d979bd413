"""Cast: Java's conversions for whole values and fields, with and without schemas."""

import datetime as dt
from decimal import Decimal

import pytest

from connect.data import (
    BYTES_SCHEMA,
    FLOAT64_SCHEMA,
    INT8_SCHEMA,
    INT32_SCHEMA,
    INT64_SCHEMA,
    OPTIONAL_INT64_SCHEMA,
    STRING_SCHEMA,
    Schema,
    Type,
)
from connect.data.logical import date_schema, decimal_schema, time_schema, timestamp_schema
from connect.errors import ConfigException, DataException
from tests.unit.transforms.records import configured, source
from transforms._java_numbers import to_float32
from transforms.cast import CastKey, CastValue

UTC = dt.UTC


@pytest.mark.parametrize(
    ("spec", "value", "expected"),
    [
        ("int8", 300, 44),
        ("int8", "-12", -12),
        ("int16", True, 1),
        ("int32", 1.9, 1),
        ("int32", -1.9, -1),
        ("int32", 1e20, 2**31 - 1),
        ("int64", float("nan"), 0),
        ("int64", Decimal("12.7"), 12),
        ("float32", 1.1, to_float32(1.1)),
        ("float64", "  2.5e3d ", 2500.0),
        ("float64", False, 0.0),
        ("boolean", "TRUE", True),
        ("boolean", "yes", False),
        ("boolean", 0.5, False),
        ("boolean", 2, True),
        ("string", 1.0, "1.0"),
        ("string", 1e10, "1.0E10"),
        ("string", 12, "12"),
        ("string", True, "true"),
        ("string", b"\x01\x02", "AQI="),
        ("string", Decimal("1.50"), "1.50"),
    ],
)
def test_whole_value_without_schema(spec, value, expected):
    out = configured(CastValue, spec=spec).apply(source(value))
    assert out.value == expected and type(out.value) is type(expected) and out.value_schema is None


@pytest.mark.parametrize(
    ("spec", "value", "message"),
    [
        ("int8", "300", "out of range"),
        ("int32", "1.5", "out of range"),
        ("float64", "1,5", "out of range"),
        ("int32", b"\x01", "Unexpected type"),
        ("int32", [1], "casting from ARRAY"),
        ("string", {"a": 1}, "casting from MAP"),
        ("string", dt.datetime(2024, 1, 1), "not supported"),
    ],
)
def test_values_that_cannot_be_cast_are_data_errors(spec, value, message):
    with pytest.raises(DataException, match=message):
        configured(CastValue, spec=spec).apply(source(value))


def test_fields_of_a_map_are_cast_and_a_missing_field_becomes_null():
    out = configured(CastValue, spec="a:int32,b:int64,c:string").apply(source({"a": "5", "b": 2.7, "d": [1]}))
    assert out.value == {"a": 5, "b": 2, "c": None, "d": [1]}


def test_null_values_and_tombstones_pass_through():
    cast = configured(CastValue, spec="a:int32")
    tombstone = source(None, Schema.struct("v", [("a", INT64_SCHEMA)], optional=True))
    assert cast.apply(tombstone) is tombstone
    assert cast.apply(source(None)).value is None


VALUE = Schema.struct(
    "shop.Order",
    [
        ("id", INT64_SCHEMA),
        ("qty", Schema(Type.INT64, optional=True, default=5)),
        ("price", decimal_schema(2)),
        ("created", timestamp_schema()),
        ("day", date_schema(optional=True)),
        ("at", time_schema(optional=True)),
        ("raw", BYTES_SCHEMA),
        ("nested", Schema.struct("n", [("x", INT32_SCHEMA)], optional=True)),
    ],
    version=3,
    doc="an order",
)
ORDER = {
    "id": 300,
    "qty": None,
    "price": Decimal("12.50"),
    "created": dt.datetime(2024, 1, 31, 10, tzinfo=UTC),
    "day": dt.date(2024, 1, 31),
    "at": dt.time(10, 15, 30),
    "raw": b"hi",
    "nested": {"x": 1},
}


def test_struct_fields_are_cast_and_the_schema_follows():
    cast = configured(CastValue, spec="id:int8,qty:string,price:float64,created:int64,day:int32,at:string,raw:string")
    out = cast.apply(source(ORDER, VALUE))
    assert out.value == {
        "id": 44,
        "qty": "5",
        "price": 12.5,
        "created": 1706695200000,
        "day": 19753,
        "at": "10:15:30.000Z",
        "raw": "aGk=",
        "nested": {"x": 1},
    }
    types = {
        f.name: (f.schema.type, f.schema.optional, f.schema.name, f.schema.default) for f in out.value_schema.fields
    }
    assert types["id"] == (Type.INT8, False, None, None)
    assert types["qty"] == (Type.STRING, True, None, "5")  # the default is cast too
    assert types["created"] == (Type.INT64, False, None, None)
    assert out.value_schema.fields[-1].schema is VALUE.fields[-1].schema
    assert (out.value_schema.name, out.value_schema.version, out.value_schema.doc) == ("shop.Order", 3, "an order")
    assert cast.apply(source(ORDER, VALUE)).value_schema is out.value_schema  # built once per input schema


def test_dates_and_timestamps_become_text_as_java_formats_them():
    cast = configured(CastValue, spec="created:string,day:string")
    midnight = dict(ORDER, created=dt.datetime(2024, 1, 31, tzinfo=UTC))
    assert cast.apply(source(midnight, VALUE)).value["created"] == "2024-01-31"
    assert cast.apply(source(ORDER, VALUE)).value["created"] == "2024-01-31T10:00:00.000Z"
    assert cast.apply(source(ORDER, VALUE)).value["day"] == "2024-01-31"


def test_replace_null_with_default_false_keeps_nulls():
    out = configured(CastValue, spec="qty:int32", replace__null__with__default="false").apply(source(ORDER, VALUE))
    assert out.value["qty"] is None


def test_a_nested_struct_field_cannot_be_cast():
    with pytest.raises(DataException, match="casting from STRUCT"):
        configured(CastValue, spec="nested:string").apply(source(ORDER, VALUE))


def test_whole_value_with_schema_keeps_optionality_and_drops_logical_names():
    out = configured(CastValue, spec="int32").apply(source(7, OPTIONAL_INT64_SCHEMA))
    assert (out.value, out.value_schema.type, out.value_schema.optional) == (7, Type.INT32, True)
    ts = configured(CastValue, spec="int64").apply(
        source(dt.datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC), timestamp_schema())
    )
    assert (ts.value, ts.value_schema.name) == (1000, None)
    assert configured(CastValue, spec="float64").apply(source(3, INT8_SCHEMA)).value_schema == FLOAT64_SCHEMA


def test_key_variant_casts_the_key_only():
    out = configured(CastKey, spec="string").apply(source({"v": 1}, key=5, key_schema=INT32_SCHEMA))
    assert (out.key, out.key_schema, out.value) == ("5", STRING_SCHEMA, {"v": 1})


@pytest.mark.parametrize("spec", ["", "a:bytes", "int8,a:int8", "a:foo", "a:b:c", "struct"])
def test_bad_specs_are_rejected_naming_the_key(spec):
    with pytest.raises(ConfigException) as info:
        configured(CastValue, spec=spec)
    assert info.value.name == "spec"


def test_a_map_where_a_struct_is_expected_is_a_data_error():
    with pytest.raises(DataException, match="Only Struct objects"):
        configured(CastValue, spec="id:int8").apply(source([1], VALUE))
