"""MaskField: fields replaced by the empty value of their type, or by a replacement converted to it."""

import datetime as dt
from decimal import Decimal

import pytest

from connect.data import (
    BYTES_SCHEMA,
    FLOAT32_SCHEMA,
    INT8_SCHEMA,
    INT64_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    Schema,
    Type,
)
from connect.data.logical import decimal_schema, timestamp_schema
from connect.errors import ConfigException, DataException
from tests.unit.transforms.records import configured, source
from transforms.mask_field import MaskFieldKey, MaskFieldValue

VALUES = {
    "b": True,
    "i": 5,
    "f": 1.5,
    "d": Decimal("2.5"),
    "s": "secret",
    "ts": dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    "l": [1],
    "m": {"a": 1},
    "n": None,
}


def test_without_schema_each_type_gets_its_empty_value():
    out = configured(MaskFieldValue, fields="b,i,f,d,s,ts,l,m,n,absent").apply(source(VALUES))
    assert out.value == {
        "b": False,
        "i": 0,
        "f": 0.0,
        "d": Decimal(0),
        "s": "",
        "l": [],
        "m": {},
        "n": None,
        "ts": dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
        "absent": None,
    }


@pytest.mark.parametrize(
    ("value", "replacement", "expected"),
    [
        ("secret", "****", "****"),
        (5, "-7", -7),
        (5, "12.9", 12),
        (1.5, "1e3", 1000.0),
        (Decimal("1"), "3.14", Decimal("3.14")),
    ],
)
def test_replacement_is_converted_to_the_field_type(value, replacement, expected):
    out = configured(MaskFieldValue, fields="x", replacement=replacement).apply(source({"x": value}))
    assert out.value["x"] == expected and type(out.value["x"]) is type(expected)


@pytest.mark.parametrize(
    ("value", "replacement", "message"),
    [
        (5, "abc", "Unable to convert"),
        (True, "1", "Cannot mask value of type bool with custom replacement"),
        ([1], "x", "with custom replacement"),
    ],
)
def test_replacement_that_does_not_fit_is_a_data_error(value, replacement, message):
    with pytest.raises(DataException, match=message):
        configured(MaskFieldValue, fields="x", replacement=replacement).apply(source({"x": value}))


ROW = Schema.struct(
    "row",
    [
        ("id", INT64_SCHEMA),
        ("small", INT8_SCHEMA),
        ("ratio", FLOAT32_SCHEMA),
        ("email", OPTIONAL_STRING_SCHEMA),
        ("price", decimal_schema(2)),
        ("seen", timestamp_schema()),
        ("blob", BYTES_SCHEMA),
        ("tier", Schema(Type.STRING, True, "gold")),
    ],
)
RECORD = {
    "id": 1,
    "small": 3,
    "ratio": 0.5,
    "email": "a@b",
    "price": Decimal("9.99"),
    "seen": dt.datetime(2024, 5, 1, tzinfo=dt.UTC),
    "blob": b"x",
    "tier": None,
}


def test_with_schema_the_schema_stays_and_narrow_types_wrap():
    out = configured(MaskFieldValue, fields="small,email,price,tier", replacement="300").apply(source(RECORD, ROW))
    assert out.value_schema is ROW
    assert out.value == dict(RECORD, small=44, email="300", price=Decimal("300"), tier="300")


def test_with_schema_empty_values_and_nulls():
    out = configured(MaskFieldValue, fields="id,seen,email").apply(source(dict(RECORD, email=None), ROW))
    assert (out.value["id"], out.value["seen"], out.value["email"]) == (0, dt.datetime(1970, 1, 1, tzinfo=dt.UTC), None)


def test_bytes_cannot_be_masked_and_tombstones_are_data_errors_as_in_kafka():
    with pytest.raises(DataException, match="Cannot mask value of type: bytes"):
        configured(MaskFieldValue, fields="blob").apply(source(RECORD, ROW))
    with pytest.raises(DataException, match="Only Struct objects"):
        configured(MaskFieldValue, fields="id").apply(source(None, ROW))
    with pytest.raises(DataException, match="Only Map objects"):
        configured(MaskFieldKey, fields="id").apply(source({"id": 1}, key=None))


@pytest.mark.parametrize(
    ("props", "key"), [({}, "fields"), ({"fields": ""}, "fields"), ({"fields": "a", "replacement": " "}, "replacement")]
)
def test_config_errors_name_the_key(props, key):
    with pytest.raises(ConfigException) as info:
        configured(MaskFieldValue, props)
    assert info.value.name == key
