"""Converters: Connect data (schema + plain value) ↔ the bytes stored in Kafka.

`configure(props, is_key)` is called once; the hot path calls `from_connect` /
`to_connect` per record, so converters cache whatever they derive from a schema.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

from connect.data import Schema, SchemaAndValue
from connect.spi.plugin import Plugin


class Converter(Plugin, ABC):
    """Serializes record keys or values."""

    is_key: bool = False

    def configure(self, props: Mapping[str, Any], is_key: bool = False) -> None:  # type: ignore[override]
        self.is_key = is_key

    @abstractmethod
    def from_connect(self, topic: str, schema: Schema | None, value: Any) -> bytes | None: ...

    @abstractmethod
    def to_connect(self, topic: str, data: bytes | None) -> SchemaAndValue: ...


class HeaderConverter(Plugin, ABC):
    """Serializes header values."""

    @abstractmethod
    def from_connect_header(self, topic: str, key: str, schema: Schema | None, value: Any) -> bytes | None: ...

    @abstractmethod
    def to_connect_header(self, topic: str, key: str, data: bytes | None) -> SchemaAndValue: ...
