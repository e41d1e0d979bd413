"""Connector-level configuration shared by every connector (Kafka Connect's ConnectorConfig), and its parsed form.

The effective definition of one connector is this base, plus its kind's keys (sink or
source), plus the keys of each transform/predicate it names, prefixed
(`transforms.<alias>.*`), plus the connector's own `config_def`. `ConnectorConfig.parse`
is the one place the runtime reads a connector's config.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connect.config import (
    NO_DEFAULT,
    ConfigDef,
    Importance,
    NonEmptyStringWithoutControlChars,
    Range,
    Type,
    ValidRegex,
    ValidString,
)
from connect.config.definition import ConfigValue
from connect.config.providers import resolve
from connect.errors import ConfigException
from connect.plugins import PluginKind, PluginRegistry
from connect.runtime.errors.config import ERRORS_CONFIG, ErrorConfig
from connect.runtime.topic_creation import TopicCreationConfig
from connect.runtime.transform_chain import CHAIN_KEYS, ChainConfig, PluginSpec
from connect.runtime.worker_config import PluginSettings, WorkerConfig, prefixed
from connect.spi import Connector, SinkConnector

COMMON = "Common"
TRANSFORMS = "Transforms"
MAX_NAME_LENGTH = 255
PREDICATES = "Predicates"
TOPIC_CREATION = "Topic Creation"


def ConnectorName(name: str, value: Any) -> None:
    """A connector name: a path segment of the REST API's URLs, of at most 255 characters."""
    NonEmptyStringWithoutControlChars(name, value)
    text = str(value)
    if "/" in text or text in (".", ".."):
        raise ConfigException(name, value, "a connector name is part of URLs: no '/' in it, and not '.' or '..'")
    if len(text) > MAX_NAME_LENGTH:
        raise ConfigException(name, f"{text[:40]}...", f"longer than {MAX_NAME_LENGTH} characters ({len(text)})")


BASE_CONFIG = (
    ConfigDef()
    .define(
        "name",
        Type.STRING,
        NO_DEFAULT,
        Importance.HIGH,
        "Globally unique name of the connector: no control characters nor `/`, at most 255 characters.",
        validator=ConnectorName,
        group=COMMON,
    )
    .define(
        "connector.class",
        Type.STRING,
        NO_DEFAULT,
        Importance.HIGH,
        "The connector plugin: its alias (e.g. `postgres`), Python name, or Kafka Connect/Debezium class name.",
        group=COMMON,
    )
    .define(
        "tasks.max",
        Type.INT,
        1,
        Importance.HIGH,
        "Maximum number of tasks to run.",
        validator=Range.at_least(1),
        group=COMMON,
    )
    .define("key.converter", Type.CLASS, None, Importance.LOW, "Overrides the worker's key.converter.", group=COMMON)
    .define(
        "value.converter", Type.CLASS, None, Importance.LOW, "Overrides the worker's value.converter.", group=COMMON
    )
    .define(
        "header.converter", Type.CLASS, None, Importance.LOW, "Overrides the worker's header.converter.", group=COMMON
    )
    .define(
        "transforms",
        Type.LIST,
        "",
        Importance.LOW,
        "Aliases of the transformations to apply, in order; each needs `transforms.<alias>.type`.",
        group=TRANSFORMS,
    )
    .define(
        "predicates",
        Type.LIST,
        "",
        Importance.LOW,
        "Aliases of predicates used by transformations; each needs `predicates.<alias>.type`.",
        group=PREDICATES,
    )
    .merge(ERRORS_CONFIG)
)

SINK_CONFIG = (
    ConfigDef()
    .define("topics", Type.LIST, "", Importance.HIGH, "Topics to consume (or use `topics.regex`).", group=COMMON)
    .define(
        "topics.regex",
        Type.STRING,
        "",
        Importance.HIGH,
        "Regular expression of topics to consume.",
        validator=ValidRegex,
        group=COMMON,
    )
)

