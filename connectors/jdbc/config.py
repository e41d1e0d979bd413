"""The keys of the SQL sink: Confluent's JDBC sink names and defaults, Debezium's JDBC sink names as aliases."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from connect.config import NO_DEFAULT, ConfigDef, Importance, Range, Type, ValidString
from connect.config.definition import Password
from connect.errors import ConfigException
from connectors.jdbc.url import ConnectionUrl, parse_url

CONNECTION, WRITES, MAPPING, DDL, RETRIES = "Connection", "Writes", "Data Mapping", "DDL Support", "Retries"


class InsertMode(StrEnum):
    INSERT = "insert"
    UPSERT = "upsert"
    UPDATE = "update"


class PkMode(StrEnum):
    NONE = "none"
    KAFKA = "kafka"
    RECORD_KEY = "record_key"
    RECORD_VALUE = "record_value"


class SequenceSource(StrEnum):
    SOURCE_LSN = "source.lsn"
    KAFKA_OFFSET = "kafka.offset"


KAFKA_PK_NAMES = ("__connect_topic", "__connect_partition", "__connect_offset")


def _choice(kind: type[StrEnum]) -> ValidString:
    return ValidString.in_(*(m.value for m in kind))


def _valid_url(name: str, value: Any) -> None:
    parse_url(name, value)


def _valid_zone(name: str, value: Any) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigException(name, value, "not a time zone name (e.g. UTC, Europe/Paris)") from None


def _valid_format(name: str, value: Any) -> None:
    unknown = set(re.findall(r"\$\{([^}]*)\}", value)) - PLACEHOLDERS
    if unknown:
        raise ConfigException(name, value, f"unknown placeholder(s) {sorted(unknown)}; use {sorted(PLACEHOLDERS)}")
    if not value.strip():
        raise ConfigException(name, value, "the table name format is empty")


PLACEHOLDERS = {"topic", "schema", "table", "source.schema", "source.table", "source.db"}

JDBC_CONFIG = (
    ConfigDef()
    .define(
        "connection.url",
        Type.STRING,
        NO_DEFAULT,
        Importance.HIGH,
        "The database: `jdbc:postgresql://host:5432/db`, `jdbc:mariadb://host:3306/db` or "
        "`jdbc:mysql://host:3306/db` (plain `postgresql://` and `mysql://` URLs too). `user` and `password` "
        "query parameters are read; for PostgreSQL `sslmode`, `connect_timeout`, `application_name` and "
        "`currentSchema` are passed on.",
        validator=_valid_url,
        group=CONNECTION,
    )
    .define(
        "connection.user",
        Type.STRING,
        None,
        Importance.HIGH,
        "Database user (overrides a user in the URL).",
        group=CONNECTION,
    )
    .define(
        "connection.username",
        Type.STRING,
        None,
        Importance.LOW,
        "Debezium's name for `connection.user`; used when that is not set.",
        group=CONNECTION,
    )
    .define(
        "connection.password",
        Type.PASSWORD,
        None,
        Importance.HIGH,
        "Database password (overrides a password in the URL).",
        group=CONNECTION,
    )
    .define(
        "connection.attempts",
        Type.INT,
        3,
        Importance.LOW,
        "Quick attempts to connect when the task starts; a database still unreachable after them is waited for "
        "as an outage (the task stays RUNNING and its status says what it waits for).",
        validator=Range.at_least(1),
        group=CONNECTION,
    )
    .define(
        "connection.backoff.ms",
        Type.LONG,
        10_000,
        Importance.LOW,
        "Wait between connection attempts at start.",
        validator=Range.at_least(0),
        group=CONNECTION,
    )
    .define(
        "insert.mode",
        Type.STRING,
        InsertMode.INSERT.value,
        Importance.HIGH,
        "`insert`: plain INSERT (PostgreSQL: COPY); a row whose key exists is an error. `upsert`: INSERT ... ON "
        "CONFLICT DO UPDATE (PostgreSQL) / INSERT ... ON DUPLICATE KEY UPDATE (MariaDB), so replays converge. "
        "`update`: UPDATE of existing rows only. `upsert` and `update` need a `pk.mode` other than `none`.",
        validator=_choice(InsertMode),
        group=WRITES,
    )
    .define(
        "batch.size",
        Type.INT,
        3000,
        Importance.MEDIUM,
        "Most rows in one statement (PostgreSQL: one COPY). Each `put` batch (`consumer.override.max.poll.records`, "
        "500 by default) is written in one transaction whatever its size.",
        validator=Range.between(1, 1_000_000),
        group=WRITES,
    )
    .define(
        "delete.enabled",
        Type.BOOLEAN,
        False,
        Importance.MEDIUM,
        "Tombstones (null values) and Debezium delete events (`op` = `d`) delete the row with the record key. "
        "Needs `pk.mode=record_key`. When false they are skipped.",
        group=WRITES,
    )
    .define(
        "truncate.enabled",
        Type.BOOLEAN,
        False,
        Importance.LOW,
        "Debezium truncate events (`op` = `t`) truncate the table (Debezium's key). When false they are skipped.",
        group=WRITES,
    )
    .define(
        "table.name.format",
        Type.STRING,
        "${topic}",
        Importance.MEDIUM,
        "The table each record goes to. `${topic}` is the topic name; for a Debezium topic "
        "`<prefix>.<schema>.<table>`, `${schema}` and `${table}` are its last two parts, and `${source.schema}`, "
        "`${source.table}` and `${source.db}` come from a change event's `source` block. Dots inside a "
        "placeholder's value become `_`; a dot written in the format separates the schema (MariaDB: database) "
        "from the table, e.g. `reporting.${table}`.",
        validator=_valid_format,
        group=MAPPING,
    )
    .define(
        "collection.name.format",
        Type.STRING,
        None,
        Importance.LOW,
        "Debezium's name for `table.name.format`; used when that is not set.",
        validator=_valid_format,
        group=MAPPING,
    )
    .define(
        "pk.mode",
        Type.STRING,
        PkMode.NONE.value,
        Importance.HIGH,
        "Where the primary key comes from. `none`: no key. `kafka`: the record's topic, partition and offset "
        "(columns `__connect_topic`, `__connect_partition`, `__connect_offset`, or the three `pk.fields`). "
        "`record_key`: the record key's fields (a primitive key needs one name in `pk.fields`). "
        "`record_value`: fields of the value (the `after` image of a change event).",
        validator=_choice(PkMode),
        group=MAPPING,
    )
    .define(
        "primary.key.mode",
        Type.STRING,
        None,
        Importance.LOW,
        "Debezium's name for `pk.mode`; used when that is not set.",
        validator=_choice(PkMode),
        group=MAPPING,
    )
    .define(
        "pk.fields",
        Type.LIST,
        "",
        Importance.MEDIUM,
        "Key field names. `kafka`: three column names. `record_key`: a subset of the key's fields (empty: all), "
        "or the column name of a primitive key. `record_value`: the value fields that form the key (empty: all).",
        group=MAPPING,
    )
    .define(
        "primary.key.fields",
        Type.LIST,
        None,
        Importance.LOW,
        "Debezium's name for `pk.fields`; used when that is not set.",
        group=MAPPING,
    )
    .define(
        "fields.whitelist",
        Type.LIST,
        "",
        Importance.MEDIUM,
        "Value fields written as columns (empty: all). Key columns are written whatever this says.",
        group=MAPPING,
    )
    .define(
        "field.include.list",
        Type.LIST,
        None,
        Importance.LOW,
        "Debezium's name for `fields.whitelist`: entries `<topic>:<field>` (regular expressions matched against "
        "the whole name) or plain field names; used when `fields.whitelist` is not set.",
        group=MAPPING,
    )
    .define(
        "db.timezone",
        Type.STRING,
        "UTC",
        Importance.MEDIUM,
        "Time zone of the database's wall-clock columns: timestamps (Connect `Timestamp`, Debezium `Timestamp`, "
        "`MicroTimestamp`, and `ZonedTimestamp` in MariaDB's DATETIME) are written as the wall time in this zone.",
        validator=_valid_zone,
        group=MAPPING,
    )
    .define(
        "use.time.zone",
        Type.STRING,
        None,
        Importance.LOW,
        "Debezium's name for `db.timezone`; used when that is not set.",
        validator=_valid_zone,
        group=MAPPING,
    )
    .define(
        "sequence.column",
        Type.STRING,
        "",
        Importance.LOW,
        "Name of a BIGINT column that holds each row's position in its source (see `sequence.source`). When "
        "set, the column is created with the table, every write carries it, and an upsert or delete older than "
        "the row's position changes nothing: a replay or a late record never takes a row back to an older "
        "state. Empty: off.",
        group=MAPPING,
    )
    .define(
        "sequence.source",
        Type.STRING,
        SequenceSource.SOURCE_LSN.value,
        Importance.LOW,
        "What fills `sequence.column`: `source.lsn`, the `lsn` of a Debezium change event's `source` block "
        "(ordered per row across partitions and topic re-creations), or `kafka.offset`, the record's offset "
        "(ordered per row while a key stays in one partition).",
        validator=_choice(SequenceSource),
        group=MAPPING,
    )
    .define(
        "auto.create",
        Type.BOOLEAN,
        False,
        Importance.MEDIUM,
        "Create a missing table (CREATE TABLE) from the record's schema, with the primary key of `pk.mode`.",
        group=DDL,
    )
    .define(
        "auto.evolve",
        Type.BOOLEAN,
        False,
        Importance.MEDIUM,
        "Add a column (nullable, ALTER TABLE ... ADD) for a record field the table lacks. When false such a "
        "record fails the task with a message naming the table and the column.",
        group=DDL,
    )
    .define(
        "schema.evolution",
        Type.STRING,
        None,
        Importance.LOW,
        "Debezium's switch: `basic` is `auto.create` and `auto.evolve` both true, `none` both false; used when "
        "neither of those is set.",
        validator=ValidString.in_("none", "basic"),
        group=DDL,
    )
    .define(
        "quote.sql.identifiers",
        Type.STRING,
        "always",
        Importance.MEDIUM,
        "`always` quotes table and column names (case and special characters kept); `never` writes them bare "
        "(PostgreSQL folds them to lower case).",
        validator=ValidString.in_("always", "never"),
        group=DDL,
    )
    .define(
        "quote.identifiers",
        Type.BOOLEAN,
        None,
        Importance.LOW,
        "Debezium's switch for `quote.sql.identifiers` (true: always); used when that is not set.",
        group=DDL,
    )
    .define(
        "max.retries",
        Type.INT,
        10,
        Importance.MEDIUM,
        "Retries of a batch that failed for a transient reason while the database answers (deadlock, "
        "serialization failure, a session lost mid-batch), reconnecting first and waiting as `retry.backoff.ms` "
        "says. "
        "When they are used up, or when the database does not answer at all, `put` raises a retriable error: "
        "the worker keeps the batch and offers it again under its outage rule; nothing is dropped.",
        validator=Range.at_least(0),
        group=RETRIES,
    )
    .define(
        "retry.backoff.ms",
        Type.INT,
        3000,
        Importance.MEDIUM,
        "Wait before the first retry of a batch; each further retry waits up to twice as long (with jitter), "
        "at most 5 s, as the worker's outage rule.",
        validator=Range.at_least(0),
        group=RETRIES,
    )
)


@dataclass(frozen=True, slots=True)
class FieldFilter:
    """`fields.whitelist` / `field.include.list`: which value fields of a topic become columns."""

    names: frozenset[str]
    qualified: tuple[re.Pattern[str], ...]

    @classmethod
    def parse(cls, name: str, entries: list[str]) -> FieldFilter:
        plain, patterns = set(), []
        for entry in (e for e in entries if e):
            if ":" in entry:
                try:
                    patterns.append(re.compile(entry))
                except re.error as exc:
                    raise ConfigException(name, entry, f"not a regular expression: {exc}") from None
            else:
                plain.add(entry)
        return cls(frozenset(plain), tuple(patterns))

    @property
    def everything(self) -> bool:
        return not self.names and not self.qualified

    def keeps(self, topic: str, field: str) -> bool:
        if self.everything or field in self.names:
            return True
        qualified = f"{topic}:{field}"
        return any(p.fullmatch(qualified) for p in self.qualified)


@dataclass(frozen=True, slots=True)
class JdbcSinkConfig:
    """Parsed settings of one sink task (Debezium's names already folded into Confluent's)."""

    url: ConnectionUrl
    user: str | None
    password: str | None
    connection_attempts: int
    connection_backoff_ms: int
    insert_mode: InsertMode
    batch_size: int
    delete_enabled: bool
    truncate_enabled: bool
    table_format: str
    pk_mode: PkMode
    pk_fields: tuple[str, ...]
    fields: FieldFilter
    timezone: str
    sequence_column: str | None
    sequence_source: SequenceSource
    auto_create: bool
    auto_evolve: bool
    quote: bool
    max_retries: int
    retry_backoff_ms: int

    @classmethod
    def parse(cls, props: Mapping[str, Any]) -> JdbcSinkConfig:
        p = JDBC_CONFIG.parse(props)

        def either(ours: str, theirs: str) -> Any:
            return p[ours] if ours in props or p[theirs] is None else p[theirs]

        url = parse_url("connection.url", p["connection.url"])
        password = p["connection.password"]
        evolution = p["schema.evolution"]
        basic = None if evolution is None else evolution.lower() == "basic"
        quote = p["quote.sql.identifiers"].lower() == "always"
        if "quote.sql.identifiers" not in props and p["quote.identifiers"] is not None:
            quote = p["quote.identifiers"]
        config = cls(
            url=url,
            user=p["connection.user"] or p["connection.username"] or url.user,
            password=password.value if isinstance(password, Password) else url.password,
            connection_attempts=p["connection.attempts"],
            connection_backoff_ms=p["connection.backoff.ms"],
            insert_mode=InsertMode(p["insert.mode"].lower()),
            batch_size=p["batch.size"],
            delete_enabled=p["delete.enabled"],
            truncate_enabled=p["truncate.enabled"],
            table_format=either("table.name.format", "collection.name.format"),
            pk_mode=PkMode(either("pk.mode", "primary.key.mode").lower()),
            pk_fields=tuple(f for f in either("pk.fields", "primary.key.fields") if f),
            fields=FieldFilter.parse("fields.whitelist", either("fields.whitelist", "field.include.list")),
            timezone=either("db.timezone", "use.time.zone"),
            sequence_column=p["sequence.column"] or None,
            sequence_source=SequenceSource(p["sequence.source"].lower()),
            auto_create=p["auto.create"] if "auto.create" in props or basic is None else basic,
            auto_evolve=p["auto.evolve"] if "auto.evolve" in props or basic is None else basic,
            quote=quote,
            max_retries=p["max.retries"],
            retry_backoff_ms=p["retry.backoff.ms"],
        )
        config._check()
        return config

    def _check(self) -> None:
        """Rules that span keys, reported on the key to change."""
        if self.insert_mode is not InsertMode.INSERT and self.pk_mode is PkMode.NONE:
            raise ConfigException(
                "pk.mode", self.pk_mode.value, f"insert.mode={self.insert_mode.value} needs a primary key"
            )
        if self.delete_enabled and self.pk_mode is not PkMode.RECORD_KEY:
            raise ConfigException("pk.mode", self.pk_mode.value, "delete.enabled=true needs pk.mode=record_key")
        if self.pk_mode is PkMode.KAFKA and self.pk_fields and len(self.pk_fields) != 3:
            raise ConfigException(
                "pk.fields", ",".join(self.pk_fields), "pk.mode=kafka takes three names (topic, partition, offset)"
            )
        if self.sequence_column and self.pk_mode is PkMode.NONE:
            raise ConfigException(
                "sequence.column", self.sequence_column, "a sequence guard orders writes per row: it needs a pk.mode"
            )

    @property
    def kafka_pk_names(self) -> tuple[str, ...]:
        return self.pk_fields if self.pk_mode is PkMode.KAFKA and self.pk_fields else KAFKA_PK_NAMES
