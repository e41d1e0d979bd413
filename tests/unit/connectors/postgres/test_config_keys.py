"""Every Debezium PostgreSQL key is either implemented or rejected by name: none is silently ignored."""

from __future__ import annotations

import pytest

from connectors.postgres.config import CONFIG_DEF, PostgresConfig, rejected_keys
from connectors.postgres.connector import PostgresConnector
from connectors.postgres.unsupported import KEYS

# The keys of Debezium 3.7's PostgreSQL connector, from its config definition classes (PostgresConnectorConfig,
# RelationalDatabaseConnectorConfig, CommonConnectorConfig, and the heartbeat, topic naming and notification
# fields they include). Keys with a variable part are in DEBEZIUM_FAMILIES.
DEBEZIUM_KEYS = [
    "topic.prefix",
    "tasks.max",
    "retriable.restart.connector.wait.ms",
    "tombstones.on.delete",
    "max.queue.size",
    "max.batch.size",
    "poll.interval.ms",
    "poll.dispatch.interval.ms",
    "max.queue.size.in.bytes",
    "queue.provider.type",
    "snapshot.delay.ms",
    "snapshot.fetch.size",
    "incremental.snapshot.chunk.size",
    "incremental.snapshot.allow.schema.changes",
    "snapshot.include.collection.list",
    "provide.transaction.metadata",
    "transaction.metadata.factory",
    "event.processing.failure.handling.mode",
    "converters",
    "post.processors",
    "skipped.operations",
    "skip.messages.without.change",
    "binary.handling.mode",
    "schema.name.adjustment.mode",
    "field.name.adjustment.mode",
    "query.fetch.size",
    "snapshot.max.threads",
    "snapshot.max.threads.multiplier",
    "legacy.snapshot.max.threads",
    "signal.data.collection",
    "signal.poll.interval.ms",
    "signal.emit.failure.max.retries",
    "signal.emit.failure.backoff.ms",
    "signal.enabled.channels",
    "topic.naming.strategy",
    "custom.retriable.exception",
    "notification.enabled.channels",
    "sourceinfo.struct.maker",
    "errors.max.retries",
    "custom.metric.tags",
    "incremental.snapshot.watermarking.strategy",
    "snapshot.mode.custom.name",
    "event.converting.failure.handling.mode",
    "streaming.delay.ms",
    "snapshot.locking.mode.custom.name",
    "snapshot.query.mode",
    "snapshot.query.mode.custom.name",
    "log.position.check.enable",
    "offset.activity.monitor.interval.ms",
    "advanced.metrics.enable",
    "connection.validation.timeout.ms",
    "executor.shutdown.timeout.ms",
    "openlineage.integration.enabled",
    "custom.sanitize.pattern",
    "extended.headers.enabled",
    "guardrail.collections.max",
    "guardrail.collections.limit.action",
    "statistics.metrics.enabled",
    "heartbeat.interval.ms",
    "heartbeat.topics.prefix",
    "heartbeat.action.query",
    "topic.delimiter",
    "topic.cache.size",
    "topic.heartbeat.prefix",
    "topic.transaction",
    "notification.sink.topic.name",
    "database.hostname",
    "database.port",
    "database.user",
    "database.password",
    "database.dbname",
    "database.query.timeout.ms",
    "table.include.list",
    "table.exclude.list",
    "table.ignore.builtin",
    "column.exclude.list",
    "column.include.list",
    "message.key.columns",
    "decimal.handling.mode",
    "snapshot.select.statement.overrides",
    "schema.include.list",
    "schema.exclude.list",
    "database.include.list",
    "database.exclude.list",
    "time.precision.mode",
    "snapshot.lock.timeout.ms",
    "include.schema.changes",
    "include.schema.comments",
    "column.propagate.source.type",
    "datatype.propagate.source.type",
    "snapshot.scan.all.columns.force",
    "unavailable.value.placeholder",
    "snapshot.tables.order.by.row.count",
    "schema.storage.class",
    "table.storage.class",
    "plugin.name",
    "slot.name",
    "slot.drop.on.stop",
    "slot.failover",
    "slot.seek.to.known.offset.on.start",
    "offset.mismatch.strategy",
    "create.slot.command.timeout",
    "publication.name",
    "publication.autocreate.mode",
    "replica.identity.autoset.values",
    "slot.stream.params",
    "slot.max.retries",
    "slot.retry.delay.ms",
    "database.initial.statements",
    "database.sslmode",
    "database.sslcert",
    "database.sslkey",
    "database.sslpassword",
    "database.sslrootcert",
    "database.sslfactory",
    "snapshot.mode",
    "snapshot.isolation.mode",
    "snapshot.locking.mode",
    "message.prefix.exclude.list",
    "message.prefix.include.list",
    "hstore.handling.mode",
    "interval.handling.mode",
    "status.update.interval.ms",
    "lsn.flush.timeout.ms",
    "lsn.flush.timeout.action",
    "database.tcpKeepAlive",
    "include.unknown.datatypes",
    "schema.refresh.mode",
    "xmin.fetch.interval.ms",
    "money.fraction.digits",
    "publish.via.partition.root",
    "flush.lsn.source",
    "lsn.flush.mode",
    "read.only",
    # CommonConnectorConfig's, read by the configuration_based snapshot mode
    "snapshot.mode.configuration.based.snapshot.data",
    "snapshot.mode.configuration.based.snapshot.schema",
    "snapshot.mode.configuration.based.start.stream",
    "snapshot.mode.configuration.based.snapshot.on.schema.error",
    "snapshot.mode.configuration.based.snapshot.on.data.error",
]

