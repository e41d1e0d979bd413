"""What every dialect provides: SQL types and value encoding (Dialect), and one connection's work (Session).

A Session runs one batch as: begin() → ensure tables (describe/create/add columns) → write(...)
and truncate(...) in record order → commit(). Dialects classify driver errors into Faults so the
sink knows whether to retry, isolate a record, or fail the task.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum, StrEnum, auto
from typing import Any

from connectors.jdbc.columns import Column
from connectors.jdbc.config import JdbcSinkConfig


@dataclass(frozen=True, slots=True)
class TableId:
    """A table, optionally in a schema (MariaDB: a database)."""

    schema: str | None
    name: str

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name


@dataclass(slots=True)
class TableInfo:
    """What the database says about a table: its columns (by normalized name) and primary key."""

    id: TableId
    columns: dict[str, str]  # normalized name → name as the database spells it
    key: tuple[str, ...] = ()
    required: frozenset[str] = field(default_factory=frozenset)  # NOT NULL columns without a default


class Op(StrEnum):
    INSERT = "insert"
    UPSERT = "upsert"
    UPDATE = "update"
    DELETE = "delete"


class Fault(Enum):
    """What a driver error means for the batch."""

    RETRIABLE = auto()  # connection lost, deadlock, serialization failure: retry the batch
    DATA = auto()  # a row the database refuses: isolate it, report it, write the rest
    SCHEMA = auto()  # the table changed under us (column/table missing): re-read it and retry once
    FATAL = auto()  # no privilege, bad credentials, ...: fail the task with the message


@dataclass(frozen=True, slots=True)
class Write:
    """One statement's worth of rows: same table, same operation, same columns."""

    table: TableId
    op: Op
    columns: tuple[Column, ...]  # for DELETE: the key columns (and the sequence column)
    key: tuple[str, ...]  # names of the key columns (a prefix of `columns`)
    guard: str | None  # the sequence column, last of `columns`, when set
    rows: Sequence[Any]  # encoded by the dialect's encoder for these columns


class Dialect(ABC):
    """SQL types, identifiers and value encoding of one kind of database (stateless, shared by sessions)."""

    name: str

    def __init__(self, config: JdbcSinkConfig) -> None:
        self.config = config
        self.quoting = config.quote

    @abstractmethod
    def connect(self) -> Session:
        """Open a connection (raises the driver's error when it cannot)."""

    @abstractmethod
    def quote(self, name: str) -> str: ...

    def table_sql(self, table: TableId) -> str:
        return f"{self.quote(table.schema)}.{self.quote(table.name)}" if table.schema else self.quote(table.name)

    def normalize(self, name: str) -> str:
        """How a column name is compared with the table's."""
        return name.lower()

    @abstractmethod
    def type_name(self, column: Column, is_key: bool) -> str:
        """The SQL type of a column created for this field."""

    @abstractmethod
    def encoder(self, columns: Sequence[Column]) -> Callable[[tuple[Any, ...]], Any]:
        """Raw Connect values of a row (in column order) → what `Session.write` takes; raises DataException."""

    @abstractmethod
    def fault(self, exc: BaseException) -> Fault | None:
        """What a driver error means; None when it is not a database error at all."""

    @abstractmethod
    def is_missing_privilege(self, exc: BaseException) -> bool: ...

    def create_table_sql(self, table: TableId, columns: Sequence[Column], key: Sequence[str]) -> str:
        keys = set(key)
        parts = [
            f"{self.quote(c.name)} {self.type_name(c, c.name in keys)}"
            + ("" if c.optional and c.name not in keys else " NOT NULL")
            for c in columns
        ]
        if key:
            parts.append(f"PRIMARY KEY ({', '.join(self.quote(k) for k in key)})")
        return f"CREATE TABLE IF NOT EXISTS {self.table_sql(table)} ({', '.join(parts)})"

    def add_column_sql(self, table: TableId, column: Column) -> str:
        return (
            f"ALTER TABLE {self.table_sql(table)} ADD COLUMN {self.quote(column.name)} {self.type_name(column, False)}"
        )


class Session(ABC):
    """One database connection, used by one task thread."""

    dialect: Dialect

    @abstractmethod
    def describe(self, table: TableId) -> TableInfo | None:
        """The table as it is now, or None when it does not exist."""

    @abstractmethod
    def execute_ddl(self, sql: str) -> None:
        """Run a CREATE/ALTER outside any batch transaction (MariaDB commits DDL implicitly)."""

    @abstractmethod
    def begin(self) -> None: ...

    @abstractmethod
    def commit(self) -> None: ...

    @abstractmethod
    def rollback(self) -> None: ...

    @abstractmethod
    def savepoint(self) -> None: ...

    @abstractmethod
    def rollback_to_savepoint(self) -> None: ...

    @abstractmethod
    def release_savepoint(self) -> None: ...

    @abstractmethod
    def write(self, write: Write) -> None:
        """Apply one Write inside the current transaction."""

    @abstractmethod
    def truncate(self, table: TableId) -> None: ...

    @abstractmethod
    def missing_privileges(self, needed: set[str], tables: list[TableId]) -> list[str]:
        """Privileges (INSERT, UPDATE, DELETE, TRUNCATE, CREATE, ALTER) the user lacks, as sentences naming
        where; `tables` are the tables the config is known to write to."""

    @abstractmethod
    def close(self) -> None: ...
