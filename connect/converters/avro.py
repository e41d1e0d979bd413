"""AvroConverter: Avro in the Confluent wire format (magic byte 0, 4-byte schema id, Avro binary)."""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar

import fastavro
import orjson

with warnings.catch_warnings():
    # authlib (imported by the registry client) warns about its own httpx module on import, with a filter
    # of its own set to "always": load that filter first so ours, set after it, wins.
    with contextlib.suppress(ImportError):
        import authlib.deprecate  # noqa: F401
    warnings.simplefilter("ignore")
    from confluent_kafka.schema_registry import Schema as RegistrySchema
    from confluent_kafka.schema_registry import SchemaRegistryClient
    from confluent_kafka.schema_registry.error import SchemaRegistryError

from connect.config import NO_DEFAULT, ConfigDef, Importance, NonEmptyString, Range, Type, ValidString
from connect.converters.avro_schema import from_avro_schema, to_avro_schema
from connect.converters.avro_values import avro_reader_for, avro_writer_for
from connect.converters.cache import DerivedCache, LruCache
from connect.converters.plans import Plan
from connect.data import Schema, SchemaAndValue
from connect.errors import ConfigException, DataException, RetriableException
from connect.spi import Converter

try:  # the HTTP client confluent-kafka's registry client uses
    from confluent_kafka.schema_registry.common._httpx_compat import httpx
except ImportError:  # pragma: no cover - older confluent-kafka
    import httpx  # type: ignore[no-redef]

MAGIC = b"\x00"
_NULL = SchemaAndValue(None, None)
_TOPIC_STRATEGY = "io.confluent.kafka.serializers.subject.TopicNameStrategy"
_RECORD_STRATEGY = "io.confluent.kafka.serializers.subject.RecordNameStrategy"
_TOPIC_RECORD_STRATEGY = "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy"
_STRATEGIES = (
    _TOPIC_STRATEGY,
    _RECORD_STRATEGY,
    _TOPIC_RECORD_STRATEGY,
    "TopicNameStrategy",
    "RecordNameStrategy",
    "TopicRecordNameStrategy",
)

AVRO_CONFIG = (
    ConfigDef()
    .define(
        "schema.registry.url",
        Type.STRING,
        NO_DEFAULT,
        Importance.HIGH,
        "Schema Registry URL(s), comma-separated, e.g. `http://localhost:8081`.",
        validator=NonEmptyString,
    )
    .define(
        "auto.register.schemas",
        Type.BOOLEAN,
        True,
        Importance.MEDIUM,
        "Register the Avro schema of each new Connect schema under its subject when writing.",
    )
    .define(
        "use.latest.version",
        Type.BOOLEAN,
        False,
        Importance.LOW,
        "When not auto-registering, write with the subject's latest registered schema instead of looking up "
        "the exact schema.",
    )
    .define(
        "key.subject.name.strategy",
        Type.STRING,
        _TOPIC_STRATEGY,
        Importance.LOW,
        "How key subjects are named: TopicNameStrategy (`<topic>-key`), RecordNameStrategy (the record's "
        "full name) or TopicRecordNameStrategy (`<topic>-<record name>`).",
        validator=ValidString.in_(*_STRATEGIES, case_sensitive=True),
    )
    .define(
        "value.subject.name.strategy",
        Type.STRING,
        _TOPIC_STRATEGY,
        Importance.LOW,
        "How value subjects are named (see `key.subject.name.strategy`); the default gives `<topic>-value`.",
        validator=ValidString.in_(*_STRATEGIES, case_sensitive=True),
    )
    .define(
        "basic.auth.credentials.source",
        Type.STRING,
        "URL",
        Importance.MEDIUM,
        "Where HTTP basic-auth credentials come from: URL (user:password@ in `schema.registry.url`) or "
        "USER_INFO (`basic.auth.user.info`).",
        validator=ValidString.in_("URL", "USER_INFO"),
    )
    .define(
        "basic.auth.user.info",
        Type.PASSWORD,
        None,
        Importance.MEDIUM,
        "`user:password` for the Schema Registry, used when `basic.auth.credentials.source=USER_INFO`.",
    )
    .define(
        "connect.meta.data",
        Type.BOOLEAN,
        True,
        Importance.LOW,
        "Add Connect's schema name, version, doc, parameters and default to the Avro schema as `connect.*` "
        "properties, so readers get the same Connect schema back.",
    )
    .define(
        "schemas.cache.config",
        Type.INT,
        1000,
        Importance.LOW,
        "How many schemas the converter keeps in their Avro and Connect forms.",
        validator=Range.at_least(1),
    )
)


@dataclass(slots=True)
class _Writer:
    """What writing values of one Connect schema needs, derived once."""

    avro: Any  # the Avro schema as JSON-able data
    text: str
    parsed: Any  # fastavro's parsed schema
    plan: Plan | None
    record_name: str | None
    ids: dict[str, tuple[int, Any]] = field(default_factory=dict)  # subject -> (schema id, parsed writer schema)


@dataclass(frozen=True, slots=True)
class _Reader:
    """What reading values written with one registered schema needs, derived once."""

    schema: Schema
    parsed: Any
    plan: Plan | None


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
default; each schema's id is registered or looked up once and cached. Records without a schema
cannot be written.

