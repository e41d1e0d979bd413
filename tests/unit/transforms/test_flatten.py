"""Flatten: nested structs or maps become one level, names joined by the delimiter."""

import pytest

from connect.data import INT32_SCHEMA, OPTIONAL_STRING_SCHEMA, STRING_SCHEMA, Schema, Type
from connect.errors import DataException
from tests.unit.transforms.records import configured, source
from transforms.flatten import FlattenKey, FlattenValue


@pytest.mark.parametrize(
    ("delimiter", "value", "expected"),
    [
        (".", {"a": {"b": {"c": 1}}, "d": [{"e": 1}]}, {"a.b.c": 1, "d": [{"e": 1}]}),
        (
            "_",
            {"id": 1, "address": {"city": "Oslo", "zip": None}},
            {"id": 1, "address_city": "Oslo", "address_zip": None},
        ),
        (".", {"empty": {}, "n": None}, {"n": None}),
        ("", {"a": {"b": 1}}, {"ab": 1}),
    ],
)
def test_without_schema(delimiter, value, expected):
    assert configured(FlattenValue, delimiter=delimiter).apply(source(value)).value == expected


def test_deep_nesting_does_not_overflow_the_stack():
    value: dict = {"leaf": 1}
    for _ in range(5000):
        value = {"n": value}
    out = configured(FlattenValue).apply(source(value)).value
    assert list(out.values()) == [1] and len(next(iter(out))) == 5000 * 2 + 4


ADDRESS = Schema.struct("addr", [("city", STRING_SCHEMA), ("zip", Schema(Type.STRING, True, "0000"))], optional=True)
ROW = Schema.struct(
    "row", [("id", INT32_SCHEMA), ("address", ADDRESS), ("tags", Schema.array(STRING_SCHEMA))], version=1
)


def test_with_schema_leaves_are_optional_when_a_parent_is():
    flatten = configured(FlattenValue, delimiter="_")
    out = flatten.apply(source({"id": 1, "address": {"city": "Oslo", "zip": None}, "tags": ["a"]}, ROW))
    assert out.value == {"id": 1, "address_city": "Oslo", "address_zip": "0000", "tags": ["a"]}
    fields = {f.name: f.schema for f in out.value_schema.fields}
    assert list(fields) == ["id", "address_city", "address_zip", "tags"]
    assert fields["address_city"] == OPTIONAL_STRING_SCHEMA  # required, but its parent is optional
    assert fields["address_zip"].default == "0000" and fields["id"] is ROW.field("id").schema
    assert (out.value_schema.name, out.value_schema.version) == ("row", 1)
    nulled = flatten.apply(source({"id": 2, "address": None, "tags": []}, ROW))
    assert nulled.value == {"id": 2, "address_city": None, "address_zip": None, "tags": []}
    assert nulled.value_schema is out.value_schema


def test_maps_inside_structs_and_non_structs_are_data_errors():
    with_map = Schema.struct("m", [("attrs", Schema.map(STRING_SCHEMA, STRING_SCHEMA))])
    with pytest.raises(DataException, match="does not support MAP"):
        configured(FlattenValue).apply(source({"attrs": {}}, with_map))
    with pytest.raises(DataException, match="a struct was expected"):
        configured(FlattenValue).apply(source({"id": 1, "address": "Oslo", "tags": []}, ROW))
    with pytest.raises(DataException, match="Only Map objects"):
        configured(FlattenKey).apply(source(None, key=[1]))


def test_null_key_passes_through():
    record = source({"a": {"b": 1}}, key=None)
    assert configured(FlattenKey).apply(record) is record
