"""AvroConverter: Avro in the Confluent wire format (magic byte 0, 4-byte schema id, Avro binary).

Writing: each Connect schema's Avro form, plan and parsed schema are derived once; its schema
id is registered (or looked up) once per topic and cached with the 5-byte header, so the
registry is never called per record. Reading: each schema id is fetched once. A registry that
cannot be reached (or answers 5xx/408/429) raises RetriableException: an outage, retried by the
runtime, never a bad record. A schema the registry refuses as incompatible raises
DataException naming the subject, the compatibility level and the fields that break it.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar

import fastavro
import orjson

from connect.config import ConfigDef
from connect.converters.avro_compat import explain, incompatibilities
from connect.converters.avro_config import AVRO_CONFIG, AvroSettings
from connect.converters.avro_schema import from_avro_schema, invalid_names, to_avro_schema
from connect.converters.avro_values import avro_reader_for, avro_writer_for
from connect.converters.cache import DerivedCache, LruCache
from connect.converters.plans import Plan
from connect.converters.schema_registry import RegistryError, RegistryUnreachable
from connect.data import Schema, SchemaAndValue, Type
from connect.errors import ConnectException, DataException, RetriableException
from connect.spi import Converter

MAGIC = b"\x00"
_NULL = SchemaAndValue(None, None)
_WRITE_ERRORS = (ValueError, TypeError, AttributeError, KeyError)
_READ_ERRORS = (EOFError, ValueError, TypeError, IndexError, UnicodeDecodeError)


@dataclass(slots=True)
class _Writer:
    """What writing values of one Connect schema needs, derived once."""

    avro: Any  # the Avro schema as JSON-able data
    text: str
    parsed: Any  # fastavro's parsed schema
    plan: Plan | None
    record_name: str | None
    topics: dict[str, tuple[bytes, Any]] = field(default_factory=dict)  # topic -> (wire header, schema to write)


@dataclass(frozen=True, slots=True)
class _Reader:
    """What reading values written with one registered schema needs, derived once."""

    schema: Schema
    parsed: Any
    plan: Plan | None


_NO_READER = _Reader(Schema(Type.STRING), None, None)


class AvroConverter(Converter):
    config_def: ClassVar[ConfigDef] = AVRO_CONFIG
    aliases: ClassVar[tuple[str, ...]] = ("io.confluent.connect.avro.AvroConverter",)
    doc: ClassVar[str] = """\
Writes and reads Avro in the Confluent wire format (a zero byte, the 4-byte schema id, then Avro
binary) with a Confluent-compatible Schema Registry, so Confluent's deserializers, ksqlDB and
Kafka Connect's AvroConverter read what it writes and the other way round. Connect schemas map to
Avro as Confluent's AvroData maps them (structs as records named after the Connect name, optional
fields as unions with null, Decimal/Date/Time/Timestamp as Avro logical types, `connect.*`
properties for names, versions and parameters). Subjects are `<topic>-key` / `<topic>-value` by
default; each schema's id is registered or looked up once and cached, so the registry is never
called per record. Records without a schema cannot be written.

A registry that cannot be reached (or answers 5xx, 408 or 429) is an outage, raised as a
retriable error for the worker to wait out; schemas already cached keep converting meanwhile. A
schema the registry refuses as incompatible fails the record with a message naming the subject,
its compatibility level, the registered version it breaks and the fields that break it. Names
Avro does not allow (a `-` in a topic prefix, a column called `first-name`) are refused before
any registry call: Debezium-style sources adjust them with `schema.name.adjustment.mode=avro` and
`field.name.adjustment.mode=avro`. Tested against Apicurio Registry's Confluent-compatible API (the
same REST API as Confluent Schema Registry's).

