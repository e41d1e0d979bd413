"""JsonConverter: Kafka Connect's JSON format, with or without the `{"schema", "payload"}` envelope."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, ClassVar

import orjson

from connect.config import ConfigDef, Importance, Range, Type, ValidString
from connect.converters.cache import DerivedCache, LruCache
from connect.converters.json_schema import from_json_schema, to_json_schema
from connect.converters.json_values import (
    JsonOptions,
    NeedsExactNumbers,
    reader_for,
    schemaless_default,
    schemaless_pairs,
    with_lone_surrogates_escaped,
    writer_for,
)
from connect.converters.plans import Plan
from connect.data import Schema, SchemaAndValue
from connect.errors import DataException
from connect.spi import Converter, HeaderConverter

_NULL = SchemaAndValue(None, None)
_OPEN = b'{"schema":'
_PAYLOAD = b',"payload":'
_dumps = orjson.dumps
_loads = orjson.loads
_JSONDecodeError = orjson.JSONDecodeError

JSON_CONFIG = (
    ConfigDef()
    .define(
        "schemas.enable",
        Type.BOOLEAN,
        True,
        Importance.HIGH,
        'Write each key or value as `{"schema": ..., "payload": ...}` and require that envelope when '
        "reading; false writes and reads plain JSON (read values then have no schema).",
    )
    .define(
        "decimal.format",
        Type.STRING,
        "BASE64",
        Importance.LOW,
        "How Decimal values are written: BASE64 (the unscaled two's-complement bytes, base64-encoded) or "
        "NUMERIC (a JSON number). Both forms are accepted when reading.",
        validator=ValidString.in_("BASE64", "NUMERIC"),
    )
    .define(
        "replace.null.with.default",
        Type.BOOLEAN,
        True,
        Importance.LOW,
        "Write and read the schema's default value in place of a null field that has one; false keeps null.",
    )
    .define(
        "schemas.cache.size",
        Type.INT,
        1000,
        Importance.LOW,
        "How many schemas the converter keeps in their serialized and parsed forms.",
        validator=Range.at_least(1),
    )
)


@dataclass(frozen=True, slots=True)
class _Written:
    """What writing values of one schema needs, derived once."""

    prefix: bytes  # b'{"schema":<schema json>,"payload":' (empty without envelope)
    plan: Plan | None
    null_payload: bytes | None  # the payload bytes of a null value; None when null is not allowed


@dataclass(frozen=True, slots=True)
class _Read:
    """What reading values of one JSON schema needs, derived once."""

    schema: Schema
    plan: Plan | None  # for payloads that are not null
    with_nulls: Plan | None
    opts: JsonOptions

    def value(self, payload: Any, data: bytes) -> Any:
        """The Connect value of an envelope's payload (`data` is the whole message, for an exact re-parse)."""
        plan = self.plan
        if payload is None:
            if self.with_nulls is not None:
                return self.with_nulls(None)
            if not self.schema.optional:
                raise DataException(f"Invalid null value for required {self.schema.type} field")
            return None
        if plan is None:
            return payload
        try:
            return plan(payload)
        except NeedsExactNumbers:
            # A NUMERIC decimal came as a float: parse again keeping every digit of every number.
            exact = reader_for(self.schema, replace(self.opts, exact=True), nulls=False)
            assert exact is not None
            return exact(json.loads(data, parse_float=Decimal)["payload"])