```properties
value.converter=io.confluent.connect.avro.AvroConverter
value.converter.schema.registry.url=http://localhost:8081
```
"""

    def configure(self, props: Mapping[str, Any], is_key: bool = False) -> None:  # type: ignore[override]
        super().configure(props, is_key)
        parsed = AVRO_CONFIG.parse(props)
        conf: dict[str, Any] = {"url": parsed["schema.registry.url"]}
        if parsed["basic.auth.credentials.source"] == "USER_INFO":
            info = parsed["basic.auth.user.info"]
            if info is None or ":" not in info.value:
                raise ConfigException(
                    "basic.auth.user.info", info, "Must be user:password when basic.auth.credentials.source=USER_INFO"
                )
            conf["basic.auth.user.info"] = info.value
        try:
            self._client = SchemaRegistryClient(conf)
        except ValueError as exc:
            raise ConfigException("schema.registry.url", parsed["schema.registry.url"], str(exc)) from None
        self._auto_register: bool = parsed["auto.register.schemas"]
        self._use_latest: bool = parsed["use.latest.version"]
        self._strategy: str = parsed["key.subject.name.strategy" if is_key else "value.subject.name.strategy"]
        self._suffix = "-key" if is_key else "-value"
        meta: bool = parsed["connect.meta.data"]
        size: int = parsed["schemas.cache.config"]
        self._writers: DerivedCache[Schema, _Writer] = DerivedCache(lambda s: _derive_writer(s, meta), size)
        self._readers: LruCache[int, _Reader] = LruCache(size)

    def close(self) -> None:
        client = getattr(self, "_client", None)
        if client is not None:
            client.__exit__()

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
        subject = self._subject(topic, writer)
        registered = writer.ids.get(subject)
        if registered is None:
            registered = writer.ids[subject] = self._register(topic, subject, writer)
        schema_id, parsed = registered
        datum = value if writer.plan is None else writer.plan(value)
        out = io.BytesIO()
        out.write(MAGIC + schema_id.to_bytes(4, "big"))
        try:
            fastavro.schemaless_writer(out, parsed, datum)
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            raise DataException(f"Failed to serialize Avro data from topic {topic}: {exc}") from None
        return out.getvalue()

    def _subject(self, topic: str, writer: _Writer) -> str:
        strategy = self._strategy.rpartition(".")[2]
        if strategy == "TopicNameStrategy":
            return topic + self._suffix
        if writer.record_name is None:
            raise DataException(f"{strategy} needs a struct schema with a name")
        return writer.record_name if strategy == "RecordNameStrategy" else f"{topic}-{writer.record_name}"

    def _register(self, topic: str, subject: str, writer: _Writer) -> tuple[int, Any]:
        with _registry_errors(f"Failed to register the Avro schema for topic {topic} under subject {subject}"):
            if self._auto_register:
                return self._client.register_schema(subject, RegistrySchema(writer.text, "AVRO")), writer.parsed
            if self._use_latest:
                latest = self._client.get_latest_version(subject)
                return latest.schema_id, fastavro.parse_schema(orjson.loads(latest.schema.schema_str))
            found = self._client.lookup_schema(subject, RegistrySchema(writer.text, "AVRO"))
            return found.schema_id, writer.parsed

    # -- bytes -> Connect ------------------------------------------------------------------
    def to_connect(self, topic: str, data: bytes | None) -> SchemaAndValue:
        if data is None:
            return _NULL
        if len(data) < 5 or data[0] != 0:
            raise DataException(f"Failed to deserialize data for topic {topic} to Avro: Unknown magic byte!")
        schema_id = int.from_bytes(data[1:5], "big")
        reader = self._readers.get(schema_id)
        if reader is None:
            reader = self._reader(topic, schema_id)
            self._readers.put(schema_id, reader)
        try:
            value = fastavro.schemaless_reader(io.BytesIO(data[5:]), reader.parsed, None)
        except (EOFError, ValueError, TypeError, IndexError, UnicodeDecodeError) as exc:
            raise DataException(f"Failed to deserialize data for topic {topic} to Avro: {exc}") from None
        return SchemaAndValue(reader.schema, value if reader.plan is None else reader.plan(value))

    def _reader(self, topic: str, schema_id: int) -> _Reader:
        with _registry_errors(f"Failed to fetch Avro schema id {schema_id} for topic {topic}"):
            registered = self._client.get_schema(schema_id)
        node = orjson.loads(registered.schema_str)
        schema = from_avro_schema(node)
        try:
            parsed = fastavro.parse_schema(node)
        except Exception as exc:
            raise DataException(f"Avro schema id {schema_id} cannot be read: {exc}") from None
        return _Reader(schema, parsed, avro_reader_for(schema))


def _derive_writer(schema: Schema, meta: bool) -> _Writer:
    avro = to_avro_schema(schema, meta)
    try:
        parsed = fastavro.parse_schema(avro)
    except Exception as exc:
        raise DataException(f"Connect schema {schema.name or schema.type} has no valid Avro form: {exc}") from None
    record_name = None
    if isinstance(avro, dict) and avro.get("type") == "record":
        record_name = f"{avro['namespace']}.{avro['name']}" if avro.get("namespace") else avro["name"]
    return _Writer(avro, orjson.dumps(avro).decode(), parsed, avro_writer_for(schema, avro), record_name)


@contextmanager
def _registry_errors(what: str) -> Iterator[None]:
    """Registry failures as Connect errors: network trouble and 5xx are retriable, the rest a data problem."""
    try:
        yield
    except SchemaRegistryError as exc:
        status = exc.http_status_code
        error = RetriableException if status >= 500 or status in (408, 429) else DataException
        raise error(f"{what}: {exc}") from None
    except httpx.TransportError as exc:
        raise RetriableException(f"{what}: Schema Registry unreachable: {exc}") from None
