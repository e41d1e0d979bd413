"""Elasticsearch index mappings derived from Kafka Connect value schemas (used when schema.ignore=false)."""

from __future__ import annotations

from typing import Any

from connect.data import Schema, Type
from connect.data.logical import DATE, DECIMAL, TIME, TIMESTAMP

_PRIMITIVES: dict[Type, dict[str, Any]] = {
    Type.INT8: {"type": "byte"},
    Type.INT16: {"type": "short"},
    Type.INT32: {"type": "integer"},
    Type.INT64: {"type": "long"},
    Type.FLOAT32: {"type": "float"},
    Type.FLOAT64: {"type": "double"},
    Type.BOOLEAN: {"type": "boolean"},
    # Full-text search on the text, exact match / sort / aggregations on the keyword subfield.
    Type.STRING: {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}},
    Type.BYTES: {"type": "binary"},
}

_LOGICAL: dict[str, dict[str, Any]] = {
    # Documents carry Decimal as a JSON number (double), dates and timestamps as ISO-8601 strings.
    DECIMAL: {"type": "double"},
    DATE: {"type": "date"},
    TIMESTAMP: {"type": "date"},
    TIME: {"type": "keyword"},  # "HH:MM:SS.ffffff" is no date Elasticsearch parses by default
    "io.debezium.time.ZonedTimestamp": {"type": "date"},  # ISO-8601 with offset
}


def field_mapping(schema: Schema) -> dict[str, Any]:
    """The mapping of one field; arrays map as their elements, maps as dynamic objects."""
    logical = _LOGICAL.get(schema.name or "")
    if logical is not None:
        return dict(logical)
    if schema.type is Type.STRUCT:
        return {"properties": {f.name: field_mapping(f.schema) for f in schema.fields}}
    if schema.type is Type.ARRAY:
        assert schema.value_schema is not None
        return field_mapping(schema.value_schema)
    if schema.type is Type.MAP:
        return {"type": "object"}
    return dict(_PRIMITIVES[schema.type])


def index_mappings(schema: Schema | None) -> dict[str, Any] | None:
    """The `mappings` body of a new index for documents of this schema, or None when it says nothing."""
    if schema is None or schema.type is not Type.STRUCT:
        return None
    return field_mapping(schema)