class JsonConverter(Converter, HeaderConverter):
    config_def: ClassVar[ConfigDef] = JSON_CONFIG
    aliases: ClassVar[tuple[str, ...]] = ("org.apache.kafka.connect.json.JsonConverter",)
    doc: ClassVar[str] = """\
Writes and reads JSON exactly as Kafka Connect's JsonConverter does. With `schemas.enable=true`
(the default) every message is an envelope `{"schema": {...}, "payload": ...}` whose schema
carries types, optionality, names, versions, parameters and defaults; bytes are base64, Decimal
is base64 of its unscaled bytes (or a JSON number with `decimal.format=NUMERIC`), Date is days
since the epoch, Time and Timestamp are milliseconds, and maps with non-string keys are arrays of
`[key, value]` pairs. With `schemas.enable=false` messages are plain JSON and are read back
without a schema. A null value with no schema is written as a null message (a tombstone).
Each schema is serialized once and reused; values are walked only when their schema holds bytes,
logical types, non-string map keys or defaults.

```properties
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
```
"""

    def __init__(self) -> None:
        self.configure({})

    def configure(self, props: Mapping[str, Any], is_key: bool = False) -> None:  # type: ignore[override]
        super().configure(props, is_key)
        parsed = JSON_CONFIG.parse(props)
        self.schemas_enabled: bool = parsed["schemas.enable"]
        self._opts = JsonOptions(
            numeric_decimals=parsed["decimal.format"] == "NUMERIC",
            replace_null_with_default=parsed["replace.null.with.default"],
        )
        size = parsed["schemas.cache.size"]
        self._written: DerivedCache[Schema, _Written] = DerivedCache(self._derive_written, size)
        self._read_by_text: LruCache[bytes, _Read] = LruCache(size)
        self._read_by_schema: LruCache[bytes, _Read] = LruCache(size)
        self._last_schema: Schema | None = None
        self._last_written: _Written | None = None
        self._last_prefix = b"\x00"  # the envelope prefix of the last schema read, checked before any hashing
        self._last_read: _Read | None = None

    # -- Connect -> bytes ------------------------------------------------------------------
    def _derive_written(self, schema: Schema) -> _Written:
        prefix = _OPEN + _dumps(to_json_schema(schema, self._opts)) + _PAYLOAD if self.schemas_enabled else b""
        with_nulls = writer_for(schema, self._opts)
        null_payload: bytes | None = b"null" if schema.optional else None
        if with_nulls is not None:
            try:
                null_payload = _dumps(with_nulls(None))
            except DataException:
                null_payload = None
        return _Written(prefix, writer_for(schema, self._opts, nulls=False), null_payload)

    def from_connect(self, topic: str, schema: Schema | None, value: Any) -> bytes | None:
        if schema is None:
            if value is None:
                return None
            if not self.schemas_enabled:  # the common schemaless case in one call
                try:
                    return _dumps(value, default=schemaless_default)
                except TypeError:
                    pass
            return self._schemaless(value)
        if schema is self._last_schema:  # one schema object per stream is the common case
            written: _Written = self._last_written  # type: ignore[assignment]
        else:
            written = self._written.get(schema)
            self._last_schema, self._last_written = schema, written
        try:
            if value is None:
                payload = written.null_payload
                if payload is None:
                    raise DataException(
                        "Conversion error: null value for field that is required and has no default value"
                    )
            else:
                plan = written.plan
                converted = value if plan is None else plan(value)
                try:
                    payload = _dumps(converted, default=schemaless_default)
                except TypeError as exc:
                    if "surrogates" not in str(exc):
                        raise
                    payload = _dumps(with_lone_surrogates_escaped(converted), default=schemaless_default)
        except TypeError as exc:  # orjson.JSONEncodeError is a TypeError
            raise DataException(
                f"Converting Kafka Connect data to byte[] failed due to serialization error: {exc}"
            ) from None
        if self.schemas_enabled:
            return b"".join((written.prefix, payload, b"}"))  # one copy of the (often large) schema
        return payload

    def _schemaless(self, value: Any) -> bytes:
        try:
            payload = _dumps(value, default=schemaless_default)
        except TypeError:
            try:  # a map with non-string keys: Kafka Connect writes it as [key, value] pairs
                payload = _dumps(schemaless_pairs(value), default=schemaless_default)
            except TypeError as exc:
                raise DataException(
                    f"Converting Kafka Connect data to byte[] failed due to serialization error: {exc}"
                ) from None
        return b'{"schema":null,"payload":' + payload + b"}" if self.schemas_enabled else payload

    # -- bytes -> Connect ------------------------------------------------------------------
    def to_connect(self, topic: str, data: bytes | None) -> SchemaAndValue:
        if data is None:
            return _NULL
        if not self.schemas_enabled:
            if not data:
                return _NULL
            try:
                return SchemaAndValue(None, _loads(data))
            except _JSONDecodeError as exc:
                raise _parse_error(exc) from None
        if data.startswith(self._last_prefix) and data.endswith(b"}"):
            read = self._last_read
            assert read is not None
            try:
                payload = _loads(data[len(self._last_prefix) : -1])
            except _JSONDecodeError:
                return self._read_slow(data)
            return SchemaAndValue(read.schema, read.value(payload, data))
        return self._read_slow(data)

    def _read_slow(self, data: bytes) -> SchemaAndValue:
        if isinstance(data, (bytearray, memoryview)):
            data = bytes(data)
        # The schema text, when the message is laid out as Kafka Connect writes it.
        text = _schema_text(data)
        read = self._read_by_text.get(text) if text is not None else None
        if read is not None:
            try:
                payload = _loads(data[len(_OPEN) + len(text) + len(_PAYLOAD) : -1])  # type: ignore[arg-type]
            except _JSONDecodeError:
                read = None
            else:
                self._remember(text, read)  # type: ignore[arg-type]
                return SchemaAndValue(read.schema, read.value(payload, data))
        try:
            envelope = _loads(data)
        except _JSONDecodeError as exc:
            raise _parse_error(exc) from None
        if not (isinstance(envelope, dict) and len(envelope) == 2 and "schema" in envelope and "payload" in envelope):
            raise DataException(
                'JsonConverter with schemas.enable requires "schema" and "payload" fields and may not contain '
                "additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in "
                "your converter configuration."
            )
        node, payload = envelope["schema"], envelope["payload"]
        if node is None:
            return SchemaAndValue(None, payload)
        read = self._read_for(node)
        if text is not None and _loads(text) == node:
            self._read_by_text.put(text, read)
            self._remember(text, read)
        return SchemaAndValue(read.schema, read.value(payload, data))

    def _read_for(self, node: Any) -> _Read:
        key = _dumps(node, option=orjson.OPT_SORT_KEYS)
        read = self._read_by_schema.get(key)
        if read is None:
            schema = from_json_schema(node, self._opts)
            assert schema is not None
            read = _Read(
                schema, reader_for(schema, self._opts, nulls=False), reader_for(schema, self._opts), self._opts
            )
            self._read_by_schema.put(key, read)
        return read

    def _remember(self, text: bytes, read: _Read) -> None:
        self._last_prefix = _OPEN + text + _PAYLOAD
        self._last_read = read

    # -- headers (Kafka Connect's JsonConverter is a header converter too) -----------------
    def from_connect_header(self, topic: str, key: str, schema: Schema | None, value: Any) -> bytes | None:
        return self.from_connect(topic, schema, value)

    def to_connect_header(self, topic: str, key: str, data: bytes | None) -> SchemaAndValue:
        return self.to_connect(topic, data)


def _schema_text(data: bytes) -> bytes | None:
    """The bytes of the schema in `{"schema":<schema>,"payload":...}`, when they parse on their own."""
    if not data.startswith(_OPEN) or not data.endswith(b"}"):
        return None
    at = data.find(_PAYLOAD, len(_OPEN))
    for _ in range(8):  # a schema parameter named "payload" can precede the real separator
        if at < 0:
            return None
        text = data[len(_OPEN) : at]
        try:
            _loads(text)
            return text
        except _JSONDecodeError:
            at = data.find(_PAYLOAD, at + 1)
    return None


def _parse_error(exc: Exception) -> DataException:
    return DataException(f"Converting byte[] to Kafka Connect data failed due to serialization error: {exc}")
