"""What part of a record a file holds (Confluent's record views): its value, its key (`.keys` files) or its
headers (`.headers` files). Formats that need a struct at the top (Parquet; JSON for headers) ask for the
view enveloped: `{"key": ...}` or `{"headers": [...]}`."""

from __future__ import annotations

import base64
from typing import Any

import orjson

from connect.data import STRING_SCHEMA, Schema, SinkRecord
from connect.errors import DataException

HEADER_SCHEMA = Schema.struct(None, [("key", STRING_SCHEMA), ("value", STRING_SCHEMA)])
HEADERS_SCHEMA = Schema.array(HEADER_SCHEMA)


class View:
    """The value of a record (the default view)."""

    suffix = ""

    def schema(self, record: SinkRecord, enveloped: bool) -> Schema | None:
        return record.value_schema

    def value(self, record: SinkRecord, enveloped: bool) -> Any:
        return record.value


class KeyView(View):
    suffix = ".keys"
    _envelopes: dict[Schema | None, Schema] = {}

    def schema(self, record: SinkRecord, enveloped: bool) -> Schema | None:
        if not enveloped:
            return record.key_schema
        envelope = self._envelopes.get(record.key_schema)
        if envelope is None:
            if record.key_schema is None:
                raise DataException("Keys without a schema cannot be written in this format")
            envelope = self._envelopes[record.key_schema] = Schema.struct("RecordKey", [("key", record.key_schema)])
        return envelope

    def value(self, record: SinkRecord, enveloped: bool) -> Any:
        if record.key is None:
            raise DataException("The record has no key (store.kafka.keys=true)")
        return {"key": record.key} if enveloped else record.key


class HeadersView(View):
    suffix = ".headers"
    ENVELOPE = Schema.struct("RecordHeaders", [("headers", HEADERS_SCHEMA)])

    def schema(self, record: SinkRecord, enveloped: bool) -> Schema | None:
        return self.ENVELOPE if enveloped else HEADERS_SCHEMA

    def value(self, record: SinkRecord, enveloped: bool) -> Any:
        if not record.headers:
            raise DataException("The record has no headers (store.kafka.headers=true)")
        headers = [{"key": h.key, "value": header_text(h.value)} for h in record.headers]
        return {"headers": headers} if enveloped else headers


def header_text(value: Any) -> str:
    """A header value as text, the way Kafka Connect's Values.convertToString writes it."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, (dict, list, tuple)):
        return orjson.dumps(value, default=str).decode()
    return "null" if value is None else str(value)


VALUE, KEY, HEADERS = View(), KeyView(), HeadersView()
