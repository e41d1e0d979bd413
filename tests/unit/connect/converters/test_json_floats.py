"""JsonConverter and non-finite floats: written as Kafka Connect's Jackson writes them, wherever they sit."""

from __future__ import annotations

import math

import orjson
import pytest

from connect.converters.json import JsonConverter
from connect.data import FLOAT32_SCHEMA, FLOAT64_SCHEMA, OPTIONAL_STRING_SCHEMA, STRING_SCHEMA, Schema
from connect.errors import DataException

TOPIC = "topic"
INNER = Schema.struct("inner", [("d", FLOAT64_SCHEMA)], optional=True)
OUTER = Schema.struct("outer", [("s", OPTIONAL_STRING_SCHEMA), ("f", FLOAT32_SCHEMA), ("inner", INNER)])


def payload(schemas: bool, schema, value):
    c = JsonConverter()
    c.configure({"schemas.enable": str(schemas).lower()}, is_key=False)
    data = c.from_connect(TOPIC, schema, value)
    body = orjson.loads(data)
    return (body["payload"] if schemas else body), c.to_connect(TOPIC, data).value if schemas else None


def outer(f: float, d: float | None) -> dict:
    return {"s": "x", "f": f, "inner": None if d is None else {"d": d}}


@pytest.mark.parametrize("schemas", [True, False])
@pytest.mark.parametrize(("number", "text"), [(math.nan, "NaN"), (math.inf, "Infinity"), (-math.inf, "-Infinity")])
def test_non_finite_floats_are_strings_at_the_top_in_structs_arrays_and_maps(schemas, number, text):
    assert payload(schemas, FLOAT64_SCHEMA, number)[0] == text
    assert payload(schemas, OUTER, outer(1.5, number))[0] == {"s": "x", "f": 1.5, "inner": {"d": text}}
    assert payload(schemas, OUTER, outer(number, 2.5))[0] == {"s": "x", "f": text, "inner": {"d": 2.5}}
    assert payload(schemas, Schema.array(FLOAT64_SCHEMA), [1.0, number])[0] == [1.0, text]
    assert payload(schemas, Schema.map(STRING_SCHEMA, FLOAT64_SCHEMA), {"k": number})[0] == {"k": text}


def test_non_finite_floats_read_back_as_floats():
    _, back = payload(True, OUTER, outer(math.inf, math.nan))
    assert back["f"] == math.inf and math.isnan(back["inner"]["d"])


def test_finite_and_null_floats_are_left_as_they_are():
    assert payload(True, OUTER, outer(1.5, None))[0] == {"s": "x", "f": 1.5, "inner": None}
    assert payload(True, OUTER, outer(-0.0, 3.25))[0] == {"s": "x", "f": -0.0, "inner": {"d": 3.25}}


@pytest.mark.parametrize("value", ["not a struct", [1.0], 7])
def test_a_value_that_is_not_the_schemas_struct_is_still_a_data_error(value):
    with pytest.raises(DataException):
        payload(True, OUTER, value)