SOURCE_CONFIG = (
    ConfigDef()
    .define(
        "topic.creation.groups",
        Type.LIST,
        "",
        Importance.LOW,
        "Extra groups of topic-creation settings, each with `topic.creation.<group>.include`.",
        group=TOPIC_CREATION,
    )
    .define(
        "topic.creation.default.replication.factor",
        Type.SHORT,
        -1,
        Importance.LOW,
        "Replication factor of topics the connector writes to and that do not exist (-1: broker default).",
        validator=Range.at_least(-1),
        group=TOPIC_CREATION,
    )
    .define(
        "topic.creation.default.partitions",
        Type.INT,
        -1,
        Importance.LOW,
        "Partitions of topics created for the connector (-1: broker default).",
        validator=Range.at_least(-1),
        group=TOPIC_CREATION,
    )
    .define(
        "exactly.once.support",
        Type.STRING,
        "requested",
        Importance.LOW,
        "Whether exactly-once delivery is required of the connector.",
        validator=ValidString.in_("requested", "required"),
        group=COMMON,
    )
    .define(
        "transaction.boundary",
        Type.STRING,
        "poll",
        Importance.LOW,
        "Transaction boundaries with exactly-once sources: poll (each batch a task polls is one transaction), "
        "interval (a transaction every `transaction.boundary.interval.ms`) or connector (the connector decides; "
        "no built-in connector does).",
        validator=ValidString.in_("poll", "interval", "connector"),
        group=COMMON,
    )
    .define(
        "transaction.boundary.interval.ms",
        Type.LONG,
        None,
        Importance.LOW,
        "With `transaction.boundary=interval`: how often a transaction is committed (default: the worker's "
        "`offset.flush.interval.ms`).",
        validator=Range.at_least(0),
        group=COMMON,
    )
)


def is_sink(connector_cls: type) -> bool:
    return issubclass(connector_cls, SinkConnector)


def _plugin_def(
    registry: PluginRegistry,
    kind: PluginKind,
    props: Mapping[str, Any],
    list_key: str,
    prefix_root: str,
    group: str,
    extra: ConfigDef,
) -> tuple[ConfigDef, list[ConfigException]]:
    """Keys contributed by each transform/predicate alias named in `list_key`."""
    out = ConfigDef()
    errors: list[ConfigException] = []
    raw = props.get(list_key) or ""
    aliases = [a.strip() for a in (raw if isinstance(raw, list) else str(raw).split(",")) if a.strip()]
    if len(set(aliases)) != len(aliases):
        errors.append(ConfigException(list_key, raw, "Duplicate alias provided."))
    for alias in dict.fromkeys(aliases):
        prefix = f"{prefix_root}.{alias}."
        type_key = prefix + "type"
        alias_group = f"{group}: {alias}"
        out = out.merge(
            ConfigDef().define(
                type_key,
                Type.CLASS,
                NO_DEFAULT,
                Importance.HIGH,
                f"Class for the '{alias}' {group.lower().rstrip('s')}.",
                group=alias_group,
            )
        )
        out = out.merge(extra.with_prefix(prefix, alias_group))
        class_name = props.get(type_key)
        if not class_name:
            continue
        try:
            cls = registry.load(kind, str(class_name))
        except Exception as exc:
            errors.append(ConfigException(type_key, class_name, str(exc)))
            continue
        own = getattr(cls, "config_def", ConfigDef())
        clashes = [k for k in own.keys if k in CHAIN_KEYS]
        keep = ConfigDef([k for k in own.keys.values() if k.name not in clashes])
        out = out.merge(keep.with_prefix(prefix, alias_group))
    return out, errors


_TRANSFORM_EXTRA = (
    ConfigDef()
    .define(
        "predicate",
        Type.STRING,
        None,
        Importance.MEDIUM,
        "Alias of a predicate: apply the transformation only to records that match it.",
    )
    .define("negate", Type.BOOLEAN, False, Importance.MEDIUM, "Apply only to records that do NOT match.")
)


def enriched_definition(
    registry: PluginRegistry, connector_cls: type | None, props: Mapping[str, Any]
) -> tuple[ConfigDef, list[ConfigException]]:
    """The full definition for this connector config, and the errors found while building it."""
    definition = BASE_CONFIG
    if connector_cls is not None:
        definition = definition.merge(SINK_CONFIG if is_sink(connector_cls) else SOURCE_CONFIG)
    transforms, t_errors = _plugin_def(
        registry, PluginKind.TRANSFORMATION, props, "transforms", "transforms", "Transforms", _TRANSFORM_EXTRA
    )
    predicates, p_errors = _plugin_def(
        registry, PluginKind.PREDICATE, props, "predicates", "predicates", "Predicates", ConfigDef()
    )
    definition = definition.merge(transforms).merge(predicates)
    if connector_cls is not None:
        own = getattr(connector_cls, "config_def", ConfigDef())
        definition = definition.merge(ConfigDef([k for k in own.keys.values() if k.name not in definition]))
    return definition, t_errors + p_errors


