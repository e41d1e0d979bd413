"""Property tests: whatever JsonConverter writes, it reads back equal."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from connect.converters.json import JsonConverter
from tests.unit.connect.converters.strategies import INT64, typed

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
