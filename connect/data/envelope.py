"""Debezium change-event envelopes: recognise them and read what a sink needs.

Sinks and the unwrap transform share this so that "the after image is written, a delete
removes the row" means the same thing everywhere.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from connect.data.records import ConnectRecord
from connect.data.schema import Schema, Type

ENVELOPE_SUFFIX = ".Envelope"
OPS = frozenset(("c", "u", "d", "r", "t", "m"))


class Change(NamedTuple):
    """What a change event says: the op and the row images (None when absent)."""

    op: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    source: dict[str, Any] | None


def is_envelope(schema: Schema | None, value: Any) -> bool:
    """True for a Debezium envelope, with a schema (named `*.Envelope`) or schemaless."""
    if not isinstance(value, dict):
        return False
    if schema is not None:
        return schema.type is Type.STRUCT and (schema.name or "").endswith(ENVELOPE_SUFFIX)
    op = value.get("op")
    return isinstance(op, str) and op in OPS and "source" in value and ("after" in value or "before" in value)


def read_change(record: ConnectRecord) -> Change | None:
    """The change carried by a record, or None when its value is not an envelope."""
    value = record.value
    if not is_envelope(record.value_schema, value):
        return None
    return Change(value.get("op"), value.get("before"), value.get("after"), value.get("source"))


def row_schema(envelope_schema: Schema, image: str = "after") -> Schema | None:
    """The schema of the `before`/`after` image of an envelope schema."""
    if envelope_schema.type is not Type.STRUCT or not envelope_schema.has_field(image):
        return None
    return envelope_schema.field(image).schema
