"""StringConverter: keys, values or headers as text in a configurable encoding."""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from typing import Any, ClassVar

from connect.config import ConfigDef, Importance, Type
from connect.data import OPTIONAL_STRING_SCHEMA, Schema, SchemaAndValue
from connect.errors import ConfigException, DataException
from connect.spi import Converter, HeaderConverter


def _valid_encoding(name: str, value: Any) -> None:
    try:
        codecs.lookup(value)
    except LookupError:
        raise ConfigException(name, value, "Unknown character set") from None


STRING_CONFIG = ConfigDef().define(
    "converter.encoding",
    Type.STRING,
    "UTF-8",
    Importance.HIGH,
    "The character set used to encode strings as bytes and decode them back.",
    validator=_valid_encoding,
)


class StringConverter(Converter, HeaderConverter):
    config_def: ClassVar[ConfigDef] = STRING_CONFIG
    aliases: ClassVar[tuple[str, ...]] = ("org.apache.kafka.connect.storage.StringConverter",)
    doc: ClassVar[str] = """\
Writes a key, value or header as text and reads it back as an optional string, as Kafka
Connect's StringConverter does. Strings are encoded with `converter.encoding`; other values are
written as their text (`true`/`false` for booleans, bytes decoded in the same encoding).
Null is written as a null message and read back as null.

```properties
key.converter=org.apache.kafka.connect.storage.StringConverter
key.converter.converter.encoding=UTF-8
```
"""

    def __init__(self) -> None:
        self.configure({})

    def configure(self, props: Mapping[str, Any], is_key: bool = False) -> None:  # type: ignore[override]
        super().configure(props, is_key)
        self.encoding: str = STRING_CONFIG.parse(props)["converter.encoding"]

    def from_connect(self, topic: str, schema: Schema | None, value: Any) -> bytes | None:
        if value is None:
            return None
        try:
            if isinstance(value, str):
                return value.encode(self.encoding)
            if isinstance(value, bool):
                return b"true" if value else b"false"
            if isinstance(value, (bytes, bytearray, memoryview)):
                return bytes(value).decode(self.encoding).encode(self.encoding)
            return str(value).encode(self.encoding)
        except UnicodeError as exc:
            raise DataException(f"Failed to serialize to a string: {exc}") from None

    def to_connect(self, topic: str, data: bytes | None) -> SchemaAndValue:
        if data is None:
            return SchemaAndValue(OPTIONAL_STRING_SCHEMA, None)
        try:
            return SchemaAndValue(OPTIONAL_STRING_SCHEMA, bytes(data).decode(self.encoding))
        except UnicodeError as exc:
            raise DataException(f"Failed to deserialize string: {exc}") from None

    def from_connect_header(self, topic: str, key: str, schema: Schema | None, value: Any) -> bytes | None:
        return self.from_connect(topic, schema, value)

    def to_connect_header(self, topic: str, key: str, data: bytes | None) -> SchemaAndValue:
        return self.to_connect(topic, data)
