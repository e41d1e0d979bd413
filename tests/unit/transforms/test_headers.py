"""DropHeaders, InsertHeader and Filter."""

import datetime as dt

import pytest

from connect.data import BOOLEAN_SCHEMA, INT8_SCHEMA, STRING_SCHEMA, Header, Schema
from connect.data.logical import date_schema
from connect.errors import ConfigException
from tests.unit.transforms.records import configured, source
from transforms.drop_headers import DropHeaders
from transforms.filter import Filter
from transforms.insert_header import InsertHeader

HEADERS = (Header("a", 1), Header("b", 2), Header("a", 3), Header("c", 4))


def test_drop_headers_removes_every_header_with_a_listed_key():
    drop = configured(DropHeaders, headers="a,x")
    assert drop.apply(source("v", headers=HEADERS)).headers == (Header("b", 2), Header("c", 4))
    unchanged = source("v", headers=(Header("b", 2),))
    assert drop.apply(unchanged) is unchanged
    with pytest.raises(ConfigException) as info:
        configured(DropHeaders, headers="")
    assert info.value.name == "headers"


@pytest.mark.parametrize(
    ("literal", "value", "schema"),
    [
        ("eu-west", "eu-west", STRING_SCHEMA),
        ("42", 42, INT8_SCHEMA),
        ("true", True, BOOLEAN_SCHEMA),
        ("2024-01-31", dt.date(2024, 1, 31), date_schema()),
        ("[1,2]", [1, 2], Schema.array(INT8_SCHEMA)),
    ],
)
def test_insert_header_infers_the_literal_type(literal, value, schema):
    out = configured(InsertHeader, header="h", value__literal=literal).apply(source(None, headers=HEADERS[:1]))
    assert out.headers == (HEADERS[0], Header("h", value, schema)) and out.value is None


def test_insert_header_needs_both_keys():
    with pytest.raises(ConfigException) as info:
        configured(InsertHeader, header="h")
    assert info.value.name == "value.literal"


def test_filter_drops_everything():
    assert configured(Filter).apply(source({"v": 1})) is None
