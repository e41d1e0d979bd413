"""Property tests: whatever JsonConverter writes, it reads back equal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from connect.converters.json import JsonConverter
from connect.data import (
    BOOLEAN_SCHEMA,
    BYTES_SCHEMA,
    FLOAT64_SCHEMA,
    INT8_SCHEMA,
    INT16_SCHEMA,
    INT32_SCHEMA,
    INT64_SCHEMA,
    STRING_SCHEMA,
    Schema,
)
from connect.data.logical import date_schema, decimal_schema, time_schema, timestamp_schema

INT64 = st.integers(-2**63, 2**63 - 1)
JSON = st.recursive(
    st.none() | st.booleans() | INT64 | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)


def converter(schemas_enable: bool, decimal_format: str = "BASE64") -> JsonConverter:
    c = JsonConverter()
    c.configure({"schemas.enable": str(schemas_enable), "decimal.format": decimal_format})
    return c


PLAIN, ENVELOPED = converter(False), converter(True)


@given(JSON)
def test_schemaless_values_round_trip(value):
    for c in (PLAIN, ENVELOPED):
        assert c.to_connect("t", c.from_connect("t", None, value)).value == value


# Typed values: a struct of random fields, each a leaf type with a matching value strategy.
MILLIS_TS = st.integers(-2**40, 2**40).map(lambda ms: dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
                                           + dt.timedelta(milliseconds=ms))
LEAVES = [
    (INT8_SCHEMA, st.integers(-128, 127)), (INT16_SCHEMA, st.integers(-2**15, 2**15 - 1)),
    (INT32_SCHEMA, st.integers(-2**31, 2**31 - 1)), (INT64_SCHEMA, INT64),
    (FLOAT64_SCHEMA, st.floats(allow_nan=False, allow_infinity=False)), (BOOLEAN_SCHEMA, st.booleans()),
    (STRING_SCHEMA, st.text()), (BYTES_SCHEMA, st.binary()),
    (decimal_schema(4), st.decimals(min_value=-10**20, max_value=10**20, places=4)),
    (date_schema(), st.dates()), (time_schema(), st.times().map(lambda t: t.replace(microsecond=t.microsecond
                                                                                     // 1000 * 1000))),
    (timestamp_schema(), MILLIS_TS),
]


@st.composite
def typed(draw):
    picks = draw(st.lists(st.sampled_from(range(len(LEAVES))), min_size=1, max_size=8))
    fields, value = [], {}
    for i, leaf in enumerate(picks):
        schema, values = LEAVES[leaf]
        optional = draw(st.booleans())
        name = f"f{i}"
        if draw(st.booleans()):
            schema, values = Schema.array(schema), st.lists(values, max_size=3)
        fields.append((name, schema.with_(optional=True) if optional else schema))
        value[name] = draw(st.none() if optional and draw(st.booleans()) else values)
    return Schema.struct("prop.Row", fields), value


@settings(max_examples=200)
@given(typed(), st.booleans())
def test_typed_values_round_trip(schema_and_value, numeric):
    schema, value = schema_and_value
    c = converter(True, "NUMERIC" if numeric else "BASE64")
    read = c.to_connect("t", c.from_connect("t", schema, value))
    assert read.schema == schema
    assert read.value == value
    for name, v in value.items():  # decimals keep their digits, not just their value
        if isinstance(v, Decimal):
            assert read.value[name].as_tuple().exponent == -4 or v == 0