# Class-valued keys a connector config may override, and the kind of plugin each must name.
PLUGGABLE_CLASSES = {
    "key.converter": PluginKind.CONVERTER,
    "value.converter": PluginKind.CONVERTER,
    "header.converter": PluginKind.HEADER_CONVERTER,
}


def plugin_class_errors(registry: PluginRegistry, props: Mapping[str, Any]) -> list[ConfigException]:
    """A converter or header converter that names no installed plugin is an error now, not a failed task later
    (transforms and predicates are checked while building the definition)."""
    errors = []
    for key, kind in PLUGGABLE_CLASSES.items():
        name = str(props.get(key) or "").strip()
        if not name:
            continue
        try:
            registry.load(kind, name)
        except Exception as exc:
            errors.append(ConfigException(key, name, str(exc)))
    return errors


def cross_checks(
    definition: ConfigDef, connector_cls: type | None, props: Mapping[str, Any], results: dict[str, ConfigValue]
) -> None:
    """Checks involving several keys, appended to the per-key results."""

    def add(name: str, message: str) -> None:
        results.setdefault(name, ConfigValue(name, props.get(name))).errors.append(message)

    if connector_cls is not None and is_sink(connector_cls):
        topics = str(props.get("topics") or "").strip()
        regex = str(props.get("topics.regex") or "").strip()
        if topics and regex:
            add("topics", "Must configure only one of topics or topics.regex")
        if not topics and not regex:
            add("topics", "Must configure one of topics or topics.regex")
        dlq = str(props.get("errors.deadletterqueue.topic.name") or "").strip()
        if dlq and dlq in [t.strip() for t in topics.split(",")]:
            add(
                "errors.deadletterqueue.topic.name",
                f"The dead-letter topic '{dlq}' may not be included in the topics the connector consumes",
            )
    transform_aliases = {a.strip() for a in str(props.get("transforms") or "").split(",") if a.strip()}
    predicate_aliases = {a.strip() for a in str(props.get("predicates") or "").split(",") if a.strip()}
    for alias in transform_aliases:
        pred = props.get(f"transforms.{alias}.predicate")
        if pred and str(pred).strip() not in predicate_aliases:
            add(f"transforms.{alias}.predicate", f"Predicate '{pred}' is not listed in 'predicates'")


# Kafka consumer keys librdkafka does not know: read from the worker's `consumer.*` and the connector's
# `consumer.override.*`, applied by the worker, and kept out of the consumer's settings.
SINK_CONSUMER_CONFIG = ConfigDef().define(
    "max.poll.records",
    Type.INT,
    500,
    Importance.MEDIUM,
    "Largest batch of records a sink task's put() receives.",
    validator=Range.at_least(1),
)


def connector_class(registry: PluginRegistry, props: Mapping[str, Any]) -> type[Connector]:
    """The class `connector.class` names; ConfigException when it is missing or not a connector."""
    name = BASE_CONFIG.parse_key(BASE_CONFIG.keys["connector.class"], props)
    if not name:
        raise ConfigException("connector.class", None, "Missing required configuration with no default value")
    cls = registry.load(PluginKind.CONNECTOR, name)
    if not (isinstance(cls, type) and issubclass(cls, Connector)):
        raise ConfigException("connector.class", name, "Not a connector plugin")
    return cls


def chain_config(props: Mapping[str, Any]) -> ChainConfig:
    """The transforms and predicates a connector config names, parsed; ConfigException names a bad key."""
    aliases = {
        root: [a for a in BASE_CONFIG.parse_key(BASE_CONFIG.keys[root], props) if a]
        for root in ("transforms", "predicates")
    }
    definition = ConfigDef()
    for root, extra in (("transforms", _TRANSFORM_EXTRA), ("predicates", ConfigDef())):
        for alias in dict.fromkeys(aliases[root]):
            type_key = f"{root}.{alias}.type"
            definition = definition.merge(
                ConfigDef().define(type_key, Type.CLASS, NO_DEFAULT, Importance.HIGH, "The plugin.")
            )
            definition = definition.merge(extra.with_prefix(f"{root}.{alias}."))
    values = definition.parse(props)

    def spec(root: str, alias: str) -> PluginSpec:
        prefix = f"{root}.{alias}."
        if not values[prefix + "type"]:
            raise ConfigException(prefix + "type", None, "Missing required configuration with no default value")
        return PluginSpec(
            prefix,
            alias,
            values[prefix + "type"],
            prefixed(props, prefix),
            values.get(prefix + "predicate") or None,
            bool(values.get(prefix + "negate")),
        )

    transforms = tuple(spec("transforms", alias) for alias in aliases["transforms"])
    for t in transforms:
        if t.predicate and t.predicate not in aliases["predicates"]:
            raise ConfigException(t.prefix + "predicate", t.predicate, "Predicate is not listed in 'predicates'")
    return ChainConfig(transforms, tuple(spec("predicates", alias) for alias in aliases["predicates"]))


