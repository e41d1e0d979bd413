"""HeaderFrom: fields moved or copied into headers."""

import pytest

from connect.data import INT32_SCHEMA, OPTIONAL_STRING_SCHEMA, Header, Schema, Type
from connect.errors import ConfigException, DataException
from tests.unit.transforms.records import configured, source
from transforms.header_from import HeaderFromKey, HeaderFromValue

ROW = Schema.struct(
    "row",
    [("id", INT32_SCHEMA), ("trace", OPTIONAL_STRING_SCHEMA), ("tenant", Schema(Type.STRING, True, "acme"))],
    version=1,
)
OLD = (Header("old", 1),)


@pytest.mark.parametrize(
    ("operation", "kept"), [("copy", {"id": 1, "trace": "t1", "tenant": None}), ("move", {"id": 1})]
)
def test_with_schema(operation, kept):
    header_from = configured(HeaderFromValue, fields="trace,tenant", headers="traceparent,tenant", operation=operation)
    out = header_from.apply(source({"id": 1, "trace": "t1", "tenant": None}, ROW, headers=OLD))
    assert out.value == kept
    assert out.headers == (
        *OLD,
        Header("traceparent", "t1", OPTIONAL_STRING_SCHEMA),
        Header("tenant", "acme", ROW.field("tenant").schema),
    )
    assert [f.name for f in out.value_schema.fields] == list(kept)
    if operation == "copy":
        assert out.value_schema is ROW


def test_without_schema_and_missing_fields_give_null_headers():
    out = configured(HeaderFromKey, fields="a,b", headers="ha,hb", operation="move").apply(
        source("v", key={"a": 1, "c": 3})
    )
    assert out.key == {"c": 3} and out.headers == (Header("ha", 1), Header("hb", None))


def test_a_field_not_in_the_schema_or_a_null_value_is_a_data_error():
    with pytest.raises(DataException, match="nope is not in the value schema"):
        configured(HeaderFromValue, fields="nope", headers="h", operation="copy").apply(source({"id": 1}, ROW))
    with pytest.raises(DataException, match="Only Map objects"):
        configured(HeaderFromValue, fields="a", headers="h", operation="copy").apply(source(None))


@pytest.mark.parametrize(
    ("props", "key"),
    [
        ({"fields": "a,b", "headers": "h", "operation": "copy"}, "headers"),
        ({"fields": "a", "headers": "h", "operation": "Move"}, "operation"),
        ({"fields": "", "headers": "h", "operation": "move"}, "fields"),
    ],
)
def test_config_errors_name_the_key(props, key):
    with pytest.raises(ConfigException) as info:
        configured(HeaderFromValue, props)
    assert info.value.name == key
