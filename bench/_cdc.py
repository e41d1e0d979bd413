"""What the CDC benches share: BENCH.md's table and its rows, our source's config, waiting for its slot."""

from __future__ import annotations

import time
from collections.abc import Mapping

import psycopg

# BENCH.md's 10-column table, and rows for ids lo..hi of it.
TABLE_SQL = """CREATE TABLE {t} (id bigint PRIMARY KEY, i int, l bigint, n numeric, d double precision,
  b boolean, s text, v varchar(64), ts timestamptz, j jsonb)"""
INSERT_SQL = """INSERT INTO {t} SELECT g, g % 1000, g * 7, g / 3.0, g * 0.5, g % 2 = 0, 'text value ' || g,
  'varchar ' || g, now(), jsonb_build_object('k', g, 'tag', 'x') FROM generate_series({lo}, {hi}) g"""


def connector_config(pg: Mapping[str, object], name: str, table: str, mode: str) -> dict[str, str]:
    """Our Postgres source on `public.<table>`, with its own slot and publication (dropped when it stops)."""
    return {
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
        "database.hostname": str(pg.get("host", "127.0.0.1")),
        "database.port": str(pg.get("port", 5432)),
        "database.user": str(pg["user"]),
        "database.password": str(pg.get("password", "")),
        "database.dbname": str(pg["dbname"]),
        "topic.prefix": name,
        "slot.name": name,
        "publication.name": name,
        "publication.autocreate.mode": "filtered",
        "table.include.list": f"public.{table}",
        "snapshot.mode": mode,
        "slot.drop.on.stop": "true",
    }


def wait_streaming(conn: psycopg.Connection, slot: str, timeout: float = 60.0) -> float:
    """Wait until a replication slot's walsender streams; the monotonic time it did.

    A slot being created is already listed as active, while Postgres waits out every transaction open on
    the server: a row committed before its consistent point is never streamed.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = conn.execute(
            "SELECT r.state = 'streaming' FROM pg_replication_slots s "
            "JOIN pg_stat_replication r ON r.pid = s.active_pid WHERE s.slot_name = %s",
            (slot,),
        ).fetchone()
        if row and row[0]:
            return time.monotonic()
        time.sleep(0.01)
    raise TimeoutError(f"slot {slot} was not streaming within {timeout:g} s{slot_blockers(conn, slot)}")


def slot_blockers(conn: psycopg.Connection, slot: str) -> str:
    """What a slot still being created waits for: the sessions whose open transactions hold it up."""
    rows = conn.execute(
        """SELECT b.pid, b.application_name, b.state, extract(epoch FROM now() - b.xact_start), left(b.query, 80)
           FROM pg_replication_slots s, pg_stat_activity b
           WHERE s.slot_name = %s AND b.pid = ANY(pg_blocking_pids(s.active_pid))""",
        (slot,),
    ).fetchall()
    if not rows:
        return ""
    return "; it is still being created, waiting for transactions open elsewhere on the server to end: " + ", ".join(
        f"pid {pid} ({app or 'no application_name'}, {state}, open {age or 0:.0f} s: {query})"
        for pid, app, state, age, query in rows
    )
