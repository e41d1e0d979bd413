"""The offset store protocol and Kafka Connect's offsets-topic layout.

A key is the JSON array `["<connector>", {source partition}]`, a value the JSON of the
source offset (null deletes). Keys are serialized compactly with sorted partition keys so
the same partition always maps to the same bytes, whichever store holds them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

import orjson

from connect.spi.source import SourceOffset


def encode_key(connector: str, partition: Mapping[str, Any]) -> bytes:
    return orjson.dumps([connector, dict(partition)], option=orjson.OPT_SORT_KEYS)


def decode_key(raw: bytes) -> tuple[str, dict[str, Any]] | None:
    """(connector, partition), or None for keys not in Kafka Connect's layout."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if isinstance(data, list) and len(data) == 2 and isinstance(data[0], str) and isinstance(data[1], dict):
        return data[0], data[1]
    return None


def encode_value(offset: Mapping[str, Any] | None) -> bytes | None:
    return None if offset is None else orjson.dumps(dict(offset))


def decode_value(raw: bytes | None) -> dict[str, Any] | None:
    return None if raw is None else orjson.loads(raw)


class OffsetBackingStore(Protocol):
    """Durable map of serialized keys to serialized offsets."""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def get(self, keys: Iterable[bytes]) -> dict[bytes, bytes | None]: ...

    def set(self, values: Mapping[bytes, bytes | None]) -> None:
        """Store atomically: after it returns, every value survives a crash (None deletes)."""
        ...

    def all(self) -> dict[bytes, bytes]: ...


class OffsetStorageReaderImpl:
    """A connector's view of its committed offsets (the SPI's OffsetStorageReader)."""

    def __init__(self, store: OffsetBackingStore, connector: str) -> None:
        self._store = store
        self._connector = connector

    def offset(self, partition: Mapping[str, Any]) -> dict[str, Any] | None:
        key = encode_key(self._connector, partition)
        return decode_value(self._store.get([key]).get(key))

    def offsets(self, partitions: Iterable[Mapping[str, Any]]) -> list[SourceOffset]:
        """(partition, offset) for each partition asked, in order."""
        parts = list(partitions)
        keys = [encode_key(self._connector, p) for p in parts]
        found = self._store.get(keys)
        return [(p, decode_value(found.get(k))) for p, k in zip(parts, keys, strict=True)]

    def connector_offsets(self) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """Every (partition, offset) stored for this connector."""
        out = []
        for raw_key, raw_value in self._store.all().items():
            decoded = decode_key(raw_key)
            if decoded is not None and decoded[0] == self._connector and raw_value is not None:
                out.append((decoded[1], orjson.loads(raw_value)))
        return out
