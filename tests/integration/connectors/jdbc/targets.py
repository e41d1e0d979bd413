"""The databases the SQL sink writes to in tests: a second PostgreSQL database and MariaDB, read back as
comparable Python values."""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pymysql
import pytest

SINK_DB = "sluice_sink"  # the second PostgreSQL database, beside the source's


@dataclass
class Target:
    """One database the sink writes to, with what tests need to read it back."""

    kind: str  # "postgres" | "mariadb"
    url: str
    user: str
    password: str
    connect: Callable[[], Any]

    def props(self, **more: str) -> dict[str, str]:
        return {"connection.url": self.url, "connection.user": self.user, "connection.password": self.password, **more}

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        conn = self.connect()
        try:
            with conn.cursor() as cur:
                cur.execute(sql)
                rows = list(cur.fetchall()) if cur.description else []
            conn.commit()
            return rows
        finally:
            conn.close()

    def quote(self, name: str) -> str:
        return f"`{name}`" if self.kind == "mariadb" else f'"{name}"'

    def rows(self, table: str, columns: list[str], key: str = "id") -> list[tuple[Any, ...]] | None:
        """The table's rows, ordered by key, as canonical values (see canonical()); None while the table
        or one of the columns does not exist yet."""
        if not self.exists(table) or not set(columns) <= set(self.columns(table)):
            return None
        cols = ", ".join(self.quote(c) for c in columns)
        return [
            tuple(canonical(v) for v in row)
            for row in self.query(f"SELECT {cols} FROM {self.quote(table)} ORDER BY {self.quote(key)}")
        ]

    def exists(self, table: str) -> bool:
        if self.kind == "mariadb":
            return bool(
                self.query(
                    f"SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
                    f"AND TABLE_NAME = '{table}'"
                )
            )
        return bool(self.query(f"SELECT to_regclass('public.\"{table}\"') IS NOT NULL")[0][0])

    def columns(self, table: str) -> list[str]:
        if self.kind == "mariadb":
            sql = (
                "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
                f"AND TABLE_NAME = '{table}'"
            )
        else:
            sql = f"SELECT column_name FROM information_schema.columns WHERE table_name = '{table}'"
        return sorted(r[0] for r in self.query(sql))

    def drop(self, table: str) -> None:
        self.query(f"DROP TABLE IF EXISTS {self.quote(table)}")


def canonical(value: Any) -> Any:
    """One form per value whatever the database returned it as: MariaDB's JSON text and 0/1 booleans,
    TIME as timedelta, timestamps with zones in UTC, ..."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, dt.timedelta):  # pymysql reads TIME as a timedelta
        return (dt.datetime.min + value).time()
    if isinstance(value, dt.time):
        return value.replace(tzinfo=None)
    if isinstance(value, decimal.Decimal):
        return value.normalize() if value.is_finite() else value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (memoryview, bytearray)):
        return bytes(value)
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return canonical(json.loads(value))
        except ValueError:
            return value
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, list):
        return json.dumps([canonical(v) for v in value], sort_keys=True, default=str)
    return value


@pytest.fixture(scope="session")
def sink_database(services) -> str:
    """A second PostgreSQL database for the sink, beside the one the source reads."""
    with psycopg.connect(services.pg_dsn, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (SINK_DB,)).fetchone() is None:
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):  # another session made it meanwhile
                conn.execute(f"CREATE DATABASE {SINK_DB}")
    return SINK_DB


def postgres_target(services, database: str) -> Target:
    return Target(
        "postgres",
        f"jdbc:postgresql://{services.pg_host}:{services.pg_port}/{database}",
        services.pg_user,
        services.pg_password,
        lambda: psycopg.connect(
            host=services.pg_host,
            port=services.pg_port,
            user=services.pg_user,
            password=services.pg_password,
            dbname=database,
        ),
    )


def mariadb_target(services) -> Target:
    return Target(
        "mariadb",
        f"jdbc:mariadb://{services.mariadb_host}:{services.mariadb_port}/{services.mariadb_db}",
        services.mariadb_user,
        services.mariadb_password,
        lambda: pymysql.connect(
            host=services.mariadb_host,
            port=services.mariadb_port,
            user=services.mariadb_user,
            password=services.mariadb_password,
            database=services.mariadb_db,
            charset="utf8mb4",
        ),
    )


@pytest.fixture(params=["postgres", "mariadb"])
def target(request, services, sink_database, unique_name) -> Iterator[Target]:
    found = postgres_target(services, sink_database) if request.param == "postgres" else mariadb_target(services)
    yield found
    found.drop(unique_name)
