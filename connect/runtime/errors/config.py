"""The `errors.*` keys every connector takes, sources and sinks alike (declared once here), and their parsed form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connect.config import ConfigDef, Importance, Range, Type, ValidString

ERRORS = "Error Handling"

ERRORS_CONFIG = (
    ConfigDef()
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


def _default(key: str) -> Any:
    return ERRORS_CONFIG.parse({})[key]


@dataclass(frozen=True, slots=True)
class ErrorConfig:
    """How a task handles failed operations; field defaults are the declared ones."""

    retry_timeout_ms: int = _default("errors.retry.timeout")
    retry_delay_max_ms: int = _default("errors.retry.delay.max.ms")
    tolerance_all: bool = _default("errors.tolerance") == "all"
    log_enable: bool = _default("errors.log.enable")
    log_include_messages: bool = _default("errors.log.include.messages")
    dead_letter_topic: str = _default("errors.deadletterqueue.topic.name")  # "" = none
    dead_letter_replication_factor: int = _default("errors.deadletterqueue.topic.replication.factor")
    dead_letter_context_headers: bool = _default("errors.deadletterqueue.context.headers.enable")

    @classmethod
    def parse(cls, props: Mapping[str, Any]) -> ErrorConfig:
        """From a connector config (raw or already parsed); ConfigException names a bad key."""
        p = ERRORS_CONFIG.parse(props)
        return cls(
            retry_timeout_ms=p["errors.retry.timeout"],
            retry_delay_max_ms=p["errors.retry.delay.max.ms"],
            tolerance_all=p["errors.tolerance"].lower() == "all",
            log_enable=p["errors.log.enable"],
            log_include_messages=p["errors.log.include.messages"],
            dead_letter_topic=p["errors.deadletterqueue.topic.name"].strip(),
            dead_letter_replication_factor=p["errors.deadletterqueue.topic.replication.factor"],
            dead_letter_context_headers=p["errors.deadletterqueue.context.headers.enable"],
        )
