"""The Postgres source's configuration keys, with Debezium's names, defaults and meaning."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from connect.config import NO_DEFAULT, ConfigDef, Importance, NonEmptyString, Range, Type, ValidRegex, ValidString
from connect.config.validators import ValidList
from connect.data.avro_names import MODES as ADJUSTMENT_MODES
from connect.data.avro_names import Adjust, field_name_adjuster, schema_name_adjuster
from connect.errors import ConfigException
from connectors.postgres.columns import ColumnRule, column_rules, is_pattern_key
from connectors.postgres.failures import FailurePolicy
from connectors.postgres.types import TypeModes
from connectors.postgres.unsupported import rejected_pattern, unsupported_def

CONNECTION, REPLICATION, FILTERS, SNAPSHOT, EVENTS, ADVANCED = (
    "Connection",
    "Replication",
    "Filters",
    "Snapshot",
    "Events",
    "Advanced",
)

SNAPSHOT_MODES = ("initial", "initial_only", "no_data", "never", "always", "when_needed", "configuration_based")
CONFIGURATION_BASED = "snapshot.mode.configuration.based."
# Naming an Avro converter in the connector's config makes field.name.adjustment.mode=none mean avro.
AVRO_CONVERTERS = (
    "io.confluent.connect.avro.AvroConverter",
    "io.apicurio.registry.utils.converter.AvroConverter",
    "AvroConverter",
)

LOCKING_MODES = ("none", "shared")


def _locking_mode(name: str, value: Any) -> None:
    """One of `none`, `shared`"""
    if value is not None and str(value).strip().lower() == "custom":
        raise ConfigException(
            name,
            value,
            "custom is not supported: it loads the Java SnapshotLock named by snapshot.locking.mode.custom.name, "
            "which only exists in Debezium's JVM; use none or shared",
        )
    ValidString.in_(*LOCKING_MODES)(name, value)


_IMPLEMENTED = (
    ConfigDef()
    .define(
        "database.hostname",
        Type.STRING,
        NO_DEFAULT,
        Importance.HIGH,
        "Host name or address of the Postgres server.",
        validator=NonEmptyString,
        group=CONNECTION,
    )
    .define(
        "database.port",
        Type.INT,
        5432,
        Importance.HIGH,
        "Port of the Postgres server.",
        validator=Range.between(1, 65535),
        group=CONNECTION,
    )
    .define(
        "database.user",
        Type.STRING,
        NO_DEFAULT,
        Importance.HIGH,
        "Role to connect as; it needs the REPLICATION attribute (or rds_replication) and SELECT on the "
        "captured tables.",
        validator=NonEmptyString,
        group=CONNECTION,
    )
    .define("database.password", Type.PASSWORD, None, Importance.HIGH, "Password of that role.", group=CONNECTION)
    .define(
        "database.dbname",
        Type.STRING,
        NO_DEFAULT,
        Importance.HIGH,
        "Database to capture changes from.",
        validator=NonEmptyString,
        group=CONNECTION,
    )
    .define(
        "database.sslmode",
        Type.STRING,
        "prefer",
        Importance.MEDIUM,
        "libpq sslmode: disable, allow, prefer, require, verify-ca or verify-full.",
        validator=ValidString.in_("disable", "allow", "prefer", "require", "verify-ca", "verify-full"),
        group=CONNECTION,
    )
    .define(
        "database.connect.timeout.ms",
        Type.INT,
        30000,
        Importance.LOW,
        "How long to wait for a connection to the server.",
        validator=Range.at_least(1000),
        group=CONNECTION,
    )
    .define(
        "topic.prefix",
        Type.STRING,
        NO_DEFAULT,
        Importance.HIGH,
        "Logical name of the server: the prefix of every topic (`<prefix>.<schema>.<table>`) and the "
        "`source.name` of every event. Never change it once events were written.",
        validator=NonEmptyString,
        group=CONNECTION,
    )
    .define(
        "database.sslcert",
        Type.STRING,
        None,
        Importance.LOW,
        "File of the client's SSL certificate (libpq sslcert).",
        group=CONNECTION,
    )
    .define(
        "database.sslkey",
        Type.STRING,
        None,
        Importance.LOW,
        "File of the client's SSL private key (libpq sslkey).",
        group=CONNECTION,
    )
    .define(
        "database.sslpassword",
        Type.PASSWORD,
        None,
        Importance.LOW,
        "Password of the client's SSL private key (libpq sslpassword).",
        group=CONNECTION,
    )
    .define(
        "database.sslrootcert",
        Type.STRING,
        None,
        Importance.LOW,
        "File of the root certificates the server's certificate is checked against (libpq sslrootcert).",
        group=CONNECTION,
    )
    .define(
        "database.tcpKeepAlive",
        Type.BOOLEAN,
        True,
        Importance.LOW,
        "Send TCP keepalives on the connections to the server (libpq keepalives).",
        group=CONNECTION,
    )
    .define(
        "topic.delimiter",
        Type.STRING,
        ".",
        Importance.LOW,
        "What joins the parts of topic names: `<prefix><d><schema><d><table>`, `<prefix><d>transaction`, "
        "`__debezium-heartbeat<d><prefix>`.",
        validator=NonEmptyString,
        group=CONNECTION,
    )
    .define(
        "topic.transaction",
        Type.STRING,
        "transaction",
        Importance.LOW,
        "Suffix of the transaction metadata topic (`<prefix><delimiter><topic.transaction>`).",
        validator=NonEmptyString,
        group=CONNECTION,
    )
    .define(
        "topic.heartbeat.prefix",
        Type.STRING,
        "__debezium-heartbeat",
        Importance.LOW,
        "Prefix of the heartbeat topic (`<topic.heartbeat.prefix><delimiter><prefix>`).",
        validator=NonEmptyString,
        group=CONNECTION,
    )
    .define(
        "plugin.name",
        Type.STRING,
        "pgoutput",
        Importance.MEDIUM,
        "Logical decoding plugin; only `pgoutput` (built into Postgres 10+) is supported.",
        validator=ValidString.in_("pgoutput"),
        group=REPLICATION,
    )
    .define(
        "slot.name",
        Type.STRING,
        "debezium",
        Importance.MEDIUM,
        "Name of the logical replication slot; created when absent. One slot per connector.",
        validator=NonEmptyString,
        group=REPLICATION,
    )
    .define(
        "slot.drop.on.stop",
        Type.BOOLEAN,
        False,
        Importance.LOW,
        "Drop the slot when the task stops (for tests and demos: a dropped slot loses the position).",
        group=REPLICATION,
    )
    .define(
        "publication.name",
        Type.STRING,
        "dbz_publication",
        Importance.MEDIUM,
        "Name of the publication pgoutput streams.",
        validator=NonEmptyString,
        group=REPLICATION,
    )
    .define(
        "publication.autocreate.mode",
        Type.STRING,
        "all_tables",
        Importance.MEDIUM,
        "all_tables: create the publication FOR ALL TABLES when absent; filtered: create it (and keep it "
        "updated) for the tables the filters select; no_tables: create it empty; disabled: it must exist.",
        validator=ValidString.in_("all_tables", "filtered", "no_tables", "disabled"),
        group=REPLICATION,
    )
    .define(
        "status.update.interval.ms",
        Type.INT,
        10000,
        Importance.LOW,
        "How often a standby status update is sent to the server while the stream is quiet.",
        validator=Range.at_least(100),
        group=REPLICATION,
    )
    .define(
        "schema.include.list",
        Type.LIST,
        "",
        Importance.HIGH,
        "Regular expressions matching schema names to capture (all non-system schemas when empty); a table is "
        "captured when its schema and its `schema.table` name both pass their filters.",
        validator=ValidRegex,
        group=FILTERS,
    )
    .define(
        "schema.exclude.list",
        Type.LIST,
        "",
        Importance.MEDIUM,
        "Regular expressions matching schema names not to capture (when no schema include list is set).",
        validator=ValidRegex,
        group=FILTERS,
    )
    .define(
        "table.include.list",
        Type.LIST,
        "",
        Importance.HIGH,
        "Regular expressions matching `schema.table` names to capture (all non-system tables when empty).",
        validator=ValidRegex,
        group=FILTERS,
    )
    .define(
        "table.exclude.list",
        Type.LIST,
        "",
        Importance.MEDIUM,
        "Regular expressions matching `schema.table` names not to capture (when no include list is set).",
        validator=ValidRegex,
        group=FILTERS,
    )
    .define(
        "column.include.list",
        Type.LIST,
        "",
        Importance.MEDIUM,
        "Regular expressions matching `schema.table.column` names to include in events.",
        validator=ValidRegex,
        group=FILTERS,
    )
    .define(
        "column.exclude.list",
        Type.LIST,
        "",
        Importance.MEDIUM,
        "Regular expressions matching `schema.table.column` names to leave out of events.",
        validator=ValidRegex,
        group=FILTERS,
    )
    .define(
        "column.propagate.source.type",
        Type.LIST,
        "",
        Importance.LOW,
        "Regular expressions of `schema.table.column`: add the source type to the field schema's parameters "
        "(`__debezium.source.column.type`, `.length`, `.scale`, `.name`). Also `column.truncate.to.N.chars`, "
        "`column.mask.with.N.chars` and `column.mask.hash[.v2].ALG.with.salt.SALT` take lists of "
        "`schema.table.column` expressions, as in Debezium.",
        validator=ValidRegex,
        group=FILTERS,
    )
    .define(
        "datatype.propagate.source.type",
        Type.LIST,
        "",
        Importance.LOW,
        "Regular expressions of `schema.table.TYPENAME`: as column.propagate.source.type, for columns of those types.",
        validator=ValidRegex,
        group=FILTERS,
    )
    .define(
        "skipped.operations",
        Type.LIST,
        "t",
        Importance.LOW,
        "Operations not to emit: c (insert), u (update), d (delete), t (truncate); `none` emits all.",
        validator=ValidList.in_("c", "u", "d", "t", "none"),
        group=FILTERS,
    )
    .define(
        "snapshot.mode",
        Type.STRING,
        "initial",
        Importance.HIGH,
        "initial: snapshot when no offset exists, then stream; initial_only: snapshot, then stop; no_data "
        "(or never): stream only; always: snapshot at every start; when_needed: snapshot when no offset "
        "exists or the slot cannot serve it; configuration_based: as the snapshot.mode.configuration.based.* "
        "keys say (custom, which names a Java class, is not supported).",
        validator=ValidString.in_(*SNAPSHOT_MODES),
        group=SNAPSHOT,
    )
    .define(
        "snapshot.select.statement.overrides",
        Type.LIST,
        "",
        Importance.LOW,
        "`schema.table` names whose snapshot reads the SELECT statement of key "
        "`snapshot.select.statement.overrides.<schema>.<table>` instead of the whole table.",
        group=SNAPSHOT,
    )
    .define(
        CONFIGURATION_BASED + "snapshot.data",
        Type.BOOLEAN,
        False,
        Importance.LOW,
        "With snapshot.mode=configuration_based: snapshot the data at every start.",
        group=SNAPSHOT,
    )
    .define(
        CONFIGURATION_BASED + "snapshot.schema",
        Type.BOOLEAN,
        False,
        Importance.LOW,
        "With snapshot.mode=configuration_based: accepted for Debezium configs; this connector keeps no schema "
        "history, so there is no schema to snapshot.",
        group=SNAPSHOT,
    )
    .define(
        CONFIGURATION_BASED + "start.stream",
        Type.BOOLEAN,
        False,
        Importance.LOW,
        "With snapshot.mode=configuration_based: stream changes (after the snapshot, if any).",
        group=SNAPSHOT,
    )
    .define(
        CONFIGURATION_BASED + "snapshot.on.schema.error",
        Type.BOOLEAN,
        False,
        Importance.LOW,
        "With snapshot.mode=configuration_based: accepted for Debezium configs; table schemas are read from the "
        "stream, so there is no schema error to recover from.",
        group=SNAPSHOT,
    )
    .define(
        CONFIGURATION_BASED + "snapshot.on.data.error",
        Type.BOOLEAN,
        False,
        Importance.LOW,
        "With snapshot.mode=configuration_based: snapshot when the stored offset cannot be resumed (the slot is "
        "gone), instead of failing.",
        group=SNAPSHOT,
    )
    .define(
        "snapshot.fetch.size",
        Type.INT,
        10240,
        Importance.LOW,
        "Rows per chunk of the initial snapshot: a table is read in chunks of this many rows, and a snapshot "
        "that crashed resumes after the last chunk Kafka acknowledged instead of from the start.",
        validator=Range.at_least(1),
        group=SNAPSHOT,
    )
    .define(
        "snapshot.max.threads",
        Type.INT,
        1,
        Importance.MEDIUM,
        "Tables read in parallel during a snapshot (one connection each).",
        validator=Range.between(1, 64),
        group=SNAPSHOT,
    )
    .define(
        "snapshot.locking.mode",
        Type.STRING,
        "none",
        Importance.LOW,
        "none (Debezium's default): no table is locked before it is read, so a table rewritten (ALTER TABLE ... "
        "TYPE, VACUUM FULL, CLUSTER) after the snapshot began and before it is read is read EMPTY, and the stream "
        "does not replay a rewrite; shared: each snapshot reader locks the tables it will read IN ACCESS SHARE MODE "
        "as it starts and releases each once read, so a rewrite waits for its table to be read (writes never wait; "
        "with snapshot.max.threads > 1 the tables are dealt to the readers up front). custom (a Java SnapshotLock) "
        "is not supported.",
        validator=_locking_mode,
        group=SNAPSHOT,
    )
    .define(
        "snapshot.lock.timeout.ms",
        Type.LONG,
        10000,
        Importance.MEDIUM,
        "With snapshot.locking.mode=shared: the longest wait for each table lock; a lock not granted in time fails "
        "the task, naming the table and the session holding it (0 waits without limit).",
        validator=Range.at_least(0),
        group=SNAPSHOT,
    )
    .define(
        "snapshot.include.collection.list",
        Type.LIST,
        "",
        Importance.LOW,
        "Regular expressions of `schema.table` names to snapshot (all captured tables when empty).",
        validator=ValidRegex,
        group=SNAPSHOT,
    )
    .define(
        "signal.data.collection",
        Type.STRING,
        None,
        Importance.LOW,
        "`schema.table` of the signal table (columns id, type, data) for ad-hoc incremental snapshots.",
        group=SNAPSHOT,
    )
    .define(
        "incremental.snapshot.chunk.size",
        Type.INT,
        1024,
        Importance.LOW,
        "Rows per chunk of an incremental snapshot.",
        validator=Range.at_least(1),
        group=SNAPSHOT,
    )
    .define(
        "tombstones.on.delete",
        Type.BOOLEAN,
        True,
        Importance.MEDIUM,
        "Emit a tombstone (null value) after each delete, so compaction can remove the key.",
        group=EVENTS,
    )
    .define(
        "decimal.handling.mode",
        Type.STRING,
        "precise",
        Importance.MEDIUM,
        "numeric columns: precise (Connect Decimal / VariableScaleDecimal), double or string.",
        validator=ValidString.in_("precise", "double", "string"),
        group=EVENTS,
    )
    .define(
        "time.precision.mode",
        Type.STRING,
        "adaptive",
        Importance.MEDIUM,
        "Temporal columns: adaptive (io.debezium.time.* by column precision), adaptive_time_microseconds "
        "(time always MicroTime) or connect (Kafka Connect's Date/Time/Timestamp, milliseconds).",
        validator=ValidString.in_("adaptive", "adaptive_time_microseconds", "connect"),
        group=EVENTS,
    )
    .define(
        "binary.handling.mode",
        Type.STRING,
        "bytes",
        Importance.MEDIUM,
        "bytea columns: bytes, base64, base64-url-safe or hex.",
        validator=ValidString.in_("bytes", "base64", "base64-url-safe", "hex"),
        group=EVENTS,
    )
    .define(
        "interval.handling.mode",
        Type.STRING,
        "numeric",
        Importance.LOW,
        "interval columns: numeric (MicroDuration, microseconds) or string (ISO-8601 io.debezium.time.Interval).",
        validator=ValidString.in_("numeric", "string"),
        group=EVENTS,
    )
    .define(
        "hstore.handling.mode",
        Type.STRING,
        "json",
        Importance.LOW,
        "hstore columns: json (a io.debezium.data.Json string) or map (a Connect map of string to string).",
        validator=ValidString.in_("json", "map"),
        group=EVENTS,
    )
    .define(
        "money.fraction.digits",
        Type.SHORT,
        2,
        Importance.LOW,
        "Scale of the Decimal that money columns become.",
        validator=Range.between(0, 20),
        group=EVENTS,
    )
    .define(
        "include.unknown.datatypes",
        Type.BOOLEAN,
        False,
        Importance.LOW,
        "Columns of types the connector has no mapping for (pg_lsn, tsquery, arrays of domains...) are left out; "
        "true includes them as their text's bytes (per binary.handling.mode).",
        group=EVENTS,
    )
    .define(
        "extended.headers.enabled",
        Type.BOOLEAN,
        True,
        Importance.LOW,
        "Add the `__debezium.context.*` headers (connectorLogicalName, taskId, connectorName, runId) to every "
        "change record, as Debezium does. Kafka's client spends about 2 µs of CPU per record on four headers "
        "(some 25% of the connector's CPU); false saves it for consumers that do not read them.",
        group=EVENTS,
    )
    .define(
        "skip.messages.without.change",
        Type.BOOLEAN,
        False,
        Importance.LOW,
        "Skip updates that change no captured column (only detectable under REPLICA IDENTITY FULL).",
        group=EVENTS,
    )
    .define(
        "event.converting.failure.handling.mode",
        Type.STRING,
        "warn",
        Importance.LOW,
        "A column value that cannot be converted: fail the task, or write null (warn logs the table, column and "
        "LSN; skip does not).",
        validator=ValidString.in_("fail", "warn", "skip"),
        group=EVENTS,
    )
    .define(
        "event.processing.failure.handling.mode",
        Type.STRING,
        "fail",
        Importance.LOW,
        "An event that cannot be emitted (a message that does not decode, a NOT NULL column whose value failed): "
        "fail the task naming the table and LSN, or skip the event (warn logs it; skip and ignore do not).",
        validator=ValidString.in_("fail", "warn", "skip", "ignore"),
        group=EVENTS,
    )
    .define(
        "message.prefix.include.list",
        Type.LIST,
        "",
        Importance.LOW,
        "Regular expressions matching the prefixes of logical decoding messages to emit (all when empty).",
        validator=ValidRegex,
        group=FILTERS,
    )
    .define(
        "message.prefix.exclude.list",
        Type.LIST,
        "",
        Importance.LOW,
        "Regular expressions matching the prefixes of logical decoding messages not to emit.",
        validator=ValidRegex,
        group=FILTERS,
    )
    .define(
        "provide.transaction.metadata",
        Type.BOOLEAN,
        False,
        Importance.MEDIUM,
        "Emit BEGIN/END records to `<prefix>.transaction` and a `transaction` block in every event.",
        group=EVENTS,
    )
    .define(
        "message.key.columns",
        Type.STRING,
        None,
        Importance.LOW,
        "Custom keys: `schema.table:col1,col2;schema2.table2:col` (regular expressions for tables).",
        group=EVENTS,
    )
    .define(
        "unavailable.value.placeholder",
        Type.STRING,
        "__debezium_unavailable_value",
        Importance.LOW,
        "Value standing for an unchanged TOASTed column the server did not send.",
        group=EVENTS,
    )
    .define(
        "schema.name.adjustment.mode",
        Type.STRING,
        "none",
        Importance.LOW,
        "How schema names are adjusted for the converter: avro replaces characters Avro names cannot hold "
        "with `_`; avro_unicode replaces them (and `_`) with `_uXXXX`; none keeps them.",
        validator=ValidString.in_(*ADJUSTMENT_MODES),
        group=EVENTS,
    )
    .define(
        "field.name.adjustment.mode",
        Type.STRING,
        "none",
        Importance.LOW,
        "How field names are adjusted, with the same modes as `schema.name.adjustment.mode`; none is taken as "
        "avro when the connector's key or value converter is an Avro converter, as Debezium does.",
        validator=ValidString.in_(*ADJUSTMENT_MODES),
        group=EVENTS,
    )
    .define(
        "heartbeat.interval.ms",
        Type.INT,
        0,
        Importance.MEDIUM,
        "When > 0, emit a heartbeat record to `__debezium-heartbeat.<prefix>` this often, so the offset and "
        "the slot advance while captured tables are quiet.",
        validator=Range.at_least(0),
        group=ADVANCED,
    )
    .define(
        "heartbeat.action.query",
        Type.STRING,
        None,
        Importance.LOW,
        "SQL run on every heartbeat (e.g. an update of a heartbeat table), so WAL of a quiet database is released.",
        group=ADVANCED,
    )
    .define(
        "max.batch.size",
        Type.INT,
        2048,
        Importance.MEDIUM,
        "Most records returned by one poll.",
        validator=Range.at_least(1),
        group=ADVANCED,
    )
    .define(
        "max.queue.size",
        Type.INT,
        8192,
        Importance.LOW,
        "Most records buffered between the snapshot readers and poll.",
        validator=Range.at_least(1),
        group=ADVANCED,
    )
    .define(
        "poll.interval.ms",
        Type.INT,
        500,
        Importance.LOW,
        "Longest wait for new data before poll returns empty-handed.",
        validator=Range.between(1, 1000),
        group=ADVANCED,
    )
)

#: Every key: the implemented ones, then Debezium's keys this connector rejects by name.
CONFIG_DEF = _IMPLEMENTED.merge(unsupported_def())


OVERRIDES = "snapshot.select.statement.overrides"


def snapshot_overrides(props: Mapping[str, Any]) -> dict[str, str]:
    """`schema.table` → the SELECT its snapshot reads (`snapshot.select.statement.overrides`)."""
    tables = props.get(OVERRIDES) or []
    if isinstance(tables, str):
        tables = [t.strip() for t in tables.split(",") if t.strip()]
    out = {}
    for table in tables:
        statement = props.get(f"{OVERRIDES}.{table}")
        if not statement or not str(statement).strip():
            raise ConfigException(OVERRIDES, props.get(OVERRIDES), f"{table} has no statement: set {OVERRIDES}.{table}")
        out[table] = str(statement).strip().rstrip(";")
    return out


def rejected_keys(props: Mapping[str, Any]) -> dict[str, ConfigException]:
    """Problems with keys of variable name: Debezium's unsupported families (e.g. `schema.history.internal.*`),
    column rules (`column.mask.with.N.chars`...) that do not parse, snapshot overrides without a statement."""
    out = {}
    try:
        snapshot_overrides(props)
    except ConfigException as exc:
        out[OVERRIDES] = exc
    for name, value in props.items():
        family = rejected_pattern(name)
        try:
            if family is not None:
                family(name, value)
            elif is_pattern_key(name):
                column_rules({name: value})
        except ConfigException as exc:
            out[name] = exc
    return out


@dataclass(frozen=True, slots=True)
class PostgresConfig:
    """The parsed config, with typed accessors for what the task uses."""

    props: Mapping[str, Any]

    @staticmethod
    def parse(props: Mapping[str, Any]) -> PostgresConfig:
        for problem in rejected_keys(props).values():
            raise problem
        parsed = PostgresConfig(CONFIG_DEF.parse(props))
        parsed.column_rules  # noqa: B018 -- a bad column.mask/truncate/hash key fails here, naming itself
        return parsed

    def __getitem__(self, key: str) -> Any:
        return self.props[key]

    @property
    def column_rules(self) -> list[ColumnRule]:
        return column_rules(self.props)

    @property
    def prefix(self) -> str:
        return self.props["topic.prefix"]

    def topic(self, *parts: str) -> str:
        """`<prefix><delimiter><part>...`: a table's topic, or the transaction topic."""
        return self.props["topic.delimiter"].join((self.prefix, *parts))

    @property
    def transaction_topic(self) -> str:
        return self.topic(self.props["topic.transaction"])

    @property
    def heartbeat_topic(self) -> str:
        return self.props["topic.delimiter"].join((self.props["topic.heartbeat.prefix"], self.prefix))

    @property
    def modes(self) -> TypeModes:
        p = self.props
        return TypeModes(
            p["decimal.handling.mode"].lower(),
            p["time.precision.mode"].lower(),
            p["binary.handling.mode"].lower(),
            p["interval.handling.mode"].lower(),
            p["hstore.handling.mode"].lower(),
            p["money.fraction.digits"],
            p["include.unknown.datatypes"],
        )

    @property
    def failures(self) -> FailurePolicy:
        return FailurePolicy(
            self.props["event.converting.failure.handling.mode"], self.props["event.processing.failure.handling.mode"]
        )

    def snapshot_plan(self, *, has_offset: bool, in_progress: bool, slot_missing: bool) -> tuple[bool, bool]:
        """(snapshot now, stream afterwards), as `snapshot.mode` says, given the stored offset and the slot."""
        mode = self.snapshot_mode
        fresh = not has_offset or in_progress
        if mode == "configuration_based":
            p = self.props
            snapshot = p[CONFIGURATION_BASED + "snapshot.data"] or (
                has_offset and slot_missing and p[CONFIGURATION_BASED + "snapshot.on.data.error"]
            )
            return bool(snapshot), p[CONFIGURATION_BASED + "start.stream"]
        if mode in ("initial", "initial_only"):
            return fresh, mode == "initial"
        if mode == "always":
            return True, True
        if mode == "when_needed":
            return fresh or slot_missing, True
        return False, True  # no_data

    @property
    def snapshot_mode(self) -> str:
        mode = self.props["snapshot.mode"].lower()
        return "no_data" if mode == "never" else mode

    @property
    def snapshot_lock_timeout_ms(self) -> int | None:
        """With snapshot.locking.mode=shared, how long to wait for each table lock (ms); None: take no locks."""
        if self.props["snapshot.locking.mode"].strip().lower() != "shared":
            return None
        return int(self.props["snapshot.lock.timeout.ms"])

    @property
    def skipped(self) -> frozenset[str]:
        return frozenset(op for op in self.props["skipped.operations"] if op != "none")

    def schema_names(self) -> Adjust | None:
        """The schema name adjuster (None: names as they are); one per task, as it remembers replacements."""
        return schema_name_adjuster(self.props["schema.name.adjustment.mode"])

    def field_names(self) -> Adjust | None:
        """The field name adjuster (None: names as they are)."""
        mode = self.props["field.name.adjustment.mode"]
        converters = (self.props.get("key.converter"), self.props.get("value.converter"))
        if mode.lower() == "none" and any(c in AVRO_CONVERTERS for c in converters):
            mode = "avro"
        return field_name_adjuster(mode)

    def message_filter(self) -> Callable[[str], bool] | None:
        """Which logical decoding message prefixes to emit (`message.prefix.include/exclude.list`); None: all."""
        include = [re.compile(p) for p in self.props["message.prefix.include.list"]]
        exclude = [re.compile(p) for p in self.props["message.prefix.exclude.list"]]
        if include:
            return lambda prefix: any(p.fullmatch(prefix) for p in include)
        if exclude:
            return lambda prefix: not any(p.fullmatch(prefix) for p in exclude)
        return None

    def conninfo(self, **extra: Any) -> dict[str, Any]:
        """Keyword arguments for psycopg.connect (password unwrapped, sessions in UTC)."""
        p = self.props
        kwargs: dict[str, Any] = {
            "host": p["database.hostname"],
            "port": p["database.port"],
            "user": p["database.user"],
            "dbname": p["database.dbname"],
            "sslmode": p["database.sslmode"],
            "connect_timeout": max(1, p["database.connect.timeout.ms"] // 1000),
            "options": "-c TimeZone=UTC -c DateStyle=ISO -c IntervalStyle=postgres -c extra_float_digits=3",
            "application_name": f"sluice-{p['topic.prefix']}",
        }
        if p.get("database.password") is not None:
            kwargs["password"] = p["database.password"].value
        for key in ("sslcert", "sslkey", "sslrootcert"):
            if p.get(f"database.{key}"):
                kwargs[key] = p[f"database.{key}"]
        if p.get("database.sslpassword") is not None:
            kwargs["sslpassword"] = p["database.sslpassword"].value
        kwargs["keepalives"] = 1 if p["database.tcpKeepAlive"] else 0
        kwargs.update(extra)
        return kwargs

    def message_key_columns(self) -> list[tuple[str, list[str]]]:
        """(table regex, columns) pairs from `message.key.columns`."""
        raw = self.props.get("message.key.columns")
        pairs: list[tuple[str, list[str]]] = []
        for part in (raw or "").split(";"):
            if ":" in part:
                table, cols = part.split(":", 1)
                pairs.append((table.strip(), [c.strip() for c in cols.split(",") if c.strip()]))
        return pairs
