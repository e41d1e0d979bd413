"""AvroConverter's keys (Confluent's names and defaults), parsed once into what the converter and its client use."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from connect.config import NO_DEFAULT, ConfigDef, Importance, NonEmptyString, Range, Type, ValidString
from connect.converters.registry_tls import define_tls, tls_context
from connect.converters.schema_registry import SchemaRegistry, masked_url
from connect.errors import ConfigException, DataException

_PACKAGE = "io.confluent.kafka.serializers.subject."
STRATEGIES = ("TopicNameStrategy", "RecordNameStrategy", "TopicRecordNameStrategy")

SubjectOf = Callable[[str, "str | None"], str]  # (topic, the schema's record name) -> subject

AVRO_CONFIG = define_tls(
    ConfigDef()
    .define(
        "schema.registry.url",
        Type.STRING,
        NO_DEFAULT,
        Importance.HIGH,
        "Schema Registry URL(s), comma-separated (tried in order while one is unreachable), e.g. "
        "`http://localhost:8081`.",
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
        "latest.compatibility.strict",
        Type.BOOLEAN,
        True,
        Importance.LOW,
        "With `use.latest.version`, refuse to write when the latest registered schema cannot read data "
        "written with the record's own schema (Avro schema resolution); false skips that check.",
    )
    .define(
        "key.subject.name.strategy",
        Type.STRING,
        _PACKAGE + "TopicNameStrategy",
        Importance.LOW,
        "How key subjects are named: TopicNameStrategy (`<topic>-key`), RecordNameStrategy (the record's "
        "full name) or TopicRecordNameStrategy (`<topic>-<record name>`); with or without Confluent's package.",
        validator=ValidString.in_(*STRATEGIES, *(_PACKAGE + s for s in STRATEGIES), case_sensitive=True),
    )
    .define(
        "value.subject.name.strategy",
        Type.STRING,
        _PACKAGE + "TopicNameStrategy",
        Importance.LOW,
        "How value subjects are named (see `key.subject.name.strategy`); the default gives `<topic>-value`.",
        validator=ValidString.in_(*STRATEGIES, *(_PACKAGE + s for s in STRATEGIES), case_sensitive=True),
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


@dataclass(frozen=True, slots=True)
class AvroSettings:
    """The parsed settings of one converter (key or value side)."""

    registry: SchemaRegistry
    subject_of: SubjectOf
    auto_register: bool
    use_latest: bool
    latest_strict: bool
    connect_meta: bool
    cache_size: int

    @staticmethod
    def parse(props: Mapping[str, Any], is_key: bool) -> AvroSettings:
        parsed = AVRO_CONFIG.parse(props)
        strategy = parsed["key.subject.name.strategy" if is_key else "value.subject.name.strategy"]
        return AvroSettings(
            registry=_registry(parsed),
            subject_of=subject_strategy(strategy.rpartition(".")[2], is_key),
            auto_register=parsed["auto.register.schemas"],
            use_latest=parsed["use.latest.version"],
            latest_strict=parsed["latest.compatibility.strict"],
            connect_meta=parsed["connect.meta.data"],
            cache_size=parsed["schemas.cache.config"],
        )


def _registry(parsed: Mapping[str, Any]) -> SchemaRegistry:
    raw = parsed["schema.registry.url"]
    urls = [u.strip() for u in raw.split(",") if u.strip()]
    user_info = None
    if parsed["basic.auth.credentials.source"].upper() == "USER_INFO":
        info = parsed["basic.auth.user.info"]
        if info is None or ":" not in info.value:
            raise ConfigException(
                "basic.auth.user.info", info, "Must be user:password when basic.auth.credentials.source=USER_INFO"
            )
        user, _, password = info.value.partition(":")
        user_info = (user, password)
    try:
        return SchemaRegistry(
            urls,
            user_info=user_info,
            use_url_credentials=user_info is None,
            verify=tls_context(parsed) if any(u.lower().startswith("https:") for u in urls) else True,
        )
    except ValueError as exc:
        shown = ",".join(masked_url(u) for u in urls)
        raise ConfigException("schema.registry.url", shown, str(exc)) from None


def subject_strategy(strategy: str, is_key: bool) -> SubjectOf:
    """Confluent's subject name strategies: (topic, the Avro schema's record name or None) → subject."""
    suffix = "-key" if is_key else "-value"
    if strategy == "TopicNameStrategy":
        return lambda topic, record: topic + suffix

    def record_name(record: str | None) -> str:
        if record is None:
            raise DataException(f"{strategy} needs a schema with a name (a struct); this one has none")
        return record

    if strategy == "RecordNameStrategy":
        return lambda topic, record: record_name(record)
    return lambda topic, record: f"{topic}-{record_name(record)}"
