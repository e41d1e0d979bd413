"""Sink records → the lines the file sink writes."""

from __future__ import annotations

import base64
import decimal
from typing import Any

import orjson

from connect.data import SinkRecord
from connect.errors import DataException

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_APPEND_NEWLINE
_NEWLINE = b"\n"


def _default(obj: Any) -> Any:
    """What orjson cannot write by itself: bytes as base64 (as JsonConverter does), exact decimals, sets."""
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return base64.b64encode(obj).decode()
    if isinstance(obj, decimal.Decimal):
        return orjson.Fragment(str(obj)) if obj.is_finite() else str(obj)
    if isinstance(obj, (set, frozenset)):
        return sorted(obj, key=repr)
    raise TypeError


def _json_line(obj: Any) -> bytes:
    try:
        return orjson.dumps(obj, default=_default, option=_OPTIONS)
    except orjson.JSONEncodeError as exc:  # orjson names the type it could not write
        raise DataException(f"file sink cannot write the record as JSON: {exc}") from None


def value_line(record: SinkRecord) -> bytes:
    """The value alone: strings and bytes as they are, None as `null`, anything else as JSON."""
    value = record.value
    if isinstance(value, str):
        return value.encode() + _NEWLINE
    if isinstance(value, (bytes, bytearray)):
        return bytes(value) + _NEWLINE
    return _json_line(value)


def record_line(record: SinkRecord) -> bytes:
    """The whole record as one JSON object (headers in order, repeated keys kept)."""
    return _json_line(
        {
            "topic": record.topic,
            "partition": record.kafka_partition,
            "offset": record.kafka_offset,
            "timestamp": record.timestamp,
            "key": record.key,
            "value": record.value,
            "headers": [{"key": h.key, "value": h.value} for h in record.headers],
        }
    )
