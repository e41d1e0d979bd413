"""Tables as the records need them: create a missing one (auto.create), add missing columns (auto.evolve),
or fail naming the table and the column. Checked once per plan, re-read when the database says it changed."""

from __future__ import annotations

import logging

from connect.errors import ConnectException
from connectors.jdbc.config import InsertMode, JdbcSinkConfig
from connectors.jdbc.convert import Plan
from connectors.jdbc.dialects import Dialect, Session, TableId, TableInfo

log = logging.getLogger(__name__)


class TableManager:
    """Knows the tables a task writes to; one instance per task."""

    def __init__(self, config: JdbcSinkConfig, dialect: Dialect) -> None:
        self.config = config
        self.dialect = dialect
        self._tables: dict[TableId, TableInfo | None] = {}
        self._checked: dict[int, Plan] = {}  # plans already known to fit their table, by identity

    def forget(self, table: TableId | None = None) -> None:
        """Re-read the table (all tables when None) before the next write: it changed under us."""
        if table is None:
            self._tables.clear()
            self._checked.clear()
            return
        self._tables.pop(table, None)
        self._checked = {k: p for k, p in self._checked.items() if p.table != table}

    def exists(self, session: Session, table: TableId) -> bool:
        return self._info(session, table) is not None

    def ensure(self, session: Session, plan: Plan) -> None:
        """Make the table fit the plan's columns, or raise ConnectException saying what is wrong."""
        if self._checked.get(id(plan)) is plan:
            return
        info = self._info(session, plan.table)
        if info is None:
            info = self._create(session, plan)
        missing = [c for c in plan.columns if self.dialect.normalize(c.name) not in info.columns]
        if missing:
            info = self._evolve(session, plan, info, missing)
        self._check_fit(plan, info)
        self._checked[id(plan)] = plan

    def _info(self, session: Session, table: TableId) -> TableInfo | None:
        if table not in self._tables:
            self._tables[table] = session.describe(table)
        return self._tables[table]

    def _create(self, session: Session, plan: Plan) -> TableInfo:
        if not self.config.auto_create:
            raise ConnectException(
                f"table {plan.table} does not exist in {self.config.url.where}; create it, or set auto.create=true"
            )
        sql = self.dialect.create_table_sql(plan.table, plan.columns, plan.key)
        log.info("creating table %s: %s", plan.table, sql)
        session.execute_ddl(sql)
        return self._reread(session, plan.table)

    def _evolve(self, session: Session, plan: Plan, info: TableInfo, missing: list) -> TableInfo:
        names = ", ".join(repr(c.name) for c in missing)
        if not self.config.auto_evolve:
            raise ConnectException(
                f"table {plan.table} has no column {names} for the record field of the same name; add it, or set "
                "auto.evolve=true to have the sink add it"
            )
        for column in missing:
            sql = self.dialect.add_column_sql(plan.table, column)
            log.info("adding column %r to table %s: %s", column.name, plan.table, sql)
            try:
                session.execute_ddl(sql)
            except Exception:
                session.rollback()
                # Another task may have added it meanwhile: only a column still missing is an error.
                if self.dialect.normalize(column.name) not in self._reread(session, plan.table).columns:
                    raise
        return self._reread(session, plan.table)

    def _reread(self, session: Session, table: TableId) -> TableInfo:
        info = session.describe(table)
        if info is None:
            raise ConnectException(f"table {table} is still missing after CREATE TABLE")
        self._tables[table] = info
        return info

    def _check_fit(self, plan: Plan, info: TableInfo) -> None:
        """Refuse what every row would fail on anyway, naming the column, rather than dead-letter every row."""
        written = {self.dialect.normalize(c.name) for c in plan.columns}
        required = sorted(n for n in info.required if self.dialect.normalize(n) not in written)
        if required and self.config.insert_mode is not InsertMode.UPDATE:
            raise ConnectException(
                f"table {plan.table} has NOT NULL column(s) {required} without a default that the records of this "
                "topic do not carry"
            )
        if self.config.insert_mode is InsertMode.UPSERT and not info.key:
            raise ConnectException(
                f"table {plan.table} has no primary key; upserts need one on {list(plan.key)} (pk.mode="
                f"{self.config.pk_mode.value})"
            )
        if self.config.insert_mode is InsertMode.UPSERT:
            theirs = sorted(self.dialect.normalize(k) for k in info.key)
            ours = sorted(self.dialect.normalize(k) for k in plan.key)
            if theirs != ours:
                raise ConnectException(
                    f"table {plan.table} has primary key {list(info.key)} but pk.mode={self.config.pk_mode.value} "
                    f"gives {list(plan.key)}: upserts need the same key"
                )
