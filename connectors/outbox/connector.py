"""The outbox connector: validates its config and the server (through the Postgres connector), runs one task."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import psycopg

from connect.config import ConfigDef, ConfigValue
from connect.errors import ConfigException
from connect.spi import SourceConnector
from connectors.outbox.config import CONFIG_DEF, OutboxConfig
from connectors.outbox.source import OutboxSourceTask
from connectors.postgres.connector import PostgresConnector
from connectors.postgres.source import VERSION


class OutboxSourceConnector(SourceConnector):
    config_def: ClassVar[ConfigDef] = CONFIG_DEF
    task_class = OutboxSourceTask
    version: ClassVar[str] = VERSION
    doc: ClassVar[str] = (
        "Publishes a transactional outbox: every row inserted into `outbox.table` becomes one event on the topic "
        "its route column names (`route.topic.replacement`), keyed by its aggregate id, the payload as value and "
        "the event id in an `id` header. It is the Postgres CDC source restricted to that table with the "
        "EventRouter applied (all Postgres source and EventRouter keys apply); column names are mapped with "
        "`outbox.column.*`. With `outbox.prune.enabled`, rows whose events Kafka acknowledged are deleted in "
        "small batches, so the table stays small. A malformed row (no type, a payload that is not JSON when "
        "expanded) fails the task naming the column, or with `errors.tolerance=all` is skipped and left in the "
        "table, its change event written to `errors.deadletterqueue.topic.name` when set.\n\n"
        '    {"connector.class": "outbox", "database.hostname": "db", "database.user": "cdc",\n'
        '     "database.password": "secret", "database.dbname": "shop", "topic.prefix": "shop",\n'
        '     "outbox.table": "public.outbox", "outbox.column.key": "aggregate_id",\n'
        '     "outbox.column.type": "event_type", "outbox.column.route": "event_type",\n'
        '     "outbox.column.idempotency.key": "idempotency_key",\n'
        '     "route.topic.replacement": "${routedByValue}", "outbox.prune.enabled": "true"}'
    )

    def validate(self, props: Mapping[str, Any]) -> dict[str, ConfigValue]:
        results = super().validate(props)
        if any(r.errors for r in results.values()):
            return results
        try:
            config = OutboxConfig.parse(props)  # the runtime passes values with providers resolved
        except ConfigException as exc:
            results.setdefault(exc.name, ConfigValue(exc.name, props.get(exc.name))).errors.append(exc.reason)
            return results
        server = PostgresConnector().validate(config.postgres_props())
        for name, value in server.items():
            if value.errors and name in results:
                results[name].errors.extend(value.errors)
        if not any(r.errors for r in results.values()):
            self._check_table(config, results)
        return results

    @staticmethod
    def _check_table(config: OutboxConfig, results: dict[str, ConfigValue]) -> None:
        """The outbox table exists and has the columns the router reads."""
        schema, table = config.table
        router = config.router_props()
        wanted = {router.get(k) for k in ("table.field.event.id", "table.field.event.payload", "route.by.field")}
        with psycopg.connect(**config.postgres().conninfo(), autocommit=True) as conn:
            columns = {
                r[0]
                for r in conn.execute(
                    "SELECT a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n "
                    "ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = %s AND a.attnum > 0 AND NOT "
                    "a.attisdropped",
                    (schema, table),
                ).fetchall()
            }
        if not columns:
            results["outbox.table"].errors.append(f"table {schema}.{table} does not exist (or has no columns)")
            return
        for column in sorted(c for c in wanted if c and c not in columns):
            results["outbox.table"].errors.append(
                f"table {schema}.{table} has no column '{column}'; map the outbox's columns with outbox.column.*"
            )

    def start(self, props: Mapping[str, Any]) -> None:
        OutboxConfig.parse(props)  # fail the connector, not only its task, on a bad config
        self._props = dict(props)

    def task_configs(self, max_tasks: int) -> list[dict[str, Any]]:
        return [dict(self._props)]  # one slot, one stream: one task
