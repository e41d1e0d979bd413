"""Redis keys from records: prefix + separator + the record key rendered stably, a value field, or a template."""

from __future__ import annotations

import datetime as dt
import re
from binascii import b2a_base64
from decimal import Decimal
from typing import Any

from connect.data import SinkRecord
from connect.errors import DataException
from connectors.redis.config import TOPIC_TOKEN, RedisSinkConfig

Key = str | bytes
_PLACEHOLDER = re.compile(r"\$\{topic\}|\{([^{}]+)\}")


def render_scalar(value: Any) -> str | bytes | int | float:
    """A non-null value as Redis stores it: strings, bytes, ints and floats as they are (redis-py writes numbers
    in decimal), booleans as true/false, decimals in plain notation, dates and times in ISO-8601."""
    kind = type(value)
    if kind is str or kind is bytes or kind is int or kind is float:
        return value
    if kind is bool:
        return "true" if value else "false"
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise DataException(f"the decimal {value} has no value Redis can store")
        return format(value, "f")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, int):  # an int subclass (e.g. an IntEnum)
        return int(value)
    raise DataException(f"a {type(value).__name__} cannot be written as a Redis string")


def render_key(value: Any, separator: str) -> Key:
    """A record key (or key field) as a stable key part.

    Strings and bytes as they are, numbers in decimal, a single-field struct (or one-entry map) as its
    field, a struct with several fields as their values joined by the separator, in field order.
    """
    kind = type(value)
    if kind is str or kind is bytes:
        return value
    if kind is int:
        return str(value)
    if value is None:
        raise DataException(
            "the key is null; Redis keys need a record key (or set redis.key.field or redis.key.template)"
        )
    if isinstance(value, dict):
        if len(value) == 1:
            return render_key(next(iter(value.values())), separator)
        return separator.join(_part(v, separator) for v in value.values())
    if isinstance(value, (list, tuple)):
        return separator.join(_part(v, separator) for v in value)
    rendered = render_scalar(value)
    return rendered if isinstance(rendered, (str, bytes)) else str(rendered)


def _part(value: Any, separator: str) -> str:
    """One part of a composite key: always text (bytes as base64, so the key stays unambiguous)."""
    if value is None:
        raise DataException("a field of the record key is null, so it cannot be part of a Redis key")
    rendered = render_key(value, separator)
    return b2a_base64(rendered, newline=False).decode("ascii") if isinstance(rendered, bytes) else rendered


def lookup(row: Any, path: list[str]) -> Any:
    """A (dotted) field of a struct or map, or None when it is absent."""
    for name in path:
        if not isinstance(row, dict):
            return None
        row = row.get(name)
    return row


class _Template:
    """`order:{id}`: literal text, `${topic}`, and fields looked up in the row image, then in the record key."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._parts: list[str | list[str] | None] = []  # literal, field path, None for the topic
        at = 0
        for m in _PLACEHOLDER.finditer(text):
            self._parts.append(text[at : m.start()])
            self._parts.append(None if m.group(0) == TOPIC_TOKEN else m.group(1).strip().split("."))
            at = m.end()
        self._parts.append(text[at:])

    def fill(self, record: SinkRecord, row: Any, separator: str) -> str:
        out: list[str] = []
        for part in self._parts:
            if isinstance(part, str):
                out.append(part)
            elif part is None:
                out.append(record.topic)
            else:
                value = lookup(row, part)
                if value is None:
                    value = lookup(record.key, part)
                if value is None:
                    raise DataException(
                        f"redis.key.template {self.text!r}: the record has no value for "
                        f"{'.'.join(part)!r} (looked in the value, then in the key)"
                    )
                out.append(_part(value, separator))
        return "".join(out)


class KeyMaker:
    """The keys and members a task writes, per its settings (one instance per task; per-topic prefixes cached)."""

    def __init__(self, config: RedisSinkConfig) -> None:
        self._sep = config.separator
        self._prefix = config.prefix
        self._field = config.key_field.split(".") if config.key_field else None
        self._template = _Template(config.key_template) if config.key_template else None
        self._heads: dict[str, str] = {}  # topic -> "prefix<sep>" (or "" without a prefix)

    def identity(self, record: SinkRecord, row: Any) -> Key:
        """What names a record: its key rendered, or `redis.key.field` of its row (of its key, for tombstones)."""
        if self._field is None:
            return render_key(record.key, self._sep)
        value = lookup(row, self._field) if row is not None else None
        if value is None:
            value = lookup(record.key, self._field)
        if value is None:
            raise DataException(f"redis.key.field {'.'.join(self._field)!r} is missing or null in the record")
        return render_key(value, self._sep)

    def key(self, record: SinkRecord, row: Any) -> Key:
        """The key of a record written as one key (STRING, HASH, JSON, and every record in invalidate mode)."""
        if self._template is not None:
            return self._template.fill(record, row, self._sep)
        ident = self.identity(record, row)
        head = self._head(record.topic)
        if not head:
            return ident
        return head.encode() + ident if isinstance(ident, bytes) else head + ident

    def collection(self, record: SinkRecord, row: Any) -> str:
        """The key of the stream, list, set or sorted set a record goes to."""
        if self._template is not None:
            return self._template.fill(record, row, self._sep)
        return self._prefix.replace(TOPIC_TOKEN, record.topic)

    def _head(self, topic: str) -> str:
        head = self._heads.get(topic)
        if head is None:
            prefix = self._prefix.replace(TOPIC_TOKEN, topic)
            head = self._heads[topic] = prefix + self._sep if prefix else ""
        return head
