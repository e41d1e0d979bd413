"""Record → bulk action: index name, document id, version and the NDJSON lines of one `_bulk` item."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import orjson

from connect.data import RecordPosition, Schema, SinkRecord
from connect.data.envelope import read_change, row_schema
from connect.errors import DataException
from connectors.elasticsearch.config import EsSinkConfig, NullValues, WriteMethod

INDEX, UPDATE, DELETE = "index", "update", "delete"
_JSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_NAIVE_UTC | orjson.OPT_UTC_Z
_MAX_INDEX_BYTES = 255


@dataclass(slots=True, eq=False)
class Action:
    """One `_bulk` item: what it writes where, its NDJSON lines, and where its record was read.

    Not the record: an action lives until Elasticsearch answers, and the task's memory should not grow with
    the records in flight. A document Elasticsearch rejects is reported by its position (spi/errant.py).
    """

    op: str
    index: str
    doc_id: str
    payload: bytes
    position: RecordPosition
    slot: Any = field(default=None)  # the task's offset-tracking slot, completed when the item is durable

    @property
    def doc_key(self) -> tuple[str, str]:
        return (self.index, self.doc_id)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(value).decode()
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    raise TypeError(f"{type(value).__name__} cannot be written to a document")


def to_json(value: Any, *, sort_keys: bool = False) -> bytes:
    """JSON bytes for a document: Decimal as a number, bytes as base64, dates and times as ISO-8601 (UTC)."""
    try:
        return orjson.dumps(
            value, default=_json_default, option=_JSON_OPTIONS | orjson.OPT_SORT_KEYS if sort_keys else _JSON_OPTIONS
        )
    except TypeError as exc:
        raise DataException(f"value cannot be written as JSON: {exc}") from None


def render_id(key: Any) -> str:
    """A record key as a stable document id.

    Strings as they are, numbers in decimal, a single-field struct (or one-entry map) as its field,
    other structs, maps and arrays as JSON with sorted keys, bytes as base64.
    """
    if isinstance(key, str):
        if not key:
            raise DataException("the record key is the document id and cannot be empty")
        return key
    if key is None:
        raise DataException(
            "the record key is the document id and cannot be null (set key.ignore=true to use "
            "topic+partition+offset ids)"
        )
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, int):
        return str(key)
    if isinstance(key, float):
        return repr(key)
    if isinstance(key, Decimal):
        return format(key, "f")
    if isinstance(key, dict):
        if len(key) == 1:
            return render_id(next(iter(key.values())))
        return to_json(key, sort_keys=True).decode()
    if isinstance(key, (bytes, bytearray, memoryview)):
        return base64.b64encode(key).decode()
    if isinstance(key, (list, tuple)):
        return to_json(key, sort_keys=True).decode()
    if isinstance(key, (dt.date, dt.time)):
        return to_json(key).decode().strip('"')
    raise DataException(f"a key of type {type(key).__name__} cannot be a document id")


def index_name(topic: str) -> str:
    """The index for a topic: lowercased, without the leading characters Elasticsearch forbids, ≤ 255 bytes."""
    name = topic.lower().lstrip("-_+")
    if name in ("", ".", ".."):
        raise DataException(f"topic {topic!r} gives no valid index name; rename it with a RegexRouter transform")
    return name.encode()[:_MAX_INDEX_BYTES].decode(errors="ignore")


class DocumentConverter:
    """Turns sink records into bulk actions per the task's settings (one instance per task)."""

    def __init__(self, config: EsSinkConfig) -> None:
        self._config = config
        self._upsert = config.write_method is WriteMethod.UPSERT
        self._null_values = config.null_values
        self._retry_on_conflict = min(config.max_in_flight, 5)
        self._topics: dict[str, tuple[str, bool, bool]] = {}  # topic -> (index, key ignored, versioned)

    def convert(self, record: SinkRecord) -> Action | None:
        """The action for a record; None when it writes nothing. Raises DataException for a bad record."""
        value = record.value
        change = read_change(record)
        if change is not None:
            if change.op == "d":
                return self._delete(record)
            if change.op not in ("c", "u", "r") or change.after is None:
                return None  # truncate and message events change no document
            value = change.after
        elif value is None:
            if self._null_values is NullValues.IGNORE:
                return None
            if self._null_values is NullValues.FAIL:
                raise DataException(
                    "the record has a null value (set behavior.on.null.values to 'ignore' or "
                    "'delete' to accept tombstones)"
                )
            if record.key is None:
                return None  # nothing names a document to delete
            return self._delete(record)
        if not isinstance(value, dict):
            raise DataException(
                f"the record value is a {type(value).__name__}, not a struct or map; only "
                "structs and maps can be documents"
            )
        index, key_ignored, versioned = self._topic(record.topic)
        doc_id = self._doc_id(record, key_ignored)
        if self._upsert:
            meta = {UPDATE: {"_index": index, "_id": doc_id, "retry_on_conflict": self._retry_on_conflict}}
            body = b'{"doc":' + to_json(value) + b',"doc_as_upsert":true}'
            return Action(UPDATE, index, doc_id, orjson.dumps(meta) + b"\n" + body + b"\n", record.position)
        meta = {INDEX: self._meta(index, doc_id, record, versioned)}
        return Action(INDEX, index, doc_id, orjson.dumps(meta) + b"\n" + to_json(value) + b"\n", record.position)

    @staticmethod
    def document_schema(record: SinkRecord) -> Schema | None:
        """The schema of the document a record writes (a change event's after image), for an index's mapping."""
        schema = record.value_schema
        if schema is not None and read_change(record) is not None:
            return row_schema(schema)
        return schema

    def _delete(self, record: SinkRecord) -> Action:
        index, key_ignored, versioned = self._topic(record.topic)
        doc_id = self._doc_id(record, key_ignored)
        meta = self._meta(index, doc_id, record, versioned)
        return Action(DELETE, index, doc_id, orjson.dumps({DELETE: meta}) + b"\n", record.position)

    @staticmethod
    def _meta(index: str, doc_id: str, record: SinkRecord, versioned: bool) -> dict[str, Any]:
        if versioned:
            # The offset orders writes to one document: an older or replayed write gets a 409 and changes nothing.
            return {"_index": index, "_id": doc_id, "version": record.kafka_offset, "version_type": "external"}
        return {"_index": index, "_id": doc_id}

    @staticmethod
    def _doc_id(record: SinkRecord, key_ignored: bool) -> str:
        if key_ignored:
            return f"{record.topic}+{record.kafka_partition}+{record.kafka_offset}"
        return render_id(record.key)

    def _topic(self, topic: str) -> tuple[str, bool, bool]:
        """What a topic's records share: the index, whether the key is ignored, whether writes are versioned."""
        known = self._topics.get(topic)
        if known is None:
            key_ignored = self._config.ignores_key(topic)
            # Versions order writes to one document by key; with topic+partition+offset ids there is nothing to order.
            versioned = self._config.write_method is WriteMethod.INSERT and not key_ignored
            known = self._topics[topic] = (index_name(topic), key_ignored, versioned)
        return known
