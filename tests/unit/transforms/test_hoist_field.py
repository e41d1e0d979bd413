"""HoistField: the key or value wrapped in a one-field struct or map."""

from connect.data import INT64_SCHEMA, OPTIONAL_STRING_SCHEMA, Schema
from tests.unit.transforms.records import configured, source
from transforms.hoist_field import HoistFieldKey, HoistFieldValue


def test_without_schema_any_value_is_wrapped_even_null():
    hoist = configured(HoistFieldValue, field="v")
    assert hoist.apply(source([1, 2])).value == {"v": [1, 2]}
    assert hoist.apply(source(None)).value == {"v": None}


def test_with_schema_the_struct_has_one_field_of_the_old_schema():
    hoist = configured(HoistFieldKey, field="id")
    out = hoist.apply(source("x", key=42, key_schema=INT64_SCHEMA))
    assert out.key == {"id": 42} and out.key_schema == Schema.struct(None, [("id", INT64_SCHEMA)])
    assert hoist.apply(source("y", key=1, key_schema=INT64_SCHEMA)).key_schema is out.key_schema
    nested = Schema.struct("row", [("name", OPTIONAL_STRING_SCHEMA)])
    wrapped = configured(HoistFieldValue, field="after").apply(source({"name": "a"}, nested))
    assert wrapped.value == {"after": {"name": "a"}} and wrapped.value_schema.field("after").schema is nested
