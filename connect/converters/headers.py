"""SimpleHeaderConverter: header values in Kafka Connect's plain-text format, with schemas inferred on read."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from connect.converters.values import parse, render
from connect.data import BYTES_SCHEMA, Schema, SchemaAndValue
from connect.errors import DataException
from connect.spi import HeaderConverter

log = logging.getLogger(__name__)
_NULL = SchemaAndValue(None, None)
# Header values repeat (a source's context headers are the same on every record), and inferring a schema
# costs a few µs per value (10-15 µs per record for Debezium's four context headers): parsed scalars are
# remembered per converter, bounded by size, never lists or maps (their values are mutable).
_CACHED, _CACHED_LEN = 1024, 128


class SimpleHeaderConverter(HeaderConverter):
    aliases: ClassVar[tuple[str, ...]] = ("org.apache.kafka.connect.storage.SimpleHeaderConverter",)
    doc: ClassVar[str] = """\
The default `header.converter`, compatible with Kafka Connect's: a string header is written as
its UTF-8 text; numbers, booleans, bytes (base64), lists (`[1,2]`), maps (`{"a":1}`) and
dates/times/timestamps (ISO 8601) in Kafka Connect's text format. Reading infers the schema back
from the text: `true` is a boolean, `42` an int8, `3.5` a float, `[1,2]` an array of int8,
`2024-01-31` a Date, other text a string; a header that cannot be decoded is kept as bytes.

```properties
header.converter=org.apache.kafka.connect.storage.SimpleHeaderConverter
```
"""

    def __init__(self) -> None:
        super().__init__()
        self._parsed: dict[bytes, SchemaAndValue] = {}

    def from_connect_header(self, topic: str, key: str, schema: Schema | None, value: Any) -> bytes | None:
        if value is None:
            return None
        if type(value) is str:
            return value.encode()
        return render(value).encode()

    def to_connect_header(self, topic: str, key: str, data: bytes | None) -> SchemaAndValue:
        if data is None:
            return _NULL
        raw = data if type(data) is bytes else bytes(data)
        parsed = self._parsed.get(raw)
        if parsed is not None:
            return parsed
        try:
            parsed = parse(raw.decode("utf-8", errors="replace"))
        except DataException as exc:
            raise DataException(f"Failed to deserialize value for header '{key}' on topic '{topic}': {exc}") from None
        except Exception:
            log.warning(
                "Failed to deserialize value for header '%s' on topic '%s', so using byte array",
                key,
                topic,
                exc_info=True,
            )
            return SchemaAndValue(BYTES_SCHEMA, raw)
        if len(raw) <= _CACHED_LEN and not isinstance(parsed.value, (list, dict)):
            if len(self._parsed) >= _CACHED:
                self._parsed.clear()
            self._parsed[raw] = parsed
        return parsed
