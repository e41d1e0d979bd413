"""Test helper: drop a replication slot once its walsender let go of it (a slot left behind pins WAL)."""

from __future__ import annotations

import time

import psycopg


def drop_slot(pg: psycopg.Connection, name: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        row = pg.execute("SELECT active_pid FROM pg_replication_slots WHERE slot_name = %s", (name,)).fetchone()
        if row is None:
            return
        if row[0] is None:
            pg.execute("SELECT pg_drop_replication_slot(%s)", (name,))
            return
        if time.monotonic() > deadline:
            pg.execute("SELECT pg_terminate_backend(%s)", (row[0],))
            deadline = time.monotonic() + timeout
        time.sleep(0.05)
