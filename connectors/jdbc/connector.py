"""The SQL sink connector (Confluent's JdbcSinkConnector keys; Debezium's JdbcSinkConnector names accepted)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from connect.config import ConfigDef, ConfigValue
from connect.errors import ConfigException, ConnectException
from connect.spi import SinkConnector
from connectors.jdbc.config import JDBC_CONFIG, InsertMode, JdbcSinkConfig
from connectors.jdbc.convert import RecordConverter
from connectors.jdbc.dialects import Dialect, TableId, dialect_for
from connectors.jdbc.sink import JdbcSinkTask, open_session
from connectors.jdbc.writer import Transient


class JdbcSinkConnector(SinkConnector):
    config_def: ClassVar[ConfigDef] = JDBC_CONFIG
    task_class = JdbcSinkTask
    aliases: ClassVar[tuple[str, ...]] = (
        "io.confluent.connect.jdbc.JdbcSinkConnector",
        "io.debezium.connector.jdbc.JdbcSinkConnector",
    )
    doc: ClassVar[str] = """\
Replicates topics into PostgreSQL or MariaDB/MySQL tables, with the keys of Confluent's JDBC sink
(Debezium's JDBC sink names work too: `primary.key.mode`, `collection.name.format`,
`schema.evolution`, `field.include.list`, ...). Debezium change events are understood as they are:
`c`/`r`/`u` write the `after` image, `d` deletes the row (`delete.enabled`), `t` truncates the table
(`truncate.enabled`); flat records (e.g. unwrapped by ExtractNewRecordState) and tombstones work as
in Confluent's sink. With `insert.mode=upsert`, rows are written with INSERT ... ON CONFLICT DO
UPDATE (PostgreSQL, through COPY into a temporary table) or INSERT ... ON DUPLICATE KEY UPDATE
(MariaDB, multi-row statements), so a replay converges to the same rows. Each `put` batch is one
transaction, reduced to the last change per key; consumer offsets are committed only after it
commits. `auto.create` creates missing tables from the record schemas (Decimal, Date, Time,
Timestamp, Debezium's time types, ZonedTimestamp, VariableScaleDecimal, Json, Uuid, Enum, arrays as
PostgreSQL arrays or MariaDB JSON) and `auto.evolve` adds nullable columns for new fields; without
it a new field fails the task naming the table and column. Lost connections, deadlocks and
serialization failures are retried (`max.retries`, `retry.backoff.ms`), then handed to the worker
to retry the batch later; a row the database refuses goes to the error handling (dead-letter topic)
while the rest of its batch is written. `sequence.column` keeps rows from going back to an older
state when records are replayed or arrive late.

```json
{"name": "replica", "config": {"connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
 "topics.regex": "shop\\\\.public\\\\..*", "connection.url": "jdbc:postgresql://replica:5432/reporting",
 "connection.user": "sink", "connection.password": "secret", "insert.mode": "upsert",
 "pk.mode": "record_key", "delete.enabled": "true", "table.name.format": "${table}",
 "auto.create": "true", "auto.evolve": "true", "errors.tolerance": "all",
 "errors.deadletterqueue.topic.name": "replica-dlq"}}
```
"""

    def validate(self, props: Mapping[str, Any]) -> dict[str, ConfigValue]:
        results = super().validate(props)
        if any(v.errors for v in results.values()):
            return results
        try:
            config = JdbcSinkConfig.parse(props)
        except ConfigException as exc:  # rules that span keys, reported on the key to change
            results.setdefault(exc.name, ConfigValue(exc.name, props.get(exc.name))).errors.append(str(exc))
            return results
        for key, problem in _server_problems(config, props):
            results[key].errors.append(problem)
        return results

    def start(self, props: Mapping[str, Any]) -> None:
        JdbcSinkConfig.parse(props)  # fail at start, naming the key, rather than in every task
        self._props = dict(props)

    def task_configs(self, max_tasks: int) -> list[dict[str, Any]]:
        return [dict(self._props) for _ in range(max_tasks)]


def _server_problems(config: JdbcSinkConfig, props: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Connect as the task will, then check the privileges the settings need."""
    dialect = dialect_for(config)
    try:
        session = open_session(dialect)
    except Transient as exc:  # nothing answered
        return [("connection.url", str(exc))]
    except ConnectException as exc:  # the server answered no: credentials, database, pg_hba
        return [("connection.user", str(exc))]
    try:
        needed = {"INSERT"}
        if config.insert_mode is not InsertMode.INSERT:
            needed.add("UPDATE")
        needed |= {"DELETE"} if config.delete_enabled else set()
        needed |= {"TRUNCATE"} if config.truncate_enabled else set()
        needed |= {"CREATE"} if config.auto_create else set()
        needed |= {"ALTER"} if config.auto_evolve else set()
        problems = session.missing_privileges(needed, _known_tables(config, props, dialect))
        return [("connection.user", f"{config.user!r} on {config.url.where}: {p}") for p in problems]
    except ConnectException as exc:
        return [("connection.url", str(exc))]
    finally:
        session.close()


def _known_tables(config: JdbcSinkConfig, props: Mapping[str, Any], dialect: Dialect) -> list[TableId]:
    """The tables named by `topics` when the table name depends on the topic alone."""
    if "${source." in config.table_format:
        return []
    converter = RecordConverter(config, dialect)
    topics = [t.strip() for t in str(props.get("topics") or "").split(",") if t.strip()]
    return [converter.table_for(topic, None) for topic in topics]
