"""Connector-level configuration shared by every connector (Kafka Connect's ConnectorConfig).

The effective definition of one connector is this base, plus its kind's keys (sink or
source), plus the keys of each transform/predicate it names, prefixed
(`transforms.<alias>.*`), plus the connector's own `config_def`.
"""

from __future__ import annotations

from collections.abc import Mapping
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
from connect.errors import ConfigException
from connect.plugins import PluginKind, PluginRegistry

COMMON = "Common"
TRANSFORMS = "Transforms"
MAX_NAME_LENGTH = 255
PREDICATES = "Predicates"
ERRORS = "Error Handling"
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
    .define(
        "errors.retry.timeout",
        Type.LONG,
        0,
        Importance.MEDIUM,
        "Total time (ms) a failed operation is retried; 0 = no retries, -1 = forever.",
        validator=Range.at_least(-1),
        group=ERRORS,
    )
    .define(
        "errors.retry.delay.max.ms",
        Type.LONG,
        60_000,
        Importance.MEDIUM,
        "Largest delay between consecutive retries (exponential backoff with jitter).",
        validator=Range.at_least(1),
        group=ERRORS,
    )
    .define(
        "errors.tolerance",
        Type.STRING,
        "none",
        Importance.MEDIUM,
        "`none`: any error fails the task. `all`: problematic records are skipped (and dead-lettered "
        "when a dead-letter topic is set).",
        validator=ValidString.in_("none", "all"),
        group=ERRORS,
    )
    .define(
        "errors.log.enable",
        Type.BOOLEAN,
        False,
        Importance.MEDIUM,
        "Log each failed operation and problematic record.",
        group=ERRORS,
    )
    .define(
        "errors.log.include.messages",
        Type.BOOLEAN,
        False,
        Importance.MEDIUM,
        "Include the record's topic, partition, offset and key/value in the error log.",
        group=ERRORS,
    )
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
    .define(
        "errors.deadletterqueue.topic.name",
        Type.STRING,
        "",
        Importance.MEDIUM,
        "Topic receiving records that failed conversion, transformation or writing (needs "
        "`errors.tolerance=all`); empty = no dead-letter queue. Unlike Kafka Connect, source connectors "
        "have one too: a source record that fails (or that the task rejects, e.g. a malformed outbox "
        "row) is written there with the connector's converters.",
        group=ERRORS,
    )
    .define(
        "errors.deadletterqueue.topic.replication.factor",
        Type.SHORT,
        3,
        Importance.MEDIUM,
        "Replication factor of the dead-letter topic when it is created (capped at the cluster size).",
        validator=Range.at_least(-1),
        group=ERRORS,
    )
    .define(
        "errors.deadletterqueue.context.headers.enable",
        Type.BOOLEAN,
        False,
        Importance.MEDIUM,
        "Add `__connect.errors.*` headers (original topic/partition/offset, connector, task, stage, class, "
        "exception, message, stack trace) to dead-lettered records. A source record has its intended "
        "topic and partition and offset -1.",
        group=ERRORS,
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
        "Transaction boundaries with exactly-once sources: poll, interval or connector.",
        validator=ValidString.in_("poll", "interval", "connector"),
        group=COMMON,
    )
)

TRANSFORM_KEYS = {"type", "predicate", "negate"}


def is_sink(connector_cls: type) -> bool:
    from connect.spi import SinkConnector

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
        clashes = [k for k in own.keys if k in ("type", "predicate", "negate")]
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
