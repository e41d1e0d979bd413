"""SQL sink bench: upserted rows/s into PostgreSQL and MariaDB, each beside the driver's fastest bulk path.

    python bench/jdbc_sink.py [--rows 100000] [--put 500] [--rounds 2] [--only postgres|mariadb]

BENCH.md's 10-column table (bigint key, int, bigint, numeric(20,2), double, bool, text, varchar,
timestamptz, json). Each phase upserts N rows into an empty table, then the same N keys again with
changed values (so half the rows are inserts and half updates), `--put` rows per transaction:
(1) the limit: the driver writing the same rows, already as Python tuples, by its fastest bulk
    method — psycopg: COPY into a temp table + INSERT ... ON CONFLICT, and executemany in pipeline
    mode; PyMySQL: executemany (multi-row INSERT ... ON DUPLICATE KEY UPDATE), and LOAD DATA LOCAL
    INFILE into a temp table + INSERT ... SELECT ... ON DUPLICATE KEY UPDATE; the best counts;
(2) the sink task's put path (insert.mode=upsert, pk.mode=record_key, auto.create) given Debezium
    change events with schemas, as JsonConverter hands them over from our Postgres source.
Phases run interleaved in fresh processes (own peak RSS); the best of `--rounds` counts. Prints
rows/s, the ratio (goal >= 60%) and peak RSS, with how much of it is beyond the input built before
the clock starts (100k change events with schemas weigh ~90 MB in the sink phase).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
import uuid
from decimal import Decimal
from typing import Any

from _measure import in_process, peak_rss_mb

from connect.data import Schema, SinkRecord, Type
from connect.data.logical import decimal_schema

PG = "postgresql://sluice:sluice@127.0.0.1:15432/sluice"
MARIADB = dict(host="127.0.0.1", port=13306, user="sluice", password="sluice", database="sluice")
COLUMNS = ("id", "i", "l", "n", "d", "b", "s", "v", "ts", "j")
PG_DDL = """CREATE TABLE {t} (id bigint PRIMARY KEY, i integer, l bigint, n numeric(20,2), d double precision,
  b boolean, s text, v text, ts timestamptz, j jsonb)"""
MARIADB_DDL = """CREATE TABLE {t} (id bigint PRIMARY KEY, i int, l bigint, n decimal(20,2), d double, b boolean,
  s longtext, v longtext, ts datetime(6), j json) DEFAULT CHARSET=utf8mb4"""


def values(i: int, generation: int) -> dict[str, Any]:
    return {
        "id": i,
        "i": (i + generation) % 1000,
        "l": i * 7 + generation,
        "n": Decimal(f"{i}.{(i + generation) % 100:02d}"),
        "d": i * 0.5 + generation,
        "b": (i + generation) % 2 == 0,
        "s": f"text value {i} generation {generation}",
        "v": f"varchar {i}",
        "ts": f"2026-11-23T08:{generation % 60:02d}:03.120000Z",
        "j": f'{{"k": {i}, "tag": "x{generation}"}}',
    }


def _schemas() -> tuple[Schema, Schema]:
    optional = {
        "i": Schema(Type.INT32, True),
        "l": Schema(Type.INT64, True),
        "n": decimal_schema(2, optional=True).with_(parameters={"scale": "2", "connect.decimal.precision": "20"}),
        "d": Schema(Type.FLOAT64, True),
        "b": Schema(Type.BOOLEAN, True),
        "s": Schema(Type.STRING, True),
        "v": Schema(Type.STRING, True),
        "ts": Schema(Type.STRING, True, name="io.debezium.time.ZonedTimestamp", version=1),
        "j": Schema(Type.STRING, True, name="io.debezium.data.Json", version=1),
    }
    row = Schema.struct("bench.public.t.Value", [("id", Schema(Type.INT64)), *optional.items()], optional=True)
    source = Schema.struct("io.debezium.connector.postgresql.Source", [("lsn", Schema(Type.INT64, True))])
    envelope = Schema.struct(
        "bench.public.t.Envelope",
        [("before", row), ("after", row), ("source", source), ("op", Schema(Type.STRING))],
    )
    return Schema.struct("bench.public.t.Key", [("id", Schema(Type.INT64))]), envelope


def records(topic: str, n: int) -> list[SinkRecord]:
    key_schema, envelope = _schemas()
    out = []
    for generation in (0, 1):
        for i in range(n):
            value = {
                "before": None,
                "after": values(i, generation),
                "source": {"lsn": i},
                "op": "c" if not generation else "u",
            }
            out.append(SinkRecord(topic, 0, key_schema, {"id": i}, envelope, value, generation * n + i))
    return out


def tuples(n: int, mariadb: bool) -> list[tuple[Any, ...]]:
    out = []
    for generation in (0, 1):
        for i in range(n):
            row = values(i, generation)
            ts = dt.datetime(2026, 11, 23, 8, generation % 60, 3, 120000, tzinfo=dt.UTC)
            row["ts"] = ts.replace(tzinfo=None) if mariadb else ts
            out.append(tuple(row[c] for c in COLUMNS))
    return out


# -- PostgreSQL --------------------------------------------------------------------------------
def pg_limit(table: str, n: int, put: int, method: str, out: Any) -> None:
    import psycopg

    rows = tuples(n, mariadb=False)
    before = peak_rss_mb()
    cols = ", ".join(COLUMNS)
    update = ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS[1:])
    with psycopg.connect(PG) as conn:
        conn.execute(PG_DDL.format(t=table))
        conn.execute(f"CREATE TEMP TABLE stage ON COMMIT DELETE ROWS AS SELECT {cols} FROM {table} WITH NO DATA")
        conn.commit()
        marks = ", ".join(["%s"] * len(COLUMNS))
        sql = f"INSERT INTO {table} ({cols}) VALUES ({marks}) ON CONFLICT (id) DO UPDATE SET {update}"
        start = time.perf_counter()
        for lo in range(0, len(rows), put):
            with conn.cursor() as cur:
                if method == "copy":
                    with cur.copy(f"COPY stage ({cols}) FROM STDIN") as copy:
                        for row in rows[lo : lo + put]:
                            copy.write_row(row)
                    cur.execute(f"INSERT INTO {table} SELECT {cols} FROM stage ON CONFLICT (id) DO UPDATE SET {update}")
                else:
                    cur.executemany(sql, rows[lo : lo + put])
            conn.commit()
        elapsed = time.perf_counter() - start
        assert conn.execute(f"SELECT count(*), sum(i) FROM {table}").fetchone() == (n, expected_sum(n)), "rows differ"
        conn.execute(f"DROP TABLE {table}")
    out.put((len(rows) / elapsed, peak_rss_mb(), before))


def expected_sum(n: int) -> int:
    return sum(values(i, 1)["i"] for i in range(n))


def sink_phase(url: str, table: str, n: int, put: int, out: Any) -> None:
    from connectors.jdbc.sink import JdbcSinkTask

    batch = records(table, n)
    before = peak_rss_mb()
    task = JdbcSinkTask()
    task.start(
        {
            "connection.url": url,
            "connection.user": "sluice",
            "connection.password": "sluice",
            "insert.mode": "upsert",
            "pk.mode": "record_key",
            "auto.create": "true",
        }
    )
    start = time.perf_counter()
    for lo in range(0, len(batch), put):
        task.put(batch[lo : lo + put])
    elapsed = time.perf_counter() - start
    check(url, table, n)
    task.stop()
    out.put((len(batch) / elapsed, peak_rss_mb(), before))


def check(url: str, table: str, n: int) -> None:
    if url.startswith("jdbc:postgresql"):
        import psycopg

        with psycopg.connect(PG, autocommit=True) as conn:
            assert conn.execute(f"SELECT count(*), sum(i) FROM {table}").fetchone() == (n, expected_sum(n))
            conn.execute(f"DROP TABLE {table}")
        return
    import pymysql

    conn = pymysql.connect(**MARIADB, autocommit=True)
    with conn.cursor() as cur:
        cur.execute(f"SELECT count(*), sum(i) FROM {table}")
        assert tuple(int(v) for v in cur.fetchone()) == (n, expected_sum(n))
        cur.execute(f"DROP TABLE {table}")
    conn.close()


# -- MariaDB -----------------------------------------------------------------------------------
def mariadb_limit(table: str, n: int, put: int, method: str, out: Any) -> None:
    import pymysql

    rows = tuples(n, mariadb=True)
    before = peak_rss_mb()
    cols = ", ".join(COLUMNS)
    update = ", ".join(f"{c} = VALUES({c})" for c in COLUMNS[1:])
    conn = pymysql.connect(**MARIADB, local_infile=True, charset="utf8mb4")
    with conn.cursor() as cur:
        cur.execute(MARIADB_DDL.format(t=table))
        cur.execute(f"CREATE TEMPORARY TABLE stage LIKE {table}")
        conn.commit()
        sql = (
            f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(COLUMNS))}) ON DUPLICATE KEY UPDATE {update}"
        )
        path = os.path.join(tempfile.gettempdir(), f"{table}.tsv")
        start = time.perf_counter()
        for lo in range(0, len(rows), put):
            if method == "load":
                with open(path, "w") as f:
                    f.write("\n".join("\t".join(_tsv(v) for v in row) for row in rows[lo : lo + put]))
                cur.execute("DELETE FROM stage")
                cur.execute(f"LOAD DATA LOCAL INFILE '{path}' INTO TABLE stage ({cols})")
                cur.execute(f"INSERT INTO {table} SELECT * FROM stage ON DUPLICATE KEY UPDATE {update}")
            else:
                cur.executemany(sql, rows[lo : lo + put])
            conn.commit()
        elapsed = time.perf_counter() - start
        os.unlink(path) if os.path.exists(path) else None
        cur.execute(f"SELECT count(*), sum(i) FROM {table}")
        assert tuple(int(v) for v in cur.fetchone()) == (n, expected_sum(n)), "rows differ"
        cur.execute(f"DROP TABLE {table}")
    conn.close()
    out.put((len(rows) / elapsed, peak_rss_mb(), before))


def _tsv(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
    return str(value)


def run(name: str, limits: dict[str, Any], url: str, n: int, put: int, rounds: int) -> None:
    tag = f"bench_jdbc_{uuid.uuid4().hex[:8]}"
    runs: dict[str, list[tuple[float, float, float]]] = {k: [] for k in (*limits, "sink")}
    for r in range(rounds):  # interleaved, so drifts in machine load hit every phase alike
        for method, (target, arg) in limits.items():
            runs[method].append(in_process(target, f"{tag}_{arg}_{r}", n, put, arg))
        runs["sink"].append(in_process(sink_phase, url, f"{tag}_sink_{r}", n, put))
    best = {k: max(v) for k, v in runs.items()}
    limit = max(rate for k, (rate, _, _) in best.items() if k != "sink")
    print(f"{name}: {2 * n} upserts ({n} inserts then {n} updates), {put} per transaction, best of {rounds}")
    for method, (rate, rss, data) in best.items():
        label = "sink   put" if method == "sink" else f"limit  {method}"
        print(
            f"  {label:34} {rate:9.0f} rows/s   peak RSS {rss:5.0f} MB ({rss - data:4.0f} MB over its prebuilt input)"
        )
    print(f"  ratio  sink / best limit             {best['sink'][0] / limit:9.1%}   (goal >= 60%)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--put", type=int, default=500, help="rows per put / transaction (the worker's max.poll.records)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--only", choices=("postgres", "mariadb"))
    args = ap.parse_args()
    if args.only != "mariadb":
        limits = {"COPY + INSERT ON CONFLICT": (pg_limit, "copy"), "executemany (pipeline)": (pg_limit, "many")}
        run("PostgreSQL", limits, "jdbc:postgresql://127.0.0.1:15432/sluice", args.rows, args.put, args.rounds)
    if args.only != "postgres":
        limits = {
            "executemany ON DUPLICATE KEY": (mariadb_limit, "many"),
            "LOAD DATA + INSERT SELECT": (mariadb_limit, "load"),
        }
        run("MariaDB", limits, "jdbc:mariadb://127.0.0.1:13306/sluice", args.rows, args.put, args.rounds)


if __name__ == "__main__":
    main()