@dataclass(frozen=True, slots=True)
class ConnectorConfig:
    """One connector's config, parsed once from the ConfigDefs (the worker's, the connector-level ones and the
    connector's own) with config providers resolved, and handed to everything that builds its tasks."""

    name: str
    connector_class: type[Connector]
    tasks_max: int
    key_converter: PluginSettings  # the connector's override with its own settings, else the worker's (as written)
    value_converter: PluginSettings
    header_converter: PluginSettings
    errors: ErrorConfig
    chain: ChainConfig
    subscription: tuple[str, ...]  # sinks: the topics, or the `^regex` of `topics.regex`
    topic_creation: TopicCreationConfig  # sources: how missing topics are created
    producer_overrides: Mapping[str, Any]
    consumer_overrides: Mapping[str, Any]
    max_poll_records: int
    props: Mapping[str, Any]  # the config as given, providers resolved: what the connector starts with
    worker: WorkerConfig
    exactly_once_required: bool = False  # sources: `exactly.once.support=required`
    transaction_boundary: str = "poll"  # sources with exactly-once support: poll | interval | connector
    transaction_boundary_interval_ms: int | None = None

    @property
    def is_sink(self) -> bool:
        return is_sink(self.connector_class)

    @classmethod
    def parse(cls, registry: PluginRegistry, worker: WorkerConfig, props: Mapping[str, Any]) -> ConnectorConfig:
        """Resolve providers, then parse and validate; ConfigException names the first bad key."""
        resolved = resolve(props)
        connector_cls = connector_class(registry, resolved)
        definition, errors = enriched_definition(registry, connector_cls, resolved)
        if errors:
            raise errors[0]
        p = definition.parse(resolved)
        sink = is_sink(connector_cls)

        def converter(key: str, inherited: PluginSettings) -> PluginSettings:
            if p[key]:
                return PluginSettings(p[key], prefixed(resolved, key + "."))
            return inherited  # the worker's, resolved where a task configures it

        consumer_overrides = prefixed(resolved, "consumer.override.")
        topic_creation = TopicCreationConfig()
        if not sink:
            default = "topic.creation.default."
            sized = (default + "partitions", default + "replication.factor")
            topic_creation = TopicCreationConfig(
                p[sized[0]],
                p[sized[1]],
                {k[len(default) :]: str(v) for k, v in resolved.items() if k.startswith(default) and k not in sized},
            )
        subscription: tuple[str, ...] = ()
        if sink:
            regex = p["topics.regex"]
            subscription = ("^" + regex.lstrip("^"),) if regex else tuple(t for t in p["topics"] if t)
        return cls(
            name=p["name"],
            connector_class=connector_cls,
            tasks_max=p["tasks.max"],
            key_converter=converter("key.converter", worker.key_converter),
            value_converter=converter("value.converter", worker.value_converter),
            header_converter=converter("header.converter", worker.header_converter),
            errors=ErrorConfig.parse(p),
            chain=chain_config(resolved),
            subscription=subscription,
            topic_creation=topic_creation,
            producer_overrides=prefixed(resolved, "producer.override."),
            consumer_overrides=consumer_overrides,
            max_poll_records=SINK_CONSUMER_CONFIG.parse({**worker.consumer, **consumer_overrides})["max.poll.records"],
            props=resolved,
            worker=worker,
            exactly_once_required=not sink and p["exactly.once.support"] == "required",
            transaction_boundary="poll" if sink else p["transaction.boundary"],
            transaction_boundary_interval_ms=None if sink else p["transaction.boundary.interval.ms"],
        )
