"""StringConverter and ByteArrayConverter."""

from __future__ import annotations

import pytest

from connect.converters.bytearray import ByteArrayConverter
from connect.converters.string import StringConverter
from connect.data import BYTES_SCHEMA, OPTIONAL_BYTES_SCHEMA, OPTIONAL_STRING_SCHEMA, STRING_SCHEMA, SchemaAndValue
from connect.errors import ConfigException, DataException


def string_converter(**props: str) -> StringConverter:
    c = StringConverter()
    c.configure(props, is_key=True)
    return c


@pytest.mark.parametrize(
    ("value", "data"),
    [
        ("héllo", "héllo".encode()),
        (42, b"42"),
        (True, b"true"),
        (b"raw", b"raw"),
        (None, None),
    ],
)
def test_string_converter_writes_text(value, data):
    assert string_converter().from_connect("t", STRING_SCHEMA, value) == data


def test_string_converter_reads_optional_strings():
    c = string_converter()
    assert c.to_connect("t", "héllo".encode()) == SchemaAndValue(OPTIONAL_STRING_SCHEMA, "héllo")
    assert c.to_connect("t", None) == SchemaAndValue(OPTIONAL_STRING_SCHEMA, None)
    assert c.to_connect_header("t", "h", b"x") == SchemaAndValue(OPTIONAL_STRING_SCHEMA, "x")


def test_string_converter_encoding():
    c = string_converter(**{"converter.encoding": "UTF-16"})
    assert c.to_connect("t", c.from_connect("t", None, "ß")).value == "ß"
    latin = string_converter(**{"converter.encoding": "ISO-8859-1"})
    assert latin.from_connect("t", None, "é") == b"\xe9"
    with pytest.raises(DataException, match="Failed to serialize to a string"):
        latin.from_connect("t", None, "\u2603")
    with pytest.raises(DataException, match="Failed to deserialize string"):
        string_converter().to_connect("t", b"\xff")


def test_string_converter_rejects_an_unknown_encoding():
    with pytest.raises(ConfigException) as err:
        string_converter(**{"converter.encoding": "klingon"})
    assert err.value.name == "converter.encoding"


def test_byte_array_converter_passes_bytes_through():
    c = ByteArrayConverter()
    assert c.from_connect("t", BYTES_SCHEMA, b"\x00\x01") == b"\x00\x01"
    assert c.from_connect("t", None, bytearray(b"ab")) == b"ab"
    assert c.from_connect("t", None, None) is None
    assert c.to_connect("t", b"\x00") == SchemaAndValue(OPTIONAL_BYTES_SCHEMA, b"\x00")
    assert c.to_connect("t", None) == SchemaAndValue(OPTIONAL_BYTES_SCHEMA, None)


def test_byte_array_converter_rejects_other_types():
    c = ByteArrayConverter()
    with pytest.raises(DataException, match="Invalid schema type for ByteArrayConverter: STRING"):
        c.from_connect("t", STRING_SCHEMA, b"x")
    with pytest.raises(DataException, match="not compatible with objects of type str"):
        c.from_connect("t", None, "x")
