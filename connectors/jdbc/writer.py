"""One batch of changes → one transaction: reduce per key, group into statements, isolate rows the database refuses.

Within a batch only the last change of each key matters (a truncate wipes what came before it in
its table), so each table gets at most one TRUNCATE, one DELETE and one write per column set. When
the database refuses a row, the transaction is rolled back and the changes are applied again in
halves under savepoints, down to the single records that fail: those are returned for the error
handling and the rest is committed. Applying contiguous halves in order keeps the batch's meaning.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from connect.data import SinkRecord
from connect.errors import ConnectException, DataException
from connectors.jdbc.config import InsertMode, JdbcSinkConfig
from connectors.jdbc.convert import Action, Change, Plan
from connectors.jdbc.dialects import Dialect, Fault, Op, Session, TableId, Write
from connectors.jdbc.tables import TableManager

log = logging.getLogger(__name__)
_OPS = {InsertMode.INSERT: Op.INSERT, InsertMode.UPSERT: Op.UPSERT, InsertMode.UPDATE: Op.UPDATE}


class Transient(Exception):
    """The batch failed for a reason a retry may cure (connection lost, deadlock, table changed)."""


@dataclass(slots=True)
class _TableChanges:
    truncate: bool = False
    keyed: dict[Any, Change] = field(default_factory=dict)
    unkeyed: list[Change] = field(default_factory=list)


class BatchWriter:
    """Writes batches of changes through a session; one instance per task."""

    def __init__(self, config: JdbcSinkConfig, dialect: Dialect, tables: TableManager) -> None:
        self.config = config
        self.dialect = dialect
        self.tables = tables
        self._op = _OPS[config.insert_mode]
        self._guarded = config.sequence_column is not None

    def write(self, session: Session, changes: list[Change]) -> list[tuple[SinkRecord, DataException]]:
        """Apply the changes in one transaction; the records refused, with why. Raises Transient or
        ConnectException (a failure no record can fix: privileges, schema without auto.evolve)."""
        rejected: list[tuple[SinkRecord, DataException]] = []
        with self._faults():
            changes = self._prepare(session, changes)
            session.begin()
            try:
                try:
                    self._apply(session, changes)
                except Exception as exc:
                    if self.dialect.fault(exc) is not Fault.DATA:
                        raise
                    log.info("a row of the batch was refused (%s); isolating it", str(exc).strip())
                    session.rollback()
                    session.begin()
                    self._isolate(session, changes, rejected)
                session.commit()
            except BaseException:
                _quietly(session.rollback)
                raise
        return rejected

    # -- preparing ----------------------------------------------------------------------------
    def _prepare(self, session: Session, changes: list[Change]) -> list[Change]:
        """Make the tables fit (DDL runs before the batch's transaction); drop deletes and truncates of
        tables that do not exist, which have nothing to remove."""
        plans: dict[int, Plan] = {}
        absent: set[TableId] = set()
        for change in changes:
            if change.action is Action.WRITE:
                assert change.plan is not None
                plans.setdefault(id(change.plan), change.plan)
        for plan in plans.values():
            self.tables.ensure(session, plan)
        for change in changes:
            table = change.table
            if change.action is not Action.WRITE and table not in absent and not self.tables.exists(session, table):
                absent.add(table)
        if not absent:
            return changes
        return [c for c in changes if c.action is Action.WRITE or c.table not in absent]

    # -- applying ---------------------------------------------------------------------------
    def _apply(self, session: Session, changes: list[Change]) -> None:
        for table, todo in self._reduce(changes).items():
            if todo.truncate:
                session.truncate(table)
            for write in self._writes(table, todo):
                session.write(write)

    def _reduce(self, changes: list[Change]) -> dict[TableId, _TableChanges]:
        tables: dict[TableId, _TableChanges] = {}
        guarded = self._guarded
        for change in changes:
            todo = tables.get(change.table)
            if todo is None:
                todo = tables[change.table] = _TableChanges()
            if change.action is Action.TRUNCATE:
                todo.truncate = True
                todo.keyed.clear()
                todo.unkeyed.clear()
                continue
            key = change.key
            if key is None:
                todo.unkeyed.append(change)
                continue
            try:
                previous = todo.keyed.pop(key, None)
            except TypeError:  # a key value that cannot be hashed (e.g. a list)
                key = repr(key)
                previous = todo.keyed.pop(key, None)
            if guarded and previous is not None and (previous.seq or 0) > (change.seq or 0):
                change = previous  # the older-in-the-batch change is newer at the source: keep it
            todo.keyed[key] = change
        return tables

    def _writes(self, table: TableId, todo: _TableChanges) -> Iterator[Write]:
        groups: dict[tuple[Action, int], tuple[Plan, list[Any]]] = {}
        for change in (*todo.keyed.values(), *todo.unkeyed):
            assert change.plan is not None
            group = groups.get((change.action, id(change.plan)))
            if group is None:
                group = groups[(change.action, id(change.plan))] = (change.plan, [])
            group[1].append(change.row)
        size = self.config.batch_size
        # Deletes first: after reduction they touch other keys than the writes, and a DELETE before an
        # INSERT is what a replayed delete-then-reinsert (a primary key change) needs.
        for (action, _), (plan, rows) in sorted(groups.items(), key=lambda item: item[0][0] is Action.WRITE):
            op, columns = (Op.DELETE, plan.key_columns) if action is Action.DELETE else (self._op, plan.columns)
            for start in range(0, len(rows), size):
                yield Write(table, op, columns, plan.key, plan.guard, rows[start : start + size])

    def _isolate(self, session: Session, changes: list[Change], rejected: list) -> None:
        """Apply `changes` under a savepoint; on a refused row, split in halves down to the culprits."""
        session.savepoint()
        try:
            self._apply(session, changes)
        except Exception as exc:
            if self.dialect.fault(exc) is not Fault.DATA and not isinstance(exc, DataException):
                raise
            session.rollback_to_savepoint()
            if len(changes) == 1:
                reason = f"{self.dialect.name} refused the row for table {changes[0].table}: {str(exc).strip()}"
                rejected.append((changes[0].record, DataException(reason)))
                return
            middle = len(changes) // 2
            self._isolate(session, changes[:middle], rejected)
            self._isolate(session, changes[middle:], rejected)
            return
        session.release_savepoint()

    # -- errors -------------------------------------------------------------------------------
    @contextmanager
    def _faults(self) -> Iterator[None]:
        """Driver errors out of a batch → Transient (retry) or ConnectException (fail the task, saying why)."""
        try:
            yield
        except (ConnectException, Transient):
            raise
        except Exception as exc:
            fault = self.dialect.fault(exc)
            if fault is None:
                raise
            message, where = str(exc).strip(), self.config.url.where
            if fault is Fault.RETRIABLE:
                raise Transient(f"{self.dialect.name} at {where}: {message}") from exc
            if fault is Fault.SCHEMA:
                self.tables.forget()  # someone changed a table: read them again, then retry
                raise Transient(f"a table changed while writing ({message}); reading it again") from exc
            if self.dialect.is_missing_privilege(exc):
                raise ConnectException(
                    f"the user {self.config.user!r} lacks a privilege on {where}: {message}"
                ) from exc
            raise ConnectException(f"{self.dialect.name} at {where} refused the batch: {message}") from exc


def _quietly(action: Any) -> None:
    try:
        action()
    except Exception as exc:  # the connection may be gone already
        log.debug("ignored during cleanup: %s", exc)
