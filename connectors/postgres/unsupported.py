"""Debezium PostgreSQL keys this connector does not implement: declared so validation names them.

The list is taken from Debezium 3.7's own config definitions (PostgresConnectorConfig and the
common/relational config classes it builds on) minus what `config.py` implements. Each key here
is declared in the connector's ConfigDef with a validator that rejects any value except those
naming the behaviour the connector already has (e.g. `slot.failover=false`), so a Debezium config
ported as-is gets an error naming each key it would otherwise silently lose — from `connect
validate`, the REST validate endpoint and the task itself. Key families written with a variable
part (`schema.history.internal.*`, `openlineage.*`...) are checked by prefix in `rejected_pattern`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connect.config import ConfigDef, Importance, Type
from connect.errors import ConfigException

UNSUPPORTED_GROUP = "Debezium keys not supported"


@dataclass(frozen=True, slots=True)
class Unsupported:
    """A Debezium key that is not implemented; `accepts` lists values matching what the connector does anyway."""

    name: str
    reason: str
    accepts: tuple[str, ...] = ()

    def __call__(self, name: str, value: Any) -> None:
        if value is None:
            return
        text = ",".join(map(str, value)) if isinstance(value, list) else str(value)
        if text.strip().lower() in self.accepts:
            return
        allowed = f" (only {' or '.join(repr(a) for a in self.accepts)} is accepted)" if self.accepts else ""
        raise ConfigException(name, value, f"{name} is not supported by this connector: {self.reason}{allowed}")

    def __str__(self) -> str:
        return " or ".join(f"`{a}`" for a in self.accepts) if self.accepts else "not supported"


_JAVA = "it names a Java class or service that only exists in Debezium's JVM"
_METRICS = "Debezium's JMX metrics have no counterpart here; metrics are served at /metrics"
_OUTAGES = (
    "a server that is down, restarting or still holding the slot is an outage, waited out by the worker's one "
    "rule for every connector (0.25 s doubling to 5 s, without limit; the task stays RUNNING and says why)"
)
_NO_HISTORY = "the PostgreSQL connector keeps no schema history (Debezium ignores it for PostgreSQL too)"

KEYS: tuple[Unsupported, ...] = (
    # connection
    Unsupported("database.sslfactory", f"{_JAVA}; use database.sslmode/sslcert/sslkey/sslrootcert"),
    Unsupported("database.query.timeout.ms", "queries run without a client-side timeout", ("600000",)),
    Unsupported("database.include.list", "the connector captures the one database of database.dbname"),
    Unsupported("database.exclude.list", "the connector captures the one database of database.dbname"),
    Unsupported("read.only", "incremental snapshots write watermarks to the signal table", ("false",)),
    Unsupported("database.initial.statements", "no statements are run on connecting"),
    Unsupported(
        "table.ignore.builtin", "system schemas (pg_catalog, information_schema) are never captured", ("true",)
    ),
    # replication slot and publication
    Unsupported("slot.failover", "failover slots (Postgres 17) are not created", ("false",)),
    Unsupported("slot.stream.params", "pgoutput is started with fixed options (proto_version, publication_names)"),
    Unsupported("slot.max.retries", _OUTAGES),
    Unsupported("slot.retry.delay.ms", _OUTAGES),
    Unsupported("retriable.restart.connector.wait.ms", _OUTAGES),
    Unsupported("slot.seek.to.known.offset.on.start", "streaming resumes from the stored offset", ("false",)),
    Unsupported("create.slot.command.timeout", "slot creation waits for running transactions without a timeout"),
    Unsupported(
        "offset.mismatch.strategy",
        "a stored offset the slot cannot serve fails the task unless snapshot.mode=when_needed",
        ("no_validation",),
    ),
    Unsupported("replica.identity.autoset.values", "replica identities are left as the tables have them"),
    Unsupported("publish.via.partition.root", "publications are created without it", ("false",)),
    Unsupported("lsn.flush.timeout.ms", "confirming an LSN to the slot never blocks the task"),
    Unsupported("lsn.flush.timeout.action", "confirming an LSN to the slot never blocks the task", ("fail",)),
    Unsupported("lsn.flush.mode", "the connector confirms LSNs once Kafka acknowledged them", ("connector",)),
    Unsupported("flush.lsn.source", "the connector confirms LSNs once Kafka acknowledged them", ("true",)),
    Unsupported("xmin.fetch.interval.ms", "source.xmin is not tracked", ("0",)),
    Unsupported("schema.refresh.mode", "table schemas are refreshed from every Relation message", ("columns_diff",)),
    # snapshots
    Unsupported(
        "snapshot.isolation.mode",
        "snapshots read in one REPEATABLE READ transaction on the slot's exported snapshot",
        ("repeatable_read",),
    ),
    Unsupported("snapshot.locking.mode.custom.name", _JAVA),
    Unsupported(
        "snapshot.query.mode", "snapshots read with SELECT (see snapshot.select.statement.overrides)", ("select_all",)
    ),
    Unsupported("snapshot.query.mode.custom.name", _JAVA),
    Unsupported("snapshot.mode.custom.name", _JAVA),
    Unsupported("snapshot.tables.order.by.row.count", "tables are read in name order", ("disabled",)),
    Unsupported("snapshot.delay.ms", "snapshots start when the task starts", ("0",)),
    Unsupported("streaming.delay.ms", "streaming starts when the snapshot ends", ("0",)),
    Unsupported("snapshot.max.threads.multiplier", "snapshot.max.threads readers read one table each", ("1",)),
    Unsupported("legacy.snapshot.max.threads", "snapshot.max.threads readers read one table each", ("false",)),
    Unsupported("snapshot.scan.all.columns.force", "snapshots read the captured columns", ("false",)),
    Unsupported(
        "incremental.snapshot.allow.schema.changes", "a table's schema must not change while it is read", ("false",)
    ),
    Unsupported(
        "incremental.snapshot.watermarking.strategy",
        "watermarks are inserted into the signal table",
        ("insert_insert",),
    ),
    Unsupported("query.fetch.size", "snapshots stream with COPY, without a JDBC fetch size"),
    # signals and notifications
    Unsupported("signal.enabled.channels", "signals come from signal.data.collection only", ("source",)),
    Unsupported("signal.poll.interval.ms", "the signal table is read from the stream, not polled"),
    Unsupported("signal.emit.failure.max.retries", "signals are not emitted to a channel"),
    Unsupported("signal.emit.failure.backoff.ms", "signals are not emitted to a channel"),
    Unsupported("notification.enabled.channels", "snapshot progress is reported in the task status instead"),
    Unsupported("notification.sink.topic.name", "snapshot progress is reported in the task status instead"),
    # events and topics
    Unsupported("converters", f"custom converters: {_JAVA}; use transforms instead"),
    Unsupported("post.processors", f"post processors: {_JAVA}; use transforms instead"),
    Unsupported("transaction.metadata.factory", _JAVA),
    Unsupported("sourceinfo.struct.maker", _JAVA),
    Unsupported(
        "topic.naming.strategy",
        _JAVA,
        ("io.debezium.schema.schematopicnamingstrategy", "io.debezium.schema.defaulttopicnamingstrategy"),
    ),
    Unsupported("topic.cache.size", "topic names are computed once per table"),
    Unsupported("heartbeat.topics.prefix", "deprecated by Debezium; use topic.heartbeat.prefix"),
    Unsupported("include.schema.changes", "the PostgreSQL connector emits no schema change events", ("false",)),
    Unsupported("include.schema.comments", "column comments are not read", ("false",)),
    Unsupported("schema.history.internal", _NO_HISTORY),
    Unsupported("schema.storage.class", _JAVA),
    Unsupported("table.storage.class", _JAVA),
    # runtime
    Unsupported("errors.max.retries", "retriable errors are retried until the task is stopped", ("-1",)),
    Unsupported("max.queue.size.in.bytes", "the queue is bounded by max.queue.size records", ("0",)),
    Unsupported("poll.dispatch.interval.ms", "poll returns as soon as a batch is ready"),
    Unsupported("queue.provider.type", _JAVA),
    Unsupported("connection.validation.timeout.ms", "validation connects with database.connect.timeout.ms"),
    Unsupported("executor.shutdown.timeout.ms", "the task stops its readers itself"),
    Unsupported("custom.retriable.exception", _JAVA),
    Unsupported("custom.metric.tags", _METRICS),
    Unsupported("statistics.metrics.enabled", _METRICS, ("true",)),
    Unsupported("advanced.metrics.enable", _METRICS, ("false",)),
    Unsupported("log.position.check.enable", "the position is checked against the slot at start", ("true",)),
    Unsupported("offset.activity.monitor.interval.ms", _METRICS),
    Unsupported("guardrail.collections.max", "the number of captured tables is not limited", ("0",)),
    Unsupported("guardrail.collections.limit.action", "the number of captured tables is not limited", ("warn",)),
    Unsupported("custom.sanitize.pattern", "secrets are masked by key type (PASSWORD) and name"),
    Unsupported("openlineage.integration.enabled", "OpenLineage events are not emitted", ("false",)),
)

#: Key families with a variable part, rejected by prefix.
PREFIXES: tuple[Unsupported, ...] = (
    Unsupported("schema.history.internal.", _NO_HISTORY),
    Unsupported("openlineage.integration.", "OpenLineage events are not emitted"),
    Unsupported("notification.", "snapshot progress is reported in the task status instead"),
    Unsupported("signal.kafka.", "signals come from signal.data.collection only"),
    Unsupported("driver.", "there is no JDBC driver to pass properties to"),
)


def rejected_pattern(name: str) -> Unsupported | None:
    """The rejection of a key of an unsupported family (None: not one)."""
    for family in PREFIXES:
        if name.startswith(family.name) and name not in _DECLARED:
            return family
    return None


def unsupported_def() -> ConfigDef:
    """The unsupported keys as ConfigDef entries: documented, and rejected when set to another value."""
    config = ConfigDef()
    for key in KEYS:
        accepted = f" Accepted only as {key}." if key.accepts else ""
        config.define(
            key.name,
            Type.STRING,
            None,
            Importance.LOW,
            f"Not supported: {key.reason}.{accepted}",
            validator=key,
            group=UNSUPPORTED_GROUP,
        )
    return config


_DECLARED = frozenset(k.name for k in KEYS)
