"""End to end through the standalone worker: PostgreSQL → CDC source → Kafka → SQL sink → a second PostgreSQL
database and MariaDB, at once, with tables the sink creates.

After a seeded mixed workload (inserts, updates, primary key changes, deletes, a truncate, every common
type) both copies equal the source table; a column added upstream appears in both copies (auto.evolve).
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator

import psycopg
import pytest

from connect.runtime.herder import State
from connect.runtime.standalone import running
from tests.fixtures.pipeline import postgres_source
from tests.integration.connectors.jdbc.targets import Target, canonical, mariadb_target, postgres_target
from tests.support.kafka import wait_until

COLUMNS = [
    "id", "small", "i", "big", "r", "d", "n", "vn", "b", "t", "vc", "day", "tm", "ts", "ts3", "tstz", "js", "u",
    "by", "mood", "ints", "texts",
]  # fmt: skip
TABLE_SQL = """CREATE TABLE "{t}" (id bigint PRIMARY KEY, small smallint, i integer, big bigint, r real,
  d double precision, n numeric(12,3), vn numeric, b boolean, t text, vc varchar(20), day date, tm time,
  ts timestamp, ts3 timestamp(3), tstz timestamptz, js jsonb, u uuid, by bytea, mood "{t}_mood", ints int[],
  texts text[])"""
INSERT_SQL = f'INSERT INTO "{{t}}" ({", ".join(COLUMNS)}) VALUES ({", ".join(["%s"] * len(COLUMNS))})'


def random_row(rng: random.Random, key: int) -> tuple:
    """A row with every column set (or null, now and then), deterministic for the seed."""

    def maybe(value):
        return None if rng.random() < 0.1 else value

    return (
        key,
        maybe(rng.randint(-32768, 32767)),
        maybe(rng.randint(-(2**31), 2**31 - 1)),
        maybe(rng.randint(-(2**62), 2**62)),
        maybe(rng.randint(-1000, 1000) + 0.5),
        maybe(rng.random() * 1e6),
        maybe(f"{rng.randint(-(10**8), 10**8)}.{rng.randint(0, 999):03d}"),
        maybe(f"{rng.randint(0, 10**12)}.{rng.randint(0, 10**6)}"),
        maybe(rng.random() < 0.5),
        maybe("".join(rng.choice("abcxyz 'é\\\"🙂\n") for _ in range(rng.randint(0, 40)))),
        maybe(f"vc-{rng.randint(0, 999)}"),
        maybe(f"20{rng.randint(10, 40)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"),
        maybe(
            f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.{rng.randint(0, 999999):06d}"
        ),
        maybe(f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} 10:11:12.{rng.randint(0, 999999):06d}"),
        maybe(f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} 10:11:12.{rng.randint(0, 999):03d}"),
        maybe(f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} 10:11:12.{rng.randint(0, 999999):06d}+02"),
        maybe(psycopg.types.json.Jsonb({"k": rng.randint(0, 9), "tags": ["a", rng.choice("xyz")]})),
        maybe(f"{rng.getrandbits(128):032x}"),
        maybe(bytes(rng.randint(0, 255) for _ in range(rng.randint(0, 8)))),
        maybe(rng.choice(["sad", "ok", "happy"])),
        maybe([rng.randint(-5, 5) for _ in range(rng.randint(0, 4))]),
        maybe([rng.choice(["p", "q", "r s"]) for _ in range(rng.randint(0, 3))]),
    )


def source_rows(pg: psycopg.Connection, table: str, columns: list[str]) -> list[tuple]:
    cols = ", ".join(f'"{c}"' for c in columns)
    return [tuple(canonical(v) for v in row) for row in pg.execute(f'SELECT {cols} FROM "{table}" ORDER BY id')]


@pytest.fixture
def copies(services, sink_database, unique_name) -> Iterator[list[Target]]:
    found = [postgres_target(services, sink_database), mariadb_target(services)]
    yield found
    for target in found:
        target.drop(unique_name)


def test_a_table_is_replicated_into_postgres_and_mariadb_through_a_mixed_workload(
    pg, herder, copies, services, unique_name
):
    table, rng = unique_name, random.Random(25)
    pg.execute(f"""CREATE TYPE "{table}_mood" AS ENUM ('sad', 'ok', 'happy')""")
    try:
        pg.execute(TABLE_SQL.format(t=table))
        insert = INSERT_SQL.format(t=table)
        with pg.cursor() as cur:
            cur.executemany(insert, [random_row(rng, k) for k in range(1, 51)])  # the snapshot
        herder.put_connector_config(
            f"{unique_name}-pg",
            postgres_source(services, unique_name, table, **{"skipped.operations": "none"}),
            allow_replace=False,
        )
        common = {"topics": f"{unique_name}.public.{table}", "insert.mode": "upsert", "delete.enabled": "true"}
        common |= {"truncate.enabled": "true", "max.retries": "3", "retry.backoff.ms": "200"}
        postgres, mariadb = copies
        herder.put_connector_config(  # Confluent's names
            f"{unique_name}-to-pg",
            postgres.props(**common)
            | {"connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector", "pk.mode": "record_key"}
            | {"table.name.format": "${table}", "auto.create": "true", "auto.evolve": "true"},
            allow_replace=False,
        )
        herder.put_connector_config(  # Debezium's names
            f"{unique_name}-to-mariadb",
            mariadb.props(**common)
            | {"connector.class": "io.debezium.connector.jdbc.JdbcSinkConnector", "primary.key.mode": "record_key"}
            | {"collection.name.format": "${source.table}", "schema.evolution": "basic"},
            allow_replace=False,
        )
        for name in (f"{unique_name}-to-pg", f"{unique_name}-to-mariadb"):
            herder.wait_for(name, running)
        wait_until(
            lambda: all(len(t.rows(table, ["id"]) or ()) == 50 for t in copies),
            timeout=90,
            message="the snapshot copied",
        )

        with pg.cursor() as cur:  # streaming: a seeded mix of every kind of change
            cur.executemany(insert, [random_row(rng, k) for k in range(51, 151)])
            for k in rng.sample(range(1, 151), 40):
                row = random_row(rng, k)
                sets = ", ".join(f'"{c}" = %s' for c in COLUMNS[1:])
                cur.execute(f'UPDATE "{table}" SET {sets} WHERE id = %s', (*row[1:], k))
            cur.execute(f'UPDATE "{table}" SET id = id + 10000 WHERE id % 7 = 0')  # primary key changes
            cur.execute(f'DELETE FROM "{table}" WHERE id % 5 = 0')
        wait_until(
            lambda: all(t.rows(table, COLUMNS) == source_rows(pg, table, COLUMNS) for t in copies),
            timeout=90,
            message="both copies to equal the source after inserts, updates, key changes and deletes",
        )
        pg.execute(f'TRUNCATE "{table}"')
        with pg.cursor() as cur:
            cur.executemany(insert, [random_row(rng, k) for k in range(500, 530)])
            cur.execute(f'DELETE FROM "{table}" WHERE id < 505')
            cur.execute(f'UPDATE "{table}" SET t = %s, b = NULL WHERE id %% 3 = 0', ("updated after truncate",))
        expected = source_rows(pg, table, COLUMNS)
        assert len(expected) == 25
        wait_until(
            lambda: all(t.rows(table, COLUMNS) == expected for t in copies),
            timeout=90,
            message="both copies to equal the source after a truncate",
        )

        pg.execute(f'ALTER TABLE "{table}" ADD COLUMN added_later integer')  # auto.evolve
        pg.execute(f'UPDATE "{table}" SET added_later = id * 2 WHERE id % 2 = 0')
        pg.execute(
            insert.replace(") VALUES", ", added_later) VALUES").replace("%s)", "%s, %s)"), (*random_row(rng, 900), 7)
        )
        with_added = [*COLUMNS, "added_later"]
        wait_until(
            lambda: all(t.rows(table, with_added) == source_rows(pg, table, with_added) for t in copies),
            timeout=90,
            message="the added column in both copies",
        )
        for name in (f"{unique_name}-pg", f"{unique_name}-to-pg", f"{unique_name}-to-mariadb"):
            assert herder.connector_status(name).tasks[0].state is State.RUNNING
    finally:
        for name in (f"{unique_name}-to-pg", f"{unique_name}-to-mariadb", f"{unique_name}-pg"):
            with contextlib.suppress(Exception):  # never created
                herder.delete_connector(name)
        pg.execute(f'DROP TABLE IF EXISTS "{table}"')
        pg.execute(f'DROP TYPE IF EXISTS "{table}_mood"')