```properties
value.converter=io.confluent.connect.avro.AvroConverter
value.converter.schema.registry.url=http://localhost:8081
value.converter.basic.auth.credentials.source=USER_INFO
value.converter.basic.auth.user.info=${file:/etc/sluice/secrets.properties:registry.user.info}
```
"""

    def configure(self, props: Mapping[str, Any], is_key: bool = False) -> None:  # type: ignore[override]
        super().configure(props, is_key)
        settings = AvroSettings.parse(props, is_key)
        self._settings = settings
        self._registry = settings.registry
        meta = settings.connect_meta
        self._writers: DerivedCache[Schema, _Writer] = DerivedCache(
            lambda s: _derive_writer(s, meta), settings.cache_size
        )
        self._readers: LruCache[int, _Reader] = LruCache(settings.cache_size)
        self._last_header: bytes | None = None  # the wire header of the last record read, and its reader
        self._last_reader: _Reader = _NO_READER

    def close(self) -> None:
        registry = getattr(self, "_registry", None)
        if registry is not None:
            registry.close()

    # -- Connect -> bytes ------------------------------------------------------------------
    def from_connect(self, topic: str, schema: Schema | None, value: Any) -> bytes | None:
        if value is None:
            if schema is not None and not schema.optional:
                raise DataException(f"Conversion error: null value for a required {schema.type} schema")
            return None  # a tombstone
        if schema is None:
            raise DataException(
                f"AvroConverter needs a schema to write a value to topic {topic}; "
                "use JsonConverter with schemas.enable=false for schemaless data"
            )
        writer = self._writers.get(schema)
        target = writer.topics.get(topic)
        if target is None:
            target = writer.topics[topic] = self._target(topic, writer)
        header, parsed = target
        out = io.BytesIO()
        out.write(header)
        try:
            fastavro.schemaless_writer(out, parsed, value if writer.plan is None else writer.plan(value))
        except _WRITE_ERRORS as exc:
            raise DataException(f"Failed to serialize Avro data from topic {topic}: {exc}") from None
        return out.getvalue()

    def _target(self, topic: str, writer: _Writer) -> tuple[bytes, Any]:
        """The wire header and the schema to write with, for values of `writer`'s schema sent to `topic`."""
        settings = self._settings
        subject = settings.subject_of(topic, writer.record_name)
        with _registry_errors(f"Failed to register the Avro schema of topic {topic} under subject {subject}"):
            if settings.auto_register:
                try:
                    schema_id, parsed = self._registry.register(subject, writer.text), writer.parsed
                except RegistryError as exc:
                    if exc.status != 409:
                        raise
                    raise DataException(self._refusal(topic, subject, writer, exc)) from None
            elif settings.use_latest:
                schema_id, parsed = self._latest(topic, subject, writer)
            else:
                schema_id, parsed = self._registry.lookup(subject, writer.text).id, writer.parsed
        return MAGIC + schema_id.to_bytes(4, "big"), parsed

    def _latest(self, topic: str, subject: str, writer: _Writer) -> tuple[int, Any]:
        latest = self._registry.latest(subject)
        node = orjson.loads(latest.text)
        if self._settings.latest_strict:
            problems = incompatibilities(node, writer.avro)
            if problems:
                raise DataException(
                    f"The latest schema of subject {subject} (id {latest.id}) cannot read data written with the "
                    f"schema of topic {topic}'s record: {'; '.join(map(str, problems))}. "
                    "Set latest.compatibility.strict=false to disable this check"
                )
        return latest.id, fastavro.parse_schema(node)

    def _refusal(self, topic: str, subject: str, writer: _Writer, exc: RegistryError) -> str:
        """Why the registry refused a schema: the subject's compatibility level and the fields that break it."""
        level, details = "its configured", []
        try:
            level = self._registry.compatibility(subject)
            versions: list[Any] = ["latest"]
            if level.upper().endswith("_TRANSITIVE"):
                versions = sorted(self._registry.versions(subject), reverse=True)
            for version in versions:
                old = self._registry.version(subject, version)
                found = explain(level, writer.avro, orjson.loads(old.text))
                if found:
                    details.append(f"version {old.version} (id {old.id}): " + "; ".join(map(str, found)))
        except (RegistryError, RegistryUnreachable, ValueError, KeyError):
            pass  # the registry's own words below still say what happened
        breaks = f" with {'; with '.join(details)}" if details else ""
        return (
            f"Schema Registry refused the Avro schema of topic {topic} under subject {subject}: it is not {level} "
            f"compatible{breaks}. The registry said: {exc.message}. Make the change compatible or change the "
            f"subject's compatibility level (PUT /config/{subject}), then restart the task"
        )

    # -- bytes -> Connect ------------------------------------------------------------------
    def to_connect(self, topic: str, data: bytes | None) -> SchemaAndValue:
        if data is None:
            return _NULL
        header = data[:5]
        if header == self._last_header:  # the common case: the same schema as the record before
            reader = self._last_reader
        else:
            reader = self._reader_of(topic, header)
            self._last_header, self._last_reader = header, reader
        stream = io.BytesIO(data)
        stream.seek(5)
        try:
            value = fastavro.schemaless_reader(stream, reader.parsed, None)
        except _READ_ERRORS as exc:
            raise DataException(f"Failed to deserialize data for topic {topic} to Avro: {exc}") from None
        return SchemaAndValue(reader.schema, value if reader.plan is None else reader.plan(value))

    def _reader_of(self, topic: str, header: bytes) -> _Reader:
        if len(header) < 5 or header[0] != 0:
            raise DataException(f"Failed to deserialize data for topic {topic} to Avro: Unknown magic byte!")
        schema_id = int.from_bytes(header[1:5], "big")
        reader = self._readers.get(schema_id)
        if reader is None:
            reader = self._reader(topic, schema_id)
            self._readers.put(schema_id, reader)
        return reader

    def _reader(self, topic: str, schema_id: int) -> _Reader:
        with _registry_errors(f"Failed to fetch Avro schema id {schema_id} for topic {topic}"):
            text = self._registry.schema(schema_id)
        node = orjson.loads(text)
        schema = from_avro_schema(node)
        try:
            parsed = fastavro.parse_schema(node)
        except Exception as exc:
            raise DataException(f"Avro schema id {schema_id} cannot be read: {exc}") from None
        return _Reader(schema, parsed, avro_reader_for(schema))


