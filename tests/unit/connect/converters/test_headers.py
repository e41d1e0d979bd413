"""SimpleHeaderConverter and Kafka Connect's text format: rendering, parsing with inferred schemas, round trips."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connect.converters.headers import SimpleHeaderConverter
from connect.converters.values import java_double, parse, render
from connect.data import (
    BOOLEAN_SCHEMA,
    FLOAT32_SCHEMA,
    FLOAT64_SCHEMA,
    INT8_SCHEMA,
    INT16_SCHEMA,
    INT32_SCHEMA,
    INT64_SCHEMA,
    STRING_SCHEMA,
    Schema,
    SchemaAndValue,
)
from connect.data.logical import date_schema, decimal_schema, time_schema, timestamp_schema

UTC = dt.UTC


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (True, "true"),
        (False, "false"),
        (42, "42"),
        (-7, "-7"),
        (1.5, "1.5"),
        (1e10, "1.0E10"),
        (1e-5, "1.0E-5"),
        (123456789.0, "1.23456789E8"),
        (0.001, "0.001"),
        (-0.0, "-0.0"),
        (Decimal("1.50"), "1.50"),
        ("plain text", "plain text"),
        (b"\x00\x01", "AAE="),
        ([1, "a", None], '[1,"a",null]'),
        ({"k": [1, 2], "q": 'say "hi"'}, '{"k":[1,2],"q":"say \\"hi\\""}'),
        ({1: True}, "{1:true}"),
        (dt.date(2024, 1, 31), "2024-01-31"),
        (dt.time(10, 15, 30, 123000), "10:15:30.123Z"),
        (dt.datetime(2024, 1, 31, 10, 15, 30, tzinfo=UTC), "2024-01-31T10:15:30.000Z"),
    ],
)
def test_renders_as_kafka_connect_does(value, text):
    assert render(value) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", SchemaAndValue(STRING_SCHEMA, "")),
        ("null", SchemaAndValue(None, None)),
        (" true ", SchemaAndValue(BOOLEAN_SCHEMA, True)),
        ("true}", SchemaAndValue(STRING_SCHEMA, "true}")),
        ("12", SchemaAndValue(INT8_SCHEMA, 12)),
        ("300", SchemaAndValue(INT16_SCHEMA, 300)),
        ("70000", SchemaAndValue(INT32_SCHEMA, 70000)),
        ("5000000000", SchemaAndValue(INT64_SCHEMA, 5000000000)),
        ("1.0", SchemaAndValue(INT8_SCHEMA, 1)),
        ("1.5", SchemaAndValue(FLOAT32_SCHEMA, 1.5)),
        ("1.5E300", SchemaAndValue(FLOAT64_SCHEMA, 1.5e300)),
        ("123456789012345678901234", SchemaAndValue(decimal_schema(0), Decimal("123456789012345678901234"))),
        ("hello, world", SchemaAndValue(STRING_SCHEMA, "hello, world")),
        ('"quoted"', SchemaAndValue(STRING_SCHEMA, '"quoted"')),
        ("[1,2,3]", SchemaAndValue(Schema.array(INT8_SCHEMA), [1, 2, 3])),
        ("[1, 300, null]", SchemaAndValue(Schema.array(INT16_SCHEMA), [1, 300, None])),
        ("[1,2.5]", SchemaAndValue(Schema.array(FLOAT32_SCHEMA), [1.0, 2.5])),
        ('[1,"a"]', SchemaAndValue(None, [1, "a"])),
        ("[1,2", SchemaAndValue(STRING_SCHEMA, "[1,2")),
        ("[a,b]", SchemaAndValue(STRING_SCHEMA, "[a,b]")),
        ('{"a":1,"b":2}', SchemaAndValue(Schema.map(STRING_SCHEMA, INT8_SCHEMA), {"a": 1, "b": 2})),
        ("{1:true,2:false}", SchemaAndValue(Schema.map(INT8_SCHEMA, BOOLEAN_SCHEMA), {1: True, 2: False})),
        ("2024-01-31", SchemaAndValue(date_schema(), dt.date(2024, 1, 31))),
        ("10:15:30.000Z", SchemaAndValue(time_schema(), dt.time(10, 15, 30))),
        (
            "2024-01-31T10:15:30.250Z",
            SchemaAndValue(timestamp_schema(), dt.datetime(2024, 1, 31, 10, 15, 30, 250000, tzinfo=UTC)),
        ),
        (
            "[2024-01-31T10:15:30.000Z,2024-02-01T00:00:00.000Z]",
            SchemaAndValue(
                Schema.array(timestamp_schema()),
                [dt.datetime(2024, 1, 31, 10, 15, 30, tzinfo=UTC), dt.datetime(2024, 2, 1, tzinfo=UTC)],
            ),
        ),
    ],
)
def test_parses_with_the_schema_kafka_connect_infers(text, expected):
    assert parse(text) == expected


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_java_double_text_reads_back_as_the_same_number(value):
    assert float(java_double(value).replace("E", "e")) == value


SIMPLE = st.recursive(
    st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(alphabet=st.characters(exclude_characters='"\\')),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(min_size=1, alphabet="abcxyz"), inner, max_size=4)
    ),
    max_leaves=12,
)


def test_header_converter_round_trips_typed_values():
    c = SimpleHeaderConverter()
    for value in (
        True,
        42,
        -5000000000,
        2.5,
        [1, 2],
        {"a": "b"},
        dt.date(2020, 2, 29),
        dt.datetime(2020, 2, 29, 1, 2, 3, 4000, tzinfo=UTC),
        b"\xff\x00",
    ):
        data = c.from_connect_header("t", "h", None, value)
        read = c.to_connect_header("t", "h", data).value
        assert read == (render(value) if isinstance(value, bytes) else value)  # bytes come back as base64 text


@given(st.text())
def test_strings_are_written_as_their_utf8_text(text):
    c = SimpleHeaderConverter()
    assert c.from_connect_header("t", "h", STRING_SCHEMA, text) == text.encode()


@given(SIMPLE)
def test_parsing_never_fails_and_keeps_lists_and_maps(value):
    text = render(value)
    parsed = parse(text)
    if isinstance(value, (list, dict)) and value:
        assert isinstance(parsed.value, type(value))
        assert len(parsed.value) == len(value)


def test_null_and_undecodable_headers():
    c = SimpleHeaderConverter()
    assert c.from_connect_header("t", "h", None, None) is None
    assert c.to_connect_header("t", "h", None) == SchemaAndValue(None, None)
    assert c.to_connect_header("t", "h", b"\xff\xfe").schema == STRING_SCHEMA  # replaced characters, as Java does


def test_float64_arrays_widen_their_integers():
    assert parse("[1,1.5E300]") == SchemaAndValue(Schema.array(FLOAT64_SCHEMA), [1.0, 1.5e300])


@given(st.lists(st.binary(max_size=40) | SIMPLE.map(lambda v: render(v).encode("utf-8", "surrogatepass")), min_size=1))
def test_a_converter_reads_a_value_seen_before_as_a_fresh_one_does(headers):
    """Parsed values are remembered per converter: what a long-running task reads equals what a new one reads."""
    seasoned = SimpleHeaderConverter()
    for data in headers * 2:
        assert seasoned.to_connect_header("t", "h", data) == SimpleHeaderConverter().to_connect_header("t", "h", data)


def test_a_list_header_a_transform_changed_does_not_change_the_next_record():
    c = SimpleHeaderConverter()
    first = c.to_connect_header("t", "h", b"[1,2]")
    first.value.append(3)  # a transform editing the record's header in place
    assert c.to_connect_header("t", "h", b"[1,2]").value == [1, 2]
    assert c.to_connect_header("t", "h", memoryview(b"42")) == SchemaAndValue(INT8_SCHEMA, 42)
    assert c.to_connect_header("t", "h", b"42").value == 42
