"""ValueToKey: a new key made of value fields."""

import pytest

from connect.data import INT32_SCHEMA, OPTIONAL_STRING_SCHEMA, Schema, Type
from connect.errors import ConfigException, DataException
from tests.unit.transforms.records import configured, source
from transforms.value_to_key import ValueToKey

ROW = Schema.struct(
    "row", [("id", INT32_SCHEMA), ("tenant", Schema(Type.STRING, True, "acme")), ("name", OPTIONAL_STRING_SCHEMA)]
)


def test_with_schema_the_key_struct_has_the_fields_in_listed_order():
    to_key = configured(ValueToKey, fields="tenant,id")
    out = to_key.apply(source({"id": 1, "tenant": None, "name": "a"}, ROW, key="old"))
    assert out.key == {"tenant": "acme", "id": 1}
    assert [(f.name, f.schema) for f in out.key_schema.fields] == [
        ("tenant", ROW.field("tenant").schema),
        ("id", INT32_SCHEMA),
    ]
    assert out.value_schema is ROW and to_key.apply(source({"id": 2}, ROW)).key_schema is out.key_schema


def test_without_schema():
    out = configured(ValueToKey, fields="id,missing").apply(source({"id": 1, "x": 2}, key="old"))
    assert (out.key, out.key_schema) == ({"id": 1, "missing": None}, None)


def test_unknown_fields_and_tombstones_are_data_errors():
    with pytest.raises(DataException, match="Field does not exist: nope"):
        configured(ValueToKey, fields="nope").apply(source({"id": 1}, ROW))
    with pytest.raises(DataException, match="Only Map objects"):
        configured(ValueToKey, fields="id").apply(source(None))


def test_fields_are_required():
    with pytest.raises(ConfigException) as info:
        configured(ValueToKey, fields="")
    assert info.value.name == "fields"
