"""A recording Session for writer tests: remembers each Write, refuses rows it is told to refuse."""

from __future__ import annotations

from typing import Any

import psycopg

from connectors.jdbc.dialects import Session, TableId, TableInfo, Write


class RecordingSession(Session):
    def __init__(self, dialect: Any, tables: dict[TableId, TableInfo] | None = None, refuse: set[Any] = frozenset()):
        self.dialect = dialect
        self.tables = dict(tables or {})
        self.refuse = set(refuse)  # encoded rows the "database" refuses
        self.log: list[tuple[str, Any]] = []
        self.committed: list[tuple[str, Any]] = []
        self._pending: list[list[tuple[str, Any]]] = [[]]

    def describe(self, table: TableId) -> TableInfo | None:
        return self.tables.get(table)

    def execute_ddl(self, sql: str) -> None:
        self.log.append(("ddl", sql))

    def begin(self) -> None:
        self._pending = [[]]

    def commit(self) -> None:
        self.committed += [item for level in self._pending for item in level]
        self._pending = [[]]

    def rollback(self) -> None:
        self._pending = [[]]

    def savepoint(self) -> None:
        self._pending.append([])

    def rollback_to_savepoint(self) -> None:
        self._pending.pop()

    def release_savepoint(self) -> None:
        inner = self._pending.pop()
        self._pending[-1] += inner

    def write(self, write: Write) -> None:
        bad = [r for r in write.rows if _frozen(r) in self.refuse]
        if bad:
            raise psycopg.errors.NumericValueOutOfRange(f"refused {bad[0]}")
        self._pending[-1].append((write.op.value, (str(write.table), [tuple(r) for r in write.rows])))

    def truncate(self, table: TableId) -> None:
        self._pending[-1].append(("truncate", str(table)))

    def missing_privileges(self, needed: set[str], tables: list[TableId]) -> list[str]:
        return []

    def close(self) -> None:
        pass


def _frozen(row: Any) -> Any:
    return tuple(row)
