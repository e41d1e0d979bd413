"""ExtractField: a field of the key or value replaces it; V2 paths reach nested fields."""

import pytest

from connect.data import INT32_SCHEMA, OPTIONAL_STRING_SCHEMA, Schema, Type
from connect.errors import ConfigException, DataException
from tests.unit.transforms.records import configured, source
from transforms.extract_field import ExtractFieldKey, ExtractFieldValue

INNER = Schema.struct(
    "inner", [("city", OPTIONAL_STRING_SCHEMA), ("zip", Schema(Type.STRING, True, "0000"))], optional=True
)
OUTER = Schema.struct("outer", [("id", INT32_SCHEMA), ("address", INNER), ("a.b", INT32_SCHEMA)])
VALUE = {"id": 7, "address": {"city": "Oslo", "zip": None}, "a.b": 9}


@pytest.mark.parametrize(
    ("props", "value", "expected"),
    [
        ({"field": "id"}, {"id": 1, "x": 2}, 1),
        ({"field": "missing"}, {"id": 1}, None),
        ({"field": "address.city"}, {"address.city": "flat"}, "flat"),  # V1: dots are part of the name
        ({"field": "address.city", "field.syntax.version": "V2"}, {"address": {"city": "Oslo"}}, "Oslo"),
        ({"field": "address.city", "field.syntax.version": "v2"}, {"address": None}, None),
        ({"field": "`a.b`.c", "field.syntax.version": "V2"}, {"a.b": {"c": 3}}, 3),
        ({"field": "id"}, None, None),
    ],
)
def test_without_schema(props, value, expected):
    out = configured(ExtractFieldValue, props).apply(source(value))
    assert out.value == expected and out.value_schema is None


@pytest.mark.parametrize(
    ("props", "expected", "schema"),
    [
        ({"field": "id"}, 7, INT32_SCHEMA),
        ({"field": "address"}, {"city": "Oslo", "zip": None}, INNER),
        ({"field": "a.b"}, 9, INT32_SCHEMA),
        ({"field": "address.zip", "field.syntax.version": "V2"}, "0000", INNER.field("zip").schema),
        (
            {"field": "address.zip", "field.syntax.version": "V2", "replace.null.with.default": "false"},
            None,
            INNER.field("zip").schema,
        ),
    ],
)
def test_with_schema(props, expected, schema):
    out = configured(ExtractFieldValue, props).apply(source(VALUE, OUTER))
    assert (out.value, out.value_schema) == (expected, schema)


def test_a_null_struct_keeps_the_field_schema():
    out = configured(ExtractFieldValue, field="address").apply(source(None, OUTER.with_(optional=True)))
    assert (out.value, out.value_schema) == (None, INNER)


def test_an_unknown_field_with_a_schema_is_a_data_error_naming_it():
    with pytest.raises(DataException, match="Unknown field: nope"):
        configured(ExtractFieldValue, field="nope").apply(source(VALUE, OUTER))


def test_a_non_map_value_or_a_non_map_step_is_a_data_error():
    with pytest.raises(DataException, match="Only Map objects"):
        configured(ExtractFieldValue, field="id").apply(source([1, 2]))
    with pytest.raises(DataException, match="nested field access"):
        configured(ExtractFieldValue, field="a.b", field__syntax__version="V2").apply(source({"a": 5}))


def test_key_variant():
    out = configured(ExtractFieldKey, field="id").apply(source("v", key={"id": 3}))
    assert (out.key, out.value) == (3, "v")


@pytest.mark.parametrize(
    ("props", "key"),
    [
        ({}, "field"),
        ({"field": "x", "field.syntax.version": "V3"}, "field.syntax.version"),
        ({"field": "`a.b", "field.syntax.version": "V2"}, "field"),
    ],
)
def test_config_errors_name_the_key(props, key):
    with pytest.raises(ConfigException) as info:
        configured(ExtractFieldValue, props)
    assert info.value.name == key