DEBEZIUM_FAMILIES = [
    "column.mask.with.5.chars",
    "column.mask.hash.SHA-256.with.salt.pepper",
    "column.mask.hash.v2.SHA-256.with.salt.pepper",
    "column.truncate.to.10.chars",
    "snapshot.select.statement.overrides.public.orders",
    "schema.history.internal.kafka.topic",
    "openlineage.integration.job.namespace",
]

#: Kafka Connect's own keys, which the runtime implements for every connector.
CONNECT_KEYS = {"tasks.max"}
#: Declared by the Avro work (issue #27), not by this connector.
ELSEWHERE = {"schema.name.adjustment.mode", "field.name.adjustment.mode"}

BASE = {
    "database.hostname": "db",
    "database.user": "cdc",
    "database.dbname": "shop",
    "topic.prefix": "shop",
}


def test_every_debezium_key_is_implemented_or_rejected_by_name():
    missing = [k for k in DEBEZIUM_KEYS if k not in CONFIG_DEF and k not in CONNECT_KEYS | ELSEWHERE]
    assert not missing, f"Debezium keys neither implemented nor rejected: {missing}"


@pytest.mark.parametrize("key", [k.name for k in KEYS])
def test_an_unsupported_key_fails_validation_with_its_name(key):
    results = PostgresConnector().validate({**BASE, key: "something-else"})
    assert any(key in error and "not supported" in error for error in results[key].errors), results[key].errors


@pytest.mark.parametrize("key", ["schema.history.internal.kafka.topic", "openlineage.integration.job.tags"])
def test_keys_of_unsupported_families_fail_validation_with_their_name(key):
    assert key in rejected_keys({**BASE, key: "x"})
    with pytest.raises(Exception, match=key.replace(".", r"\.")):
        PostgresConfig.parse({**BASE, key: "x"})


def test_a_value_matching_what_the_connector_does_is_accepted():
    PostgresConfig.parse({**BASE, "slot.failover": "false", "snapshot.locking.mode": "none"})


def test_a_bad_column_rule_names_its_key():
    key = "column.mask.hash.NOPE-1.with.salt.x"
    assert key in rejected_keys({**BASE, key: "public.t.c"})


@pytest.mark.parametrize(
    ("mode", "extra", "state", "plan"),
    [
        ("initial", {}, (False, False, False), (True, True)),
        ("initial", {}, (True, False, False), (False, True)),
        ("initial_only", {}, (False, False, False), (True, False)),
        ("always", {}, (True, False, False), (True, True)),
        ("when_needed", {}, (True, False, True), (True, True)),
        ("no_data", {}, (False, False, False), (False, True)),
        ("never", {}, (False, False, False), (False, True)),
        (
            "configuration_based",
            {"snapshot.mode.configuration.based.snapshot.data": "true"},
            (True, False, False),
            (True, False),
        ),
        (
            "configuration_based",
            {"snapshot.mode.configuration.based.start.stream": "true"},
            (True, False, False),
            (False, True),
        ),
        (
            "configuration_based",
            {
                "snapshot.mode.configuration.based.start.stream": "true",
                "snapshot.mode.configuration.based.snapshot.on.data.error": "true",
            },
            (True, False, True),
            (True, True),
        ),
    ],
)
def test_every_snapshot_mode(mode, extra, state, plan):
    config = PostgresConfig.parse({**BASE, "snapshot.mode": mode, **extra})
    has_offset, in_progress, slot_missing = state
    assert config.snapshot_plan(has_offset=has_offset, in_progress=in_progress, slot_missing=slot_missing) == plan


def test_snapshot_overrides_need_their_statement():
    assert "snapshot.select.statement.overrides" in rejected_keys(
        {**BASE, "snapshot.select.statement.overrides": "public.orders"}
    )
    assert not rejected_keys(
        {
            **BASE,
            "snapshot.select.statement.overrides": "public.orders",
            "snapshot.select.statement.overrides.public.orders": "SELECT * FROM public.orders WHERE id > 10",
        }
    )


def test_connect_validate_names_an_unsupported_debezium_key(tmp_path, capsys):
    import json

    from sluice.cli import main

    config = {
        **BASE,
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
        "slot.failover": "true",
        "schema.history.internal.kafka.topic": "history",
    }
    path = tmp_path / "pg.json"
    path.write_text(json.dumps({"name": "pg", "config": config}))
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "slot.failover: " in out and "slot.failover is not supported" in out
    assert "schema.history.internal.kafka.topic is not supported" in out


@pytest.mark.parametrize(
    ("props", "timeout"),
    [({}, None), ({"snapshot.locking.mode": "NONE"}, None), ({"snapshot.locking.mode": "Shared"}, 10000)],
)
def test_snapshot_locking_mode_none_by_default_as_debezium_or_shared(props, timeout):
    assert PostgresConfig.parse({**BASE, **props, "snapshot.lock.timeout.ms": "10000"}).snapshot_lock_timeout_ms == (
        timeout
    )


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("snapshot.locking.mode", "custom", "custom is not supported: it loads the Java SnapshotLock"),
        ("snapshot.locking.mode", "exclusive", "one of: none, shared"),
        ("snapshot.lock.timeout.ms", "-1", "at least 0"),
    ],
)
def test_a_snapshot_locking_value_we_cannot_honour_is_rejected_by_name(key, value, problem):
    errors = PostgresConnector().validate({**BASE, key: value})[key].errors
    assert any(problem in error for error in errors), errors
