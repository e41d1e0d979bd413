"""Dialects: every piece of SQL that differs between PostgreSQL and MariaDB/MySQL lives here."""

from __future__ import annotations

from connectors.jdbc.config import JdbcSinkConfig
from connectors.jdbc.dialects.base import Dialect, Fault, Op, Session, TableId, TableInfo, Write
from connectors.jdbc.url import Kind


def dialect_for(config: JdbcSinkConfig) -> Dialect:
    """The dialect of the database `connection.url` names (drivers are imported only when used)."""
    if config.url.kind is Kind.POSTGRES:
        from connectors.jdbc.dialects.postgres import PostgresDialect

        return PostgresDialect(config)
    from connectors.jdbc.dialects.mariadb import MariaDbDialect

    return MariaDbDialect(config)


__all__ = ["Dialect", "Fault", "Op", "Session", "TableId", "TableInfo", "Write", "dialect_for"]