def _derive_writer(schema: Schema, meta: bool) -> _Writer:
    avro = to_avro_schema(schema, meta)
    invalid = invalid_names(avro)
    if invalid:
        raise DataException(
            f"Connect schema {schema.name or schema.type} has names Avro does not allow: {', '.join(invalid)}. "
            "A Debezium-style source makes them valid with schema.name.adjustment.mode=avro and "
            "field.name.adjustment.mode=avro"
        )
    try:
        parsed = fastavro.parse_schema(avro)
    except Exception as exc:
        raise DataException(f"Connect schema {schema.name or schema.type} has no valid Avro form: {exc}") from None
    return _Writer(avro, orjson.dumps(avro).decode(), parsed, avro_writer_for(schema, avro), _record_name(avro))


def _record_name(avro: Any) -> str | None:
    """The full name subject strategies use: the record's (also inside an optional union), else the type's."""
    if isinstance(avro, list):
        avro = next((b for b in avro if b != "null"), None)
    if isinstance(avro, dict) and avro.get("type") in ("record", "enum", "fixed"):
        return f"{avro['namespace']}.{avro['name']}" if avro.get("namespace") else avro["name"]
    if isinstance(avro, dict):
        return str(avro["type"])
    return avro if isinstance(avro, str) else None


@contextmanager
def _registry_errors(what: str) -> Iterator[None]:
    """Registry failures as Connect errors: unreachable, 5xx, 408 and 429 are retriable; 401/403 a setup
    problem; any other answer a problem with this schema or record."""
    try:
        yield
    except RegistryUnreachable as exc:
        raise RetriableException(f"{what}: Schema Registry unreachable ({exc})") from None
    except RegistryError as exc:
        status = exc.status
        if status >= 500 or status in (408, 429):
            raise RetriableException(f"{what}: {exc}") from None
        if status in (401, 403):
            raise ConnectException(f"{what}: the Schema Registry refused the credentials: {exc}") from None
        raise DataException(f"{what}: {exc}") from None
