"""Index mappings derived from value schemas follow Confluent's type table."""

from __future__ import annotations

from connect.data import (
    BOOLEAN_SCHEMA,
    BYTES_SCHEMA,
    FLOAT32_SCHEMA,
    FLOAT64_SCHEMA,
    INT8_SCHEMA,
    INT16_SCHEMA,
    INT32_SCHEMA,
    INT64_SCHEMA,
    STRING_SCHEMA,
    Schema,
)
from connect.data.logical import date_schema, decimal_schema, timestamp_schema
from connectors.elasticsearch.mapping import index_mappings

TEXT = {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}}


def test_every_connect_type_has_its_elasticsearch_type():
    address = Schema.struct("Address", [("city", STRING_SCHEMA), ("zip", INT32_SCHEMA)])
    schema = Schema.struct(
        "Row",
        [
            ("i8", INT8_SCHEMA),
            ("i16", INT16_SCHEMA),
            ("i32", INT32_SCHEMA),
            ("i64", INT64_SCHEMA),
            ("f", FLOAT32_SCHEMA),
            ("d", FLOAT64_SCHEMA),
            ("b", BOOLEAN_SCHEMA),
            ("s", STRING_SCHEMA),
            ("raw", BYTES_SCHEMA),
            ("price", decimal_schema(2)),
            ("day", date_schema()),
            ("at", timestamp_schema()),
            ("address", address),
            ("tags", Schema.array(STRING_SCHEMA)),
            ("attrs", Schema.map(STRING_SCHEMA, STRING_SCHEMA)),
        ],
    )
    assert index_mappings(schema) == {
        "properties": {
            "i8": {"type": "byte"},
            "i16": {"type": "short"},
            "i32": {"type": "integer"},
            "i64": {"type": "long"},
            "f": {"type": "float"},
            "d": {"type": "double"},
            "b": {"type": "boolean"},
            "s": TEXT,
            "raw": {"type": "binary"},
            "price": {"type": "double"},
            "day": {"type": "date"},
            "at": {"type": "date"},
            "address": {"properties": {"city": TEXT, "zip": {"type": "integer"}}},
            "tags": TEXT,
            "attrs": {"type": "object"},
        }
    }


def test_no_mapping_without_a_struct_schema():
    assert index_mappings(None) is None
    assert index_mappings(STRING_SCHEMA) is None
