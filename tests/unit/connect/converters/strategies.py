"""Hypothesis strategies shared by the converter tests: Connect schemas with values that fit them."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

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

INT64 = st.integers(-(2**63), 2**63 - 1)
# A struct of random fields, each a leaf type (maybe optional, maybe in an array) with a matching value.
MILLIS_TS = st.integers(-(2**40), 2**40).map(
    lambda ms: dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(milliseconds=ms)
)
LEAVES = [
    (INT8_SCHEMA, st.integers(-128, 127)),
    (INT16_SCHEMA, st.integers(-(2**15), 2**15 - 1)),
    (INT32_SCHEMA, st.integers(-(2**31), 2**31 - 1)),
    (INT64_SCHEMA, INT64),
    (FLOAT64_SCHEMA, st.floats(allow_nan=False, allow_infinity=False)),
    (BOOLEAN_SCHEMA, st.booleans()),
    (STRING_SCHEMA, st.text()),
    (BYTES_SCHEMA, st.binary()),
    (decimal_schema(4), st.decimals(min_value=-(10**20), max_value=10**20, places=4)),
    (date_schema(), st.dates()),
    (time_schema(), st.times().map(lambda t: t.replace(microsecond=t.microsecond // 1000 * 1000))),
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
