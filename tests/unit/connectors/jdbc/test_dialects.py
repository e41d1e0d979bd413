"""Dialects: SQL types for each column kind, identifiers, MariaDB's SQL literals, db.timezone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connect.errors import DataException
from connectors.jdbc.columns import Column, Kind
from connectors.jdbc.config import JdbcSinkConfig
from connectors.jdbc.dialects import TableId
from connectors.jdbc.dialects.mariadb import MariaDbDialect
from connectors.jdbc.dialects.postgres import PostgresDialect


def dialects(**props: str) -> tuple[PostgresDialect, MariaDbDialect]:
    pg = JdbcSinkConfig.parse({"connection.url": "jdbc:postgresql://h/db", **props})
    maria = JdbcSinkConfig.parse({"connection.url": "jdbc:mariadb://h/db", **props})
    return PostgresDialect(pg), MariaDbDialect(maria)


COLUMNS = [
    (Column("a", Kind.DECIMAL, precision=12, scale=3), "numeric(12,3)", "DECIMAL(12,3)"),
    (Column("a", Kind.DECIMAL, scale=2), "numeric", "DECIMAL(65,2)"),
    (Column("a", Kind.TIMESTAMP_MICROS), "timestamp(6)", "DATETIME(6)"),
    (Column("a", Kind.TIMESTAMP_MILLIS), "timestamp(3)", "DATETIME(3)"),
    (Column("a", Kind.ZONED_TIMESTAMP, precision=6), "timestamptz", "DATETIME(6)"),
    (Column("a", Kind.JSON), "jsonb", "JSON"),
    (Column("a", Kind.UUID), "uuid", "CHAR(36)"),
    (Column("a", Kind.ARRAY, element=Column("a", Kind.INT32)), "integer[]", "JSON"),
    (Column("a", Kind.STRING), "text", "LONGTEXT"),
]


@pytest.mark.parametrize(("column", "pg_type", "maria_type"), COLUMNS)
def test_types(column, pg_type, maria_type):
    pg, maria = dialects()
    assert (pg.type_name(column, False), maria.type_name(column, False)) == (pg_type, maria_type)


def test_key_columns_get_indexable_types_in_mariadb_and_ddl_quotes_per_setting():
    pg, maria = dialects()
    assert maria.type_name(Column("k", Kind.STRING), True) == "VARCHAR(255)"
    columns = [Column("Id", Kind.INT64, False), Column("note", Kind.STRING)]
    assert pg.create_table_sql(TableId("s", "T"), columns, ["Id"]) == (
        'CREATE TABLE IF NOT EXISTS "s"."T" ("Id" bigint NOT NULL, "note" text, PRIMARY KEY ("Id"))'
    )
    bare, _ = dialects(**{"quote.sql.identifiers": "never"})
    assert bare.add_column_sql(TableId(None, "t"), columns[1]) == "ALTER TABLE t ADD COLUMN note text"
    assert maria.create_table_sql(TableId(None, "t"), columns, ["Id"]).endswith("COLLATE=utf8mb4_bin")


def unquote(literal: str) -> str:
    """MariaDB's reading of a quoted string literal with backslash escapes."""
    assert literal[0] == literal[-1] == "'"
    escapes = {"0": "\0", "n": "\n", "r": "\r", "Z": "\x1a", "'": "'", '"': '"', "\\": "\\"}
    out, chars = [], iter(literal[1:-1])
    for c in chars:
        if c == "\\":
            out.append(escapes[next(chars)])
        else:
            assert c != "'", "an unescaped quote ends the literal early"
            out.append(c)
    return "".join(out)


@given(st.text())
def test_mariadb_string_literals_read_back_as_the_text(text):
    _, maria = dialects()
    (literal,) = maria.encoder([Column("s", Kind.STRING)])((text,))
    assert unquote(literal) == text


def test_mariadb_literals_of_each_kind():
    _, maria = dialects()
    columns = [
        Column("i", Kind.INT64),
        Column("f", Kind.FLOAT64),
        Column("b", Kind.BOOLEAN),
        Column("d", Kind.DECIMAL),
        Column("x", Kind.BYTES),
        Column("day", Kind.DATE_DAYS),
        Column("z", Kind.ZONED_TIMESTAMP),
        Column("j", Kind.DOCUMENT),
        Column("n", Kind.STRING),
    ]
    row = (5, 0.5, True, Decimal("1.50"), b"\x00'", 1, "2026-12-03T10:00:00.5Z", {"a": [1]}, None)
    assert maria.encoder(columns)(row) == (
        "5", "0.5", "1", "1.50", "X'0027'", "'1970-01-02'", "'2026-12-03 10:00:00.5'", """'{\\"a\\":[1]}'""", "NULL",
    )  # fmt: skip
    with pytest.raises(DataException, match="inf"):
        maria.encoder([Column("f", Kind.FLOAT64)])((float("inf"),))


def test_db_timezone_gives_wall_clock_timestamps():
    pg, maria = dialects(**{"db.timezone": "Europe/Paris"})
    micros = Column("m", Kind.TIMESTAMP_MICROS)
    zoned = Column("z", Kind.ZONED_TIMESTAMP)
    assert pg.encoder([micros])((1_764_756_930_000_000,)) == [dt.datetime(2025, 12, 3, 11, 15, 30)]
    assert maria.encoder([micros, zoned])((1_764_756_930_000_000, "2025-07-01T10:00:00Z")) == (
        "'2025-12-03 11:15:30'",
        "'2025-07-01 12:00:00'",
    )
