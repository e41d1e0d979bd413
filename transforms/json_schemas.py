"""Connect schemas inferred from JSON documents, as Debezium's outbox router expands a JSON payload.

Structs are named by their path from a root name; a document is first reduced to a hashable
shape, so documents of one shape share one Schema object (and the converters' caches keyed by it).
"""

from __future__ import annotations

from typing import Any

from connect.data import Schema
from connect.data import Type as SchemaType
from connect.data.schema import (
    OPTIONAL_BOOLEAN_SCHEMA,
    OPTIONAL_BYTES_SCHEMA,
    OPTIONAL_FLOAT64_SCHEMA,
    OPTIONAL_INT32_SCHEMA,
    OPTIONAL_INT64_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
)
from connect.errors import DataException

CACHE_LIMIT = 10_000  # shapes (and routed topics, value schemas) kept; cleared when exceeded (bounded memory)


class JsonSchemas:
    """Infers the schema of parsed JSON documents rooted at `root`, and fits each document to it."""

    def __init__(self, root: str, null_as_bytes: bool = False, empty_array_as_strings: bool = False) -> None:
        self.root = root
        self.null_as_bytes = null_as_bytes
        self.empty_array_as_strings = empty_array_as_strings
        self._schemas: dict[Any, Schema | None] = {}

    def infer(self, document: Any) -> tuple[Any, Schema | None]:
        """(value fitted to the schema, schema) of one parsed document."""
        dropped = [False]
        shape = self._shape(document, dropped)
        schema = self._schemas.get(shape, _MISSING)
        if schema is _MISSING:
            schema = self._build(self.root, shape)
            if len(self._schemas) >= CACHE_LIMIT:
                self._schemas.clear()
            self._schemas[shape] = schema
        if schema is None:
            return None, None
        return (fit(document, schema) if dropped[0] else document), schema

    def _shape(self, value: Any, dropped: list[bool]) -> Any:
        if value is None:
            if not self.null_as_bytes:
                dropped[0] = True
            return "n"
        if isinstance(value, bool):
            return "b"
        if isinstance(value, str):
            return "s"
        if isinstance(value, int):
            return "i32" if -(2**31) <= value < 2**31 else "i64"
        if isinstance(value, float):
            return "f64"
        if isinstance(value, dict):
            return ("o", tuple((k, self._shape(v, dropped)) for k, v in value.items()))
        if isinstance(value, list):
            element: Any = None
            for item in value:
                if item is not None:
                    element = merge_shapes(element, self._shape(item, dropped))
            if element is None:
                dropped[0] = dropped[0] or not self.empty_array_as_strings
                return ("a", None)
            return ("a", element)
        raise DataException(f"unsupported JSON value {value!r}")

    def _build(self, name: str | None, shape: Any) -> Schema | None:
        if isinstance(shape, str):
            if shape == "n":
                return OPTIONAL_BYTES_SCHEMA if self.null_as_bytes else None
            return _PRIMITIVES[shape]
        if shape[0] == "a":
            if shape[1] is None:
                return Schema.array(OPTIONAL_STRING_SCHEMA, optional=True) if self.empty_array_as_strings else None
            element = self._build(name, shape[1])
            return Schema.array(element, optional=True) if element is not None else None
        fields = []
        for key, sub in shape[1]:
            schema = self._build(f"{name}.{key}" if name else key, sub)
            if schema is not None:
                fields.append((key, schema))
        return Schema.struct(name, fields, optional=True)


_MISSING: Any = object()
_PRIMITIVES = {
    "b": OPTIONAL_BOOLEAN_SCHEMA,
    "s": OPTIONAL_STRING_SCHEMA,
    "i32": OPTIONAL_INT32_SCHEMA,
    "i64": OPTIONAL_INT64_SCHEMA,
    "f64": OPTIONAL_FLOAT64_SCHEMA,
}
_NUMBERS = ("i32", "i64", "f64")


def merge_shapes(left: Any, right: Any) -> Any:
    """One shape covering both (array elements): numbers widen, objects unite their fields."""
    if left is None or left == right:
        return right
    if left == "n":
        return right
    if right == "n":
        return left
    if left in _NUMBERS and right in _NUMBERS:
        return _NUMBERS[max(_NUMBERS.index(left), _NUMBERS.index(right))]
    if isinstance(left, tuple) and isinstance(right, tuple) and left[0] == right[0]:
        if left[0] == "a":
            return ("a", merge_shapes(left[1], right[1]))
        fields = dict(left[1])
        for key, sub in right[1]:
            fields[key] = merge_shapes(fields.get(key), sub)
        return ("o", tuple(fields.items()))
    raise DataException(f"JSON array mixes {_describe(left)} and {_describe(right)}")


def _describe(shape: Any) -> str:
    if isinstance(shape, tuple):
        return "objects" if shape[0] == "o" else "arrays"
    return {"b": "booleans", "s": "strings", "n": "nulls"}.get(shape, "numbers")


def fit(value: Any, schema: Schema) -> Any:
    """`value` with the members its inferred schema left out (nulls, empty arrays) removed."""
    if value is None:
        return None
    if schema.type is SchemaType.STRUCT:
        return {f.name: fit(value.get(f.name), f.schema) for f in schema.fields}
    if schema.type is SchemaType.ARRAY:
        assert schema.value_schema is not None
        return [fit(v, schema.value_schema) for v in value]
    return value
