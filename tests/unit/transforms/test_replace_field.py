"""ReplaceField: include, exclude, renames (and the deprecated whitelist/blacklist)."""

import pytest

from connect.data import INT32_SCHEMA, OPTIONAL_STRING_SCHEMA, Schema, Type
from connect.errors import ConfigException, DataException
from tests.unit.transforms.records import configured, source
from transforms.replace_field import ReplaceFieldKey, ReplaceFieldValue

VALUE = {"id": 1, "name": "ann", "secret": "x", "city": None}


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        ({"exclude": "secret"}, {"id": 1, "name": "ann", "city": None}),
        ({"include": "id,name"}, {"id": 1, "name": "ann"}),
        ({"include": "id,secret", "exclude": "secret"}, {"id": 1}),
        ({"renames": "id:order_id,name:customer"}, {"order_id": 1, "customer": "ann", "secret": "x", "city": None}),
        ({"include": "id", "renames": "id:key"}, {"key": 1}),
        ({"blacklist": "secret,city"}, {"id": 1, "name": "ann"}),
        ({"whitelist": "name"}, {"name": "ann"}),
        ({"whitelist": "name", "include": "id"}, {"id": 1}),  # the current key wins over the deprecated one
    ],
)
def test_without_schema(props, expected):
    assert configured(ReplaceFieldValue, props).apply(source(VALUE)).value == expected


ROW = Schema.struct(
    "row",
    [
        ("id", INT32_SCHEMA),
        ("name", OPTIONAL_STRING_SCHEMA),
        ("secret", OPTIONAL_STRING_SCHEMA),
        ("city", Schema(Type.STRING, True, "Oslo")),
    ],
    version=4,
    optional=True,
)


def test_with_schema_fields_are_kept_renamed_and_defaulted_in_schema_order():
    replace = configured(ReplaceFieldValue, exclude="secret", renames="city:town,id:key")
    out = replace.apply(source(VALUE, ROW))
    assert out.value == {"key": 1, "name": "ann", "town": "Oslo"}
    assert [f.name for f in out.value_schema.fields] == ["key", "name", "town"]
    assert out.value_schema.field("town").schema is ROW.field("city").schema
    assert (out.value_schema.name, out.value_schema.version) == ("row", 4)
    assert replace.apply(source(VALUE, ROW)).value_schema is out.value_schema


def test_replace_null_with_default_false_keeps_null():
    out = configured(ReplaceFieldValue, include="city", replace__null__with__default="false").apply(source(VALUE, ROW))
    assert out.value == {"city": None}


def test_tombstones_pass_and_a_rename_clash_is_a_data_error():
    replace = configured(ReplaceFieldKey, exclude="a")
    tombstone = source("v", key=None)
    assert replace.apply(tombstone) is tombstone
    with pytest.raises(DataException, match="duplicate field"):
        configured(ReplaceFieldValue, renames="id:name").apply(source(VALUE, ROW))
    with pytest.raises(DataException, match="Only Struct objects"):
        configured(ReplaceFieldValue, exclude="id").apply(source("text", ROW))


@pytest.mark.parametrize("renames", ["a", "a:b:c", "a:b,c"])
def test_bad_renames_name_the_key(renames):
    with pytest.raises(ConfigException) as info:
        configured(ReplaceFieldValue, renames=renames)
    assert info.value.name == "renames"
