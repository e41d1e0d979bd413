"""ByteArrayConverter: keys, values or headers passed through as raw bytes."""

from __future__ import annotations

from typing import Any, ClassVar

from connect.data import OPTIONAL_BYTES_SCHEMA, Schema, SchemaAndValue, Type
from connect.errors import DataException
from connect.spi import Converter, HeaderConverter


class ByteArrayConverter(Converter, HeaderConverter):
    aliases: ClassVar[tuple[str, ...]] = ("org.apache.kafka.connect.converters.ByteArrayConverter",)
    doc: ClassVar[str] = """\
Passes bytes through unchanged, as Kafka Connect's ByteArrayConverter does: written values must
be bytes (with a bytes schema or none) and are read back as optional bytes. Use it to copy
messages without decoding them.

```properties
value.converter=org.apache.kafka.connect.converters.ByteArrayConverter
```
"""

    def from_connect(self, topic: str, schema: Schema | None, value: Any) -> bytes | None:
        if schema is not None and schema.type is not Type.BYTES:
            raise DataException(f"Invalid schema type for ByteArrayConverter: {schema.type.name}")
        if value is None or type(value) is bytes:
            return value
        if isinstance(value, (bytes, bytearray, memoryview)):
            return bytes(value)
        raise DataException(f"ByteArrayConverter is not compatible with objects of type {type(value).__name__}")

    def to_connect(self, topic: str, data: bytes | None) -> SchemaAndValue:
        return SchemaAndValue(OPTIONAL_BYTES_SCHEMA, data)

    def from_connect_header(self, topic: str, key: str, schema: Schema | None, value: Any) -> bytes | None:
        return self.from_connect(topic, schema, value)

    def to_connect_header(self, topic: str, key: str, data: bytes | None) -> SchemaAndValue:
        return self.to_connect(topic, data)
