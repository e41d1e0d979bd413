"""Serdes: turn keys and values into bytes and back (JSON, CDC JSON, strings, bytes, longs).

A serde is any object with `serialize(obj) -> bytes | None` and `deserialize(data) -> obj`; None maps to
None both ways (a tombstone). JSON is the default for keys and values: it is what the CDC source and the
sinks speak. `CdcJsonSerde` also reads Kafka Connect's `{"schema": ..., "payload": ...}` envelope, typed by
the project's JsonConverter (decimals, timestamps, bytes), so a table can be read from either form.
"""

from __future__ import annotations

import struct
from typing import Any, Protocol

import orjson

from connect.converters.json_values import schemaless_default

_dumps = orjson.dumps
_loads = orjson.loads


class Serde(Protocol):
    def serialize(self, obj: Any) -> bytes | None: ...

    def deserialize(self, data: bytes | None) -> Any: ...


class JsonSerde:
    """Plain JSON via orjson; decimals become numbers and bytes base64, as the JsonConverter writes them."""

    def serialize(self, obj: Any) -> bytes | None:
        if obj is None:
            return None
        return _dumps(obj, default=schemaless_default)

    def deserialize(self, data: bytes | None) -> Any:
        if data is None or not data:
            return None
        return _loads(data)


class CdcJsonSerde(JsonSerde):
    """JSON with or without Kafka Connect's schema envelope; reading a schema'd message returns its payload
    typed by the schema (Decimal, bytes, ...). Writing is plain JSON."""

    _PREFIX = b'{"schema":'

    def __init__(self) -> None:
        self._converter: Any = None

    def deserialize(self, data: bytes | None) -> Any:
        if data is None or not data:
            return None
        if data.startswith(self._PREFIX):
            if self._converter is None:
                from connect.converters.json import JsonConverter

                self._converter = JsonConverter()
            return self._converter.to_connect("", data).value
        return _loads(data)


class StringSerde:
    def serialize(self, obj: Any) -> bytes | None:
        return None if obj is None else str(obj).encode()

    def deserialize(self, data: bytes | None) -> Any:
        return None if data is None else data.decode()


class BytesSerde:
    def serialize(self, obj: Any) -> bytes | None:
        return obj

    def deserialize(self, data: bytes | None) -> Any:
        return data


class LongSerde:
    """A signed 64-bit big-endian integer: Kafka's LongSerializer, what Java consumers of a count expect."""

    _LONG = struct.Struct(">q")

    def serialize(self, obj: Any) -> bytes | None:
        return None if obj is None else self._LONG.pack(obj)

    def deserialize(self, data: bytes | None) -> Any:
        return None if data is None else self._LONG.unpack(data)[0]


JSON = JsonSerde()
CDC_JSON = CdcJsonSerde()
STRING = StringSerde()
BYTES = BytesSerde()
LONG = LongSerde()


class ChangeSerde:
    """A table update (new, old) through a repartition topic: `>i` length of new (-1 = None), its bytes,
    then old's bytes (absent = None), each serialized with the inner serde."""

    _LEN = struct.Struct(">i")

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def serialize(self, change: Any) -> bytes:
        new = None if change.new is None else self.inner.serialize(change.new)
        old = None if change.old is None else self.inner.serialize(change.old)
        head = self._LEN.pack(-1 if new is None else len(new))
        return b"".join((head, new or b"", b"" if old is None else b"\x01" + old))

    def deserialize(self, data: bytes | None) -> Any:
        from streams.processors.base import Change

        assert data is not None
        (size,) = self._LEN.unpack_from(data)
        at = 4 + max(size, 0)
        new = None if size < 0 else self.inner.deserialize(data[4:at])
        old = self.inner.deserialize(data[at + 1 :]) if len(data) > at else None
        return Change(new, old)
