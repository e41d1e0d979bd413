"""The Postgres CDC connector: validates config and server (wal_level, replication role), runs one task."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import psycopg

from connect.config import ConfigDef, ConfigValue
from connect.spi import SourceConnector
from connectors.postgres.config import CONFIG_DEF, PostgresConfig, rejected_keys
from connectors.postgres.coordinator import server_problems
from connectors.postgres.source import VERSION, PostgresSourceTask


class PostgresConnector(SourceConnector):
    config_def: ClassVar[ConfigDef] = CONFIG_DEF
    task_class = PostgresSourceTask
    version: ClassVar[str] = VERSION
    aliases: ClassVar[tuple[str, ...]] = ("io.debezium.connector.postgresql.PostgresConnector",)
    doc: ClassVar[str] = (
        "Captures every committed row change of a Postgres database through logical replication (pgoutput) and "
        "writes Debezium-compatible change events to `<topic.prefix>.<schema>.<table>`, after an optional "
        "consistent snapshot. The role needs the REPLICATION attribute and the server wal_level = logical.\n\n"
        '    {"connector.class": "io.debezium.connector.postgresql.PostgresConnector",\n'
        '     "database.hostname": "db", "database.port": "5432", "database.user": "cdc",\n'
        '     "database.password": "secret", "database.dbname": "shop", "topic.prefix": "shop",\n'
        '     "table.include.list": "public.orders,public.customers", "slot.name": "shop_cdc"}'
    )

    def validate(self, props: Mapping[str, Any]) -> dict[str, ConfigValue]:
        results = super().validate(props)
        for name, rejected in rejected_keys(props).items():
            results.setdefault(name, ConfigValue(name, props.get(name))).errors.append(str(rejected))
        if any(r.errors for r in results.values()):
            return results
        config = PostgresConfig.parse(props)
        try:
            with psycopg.connect(**config.conninfo(), autocommit=True) as conn:
                for problem in server_problems(conn):
                    key = "database.user" if problem.startswith("role") else "database.hostname"
                    results[key].errors.append(problem)
        except psycopg.OperationalError as exc:
            results["database.hostname"].errors.append(
                f"cannot connect to {config['database.hostname']}:{config['database.port']} as "
                f"{config['database.user']}: {str(exc).strip()}"
            )
        return results

    def start(self, props: Mapping[str, Any]) -> None:
        self._props = dict(props)

    def task_configs(self, max_tasks: int) -> list[dict[str, Any]]:
        return [dict(self._props)]  # one slot, one stream: one task
