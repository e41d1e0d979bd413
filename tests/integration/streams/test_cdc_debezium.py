"""CDC tables from the real Debezium beside our own source: the same Postgres table captured by Debezium
3.7 on Kafka Connect 4.1.1 (the anchor, schema'd JSON envelopes) and by our Postgres source, each read as a
CDC table; after a snapshot and a seeded random sequence of inserts, updates and deletes, both tables
equal the rows in Postgres."""

from __future__ import annotations

import random

import httpx
import psycopg
from psycopg.conninfo import conninfo_to_dict

from streams import StreamsBuilder
from tests.fixtures.pipeline import postgres_source
from tests.support.kafka import read_topic, wait_until
from tests.support.streams import running


def rows(pg: psycopg.Connection, table: str) -> dict[int, dict]:
    found = pg.execute(f'SELECT id, name, price, note FROM "{table}"').fetchall()
    return {i: {"id": i, "name": n, "price": None if p is None else float(p), "note": t} for i, n, p, t in found}


def normalized(items) -> dict[int, dict]:
    return {k["id"]: {**v, "price": None if v.get("price") is None else float(v["price"])} for k, v in items}


def debezium(services, name: str, table: str) -> dict:
    info = conninfo_to_dict(services.pg_dsn)
    return {
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
        "plugin.name": "pgoutput",
        "database.hostname": info.get("host", "127.0.0.1"),
        "database.port": str(info.get("port", 5432)),
        "database.user": info["user"],
        "database.password": info.get("password", ""),
        "database.dbname": info["dbname"],
        "topic.prefix": f"{name}dbz",
        "slot.name": f"{name}_dbz",
        "publication.name": f"{name}_dbz",
        "publication.autocreate.mode": "filtered",
        "table.include.list": f"public.{table}",
        "key.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "key.converter.schemas.enable": "true",
        "value.converter.schemas.enable": "true",
    }


def test_cdc_tables_from_debezium_and_from_our_source_equal_the_table(pg, herder, services, unique_name, tmp_path):
    n = table = unique_name
    pg.execute(f'CREATE TABLE "{table}" (id int PRIMARY KEY, name text NOT NULL, price numeric(10,2), note text)')
    pg.execute(f"""INSERT INTO "{table}" SELECT g, 'row ' || g, g * 1.5, NULL FROM generate_series(1, 30) g""")
    ours, theirs = f"{n}.public.{table}", f"{n}dbz.public.{table}"
    connect = httpx.Client(base_url=services.connect_url, timeout=30)
    try:
        herder.put_connector_config(f"{n}-pg", postgres_source(services, n, table), allow_replace=False)
        response = connect.post("/connectors", json={"name": f"{n}-dbz", "config": debezium(services, n, table)})
        assert response.status_code == 201, response.text
        for topic in (ours, theirs):
            read_topic(services.kafka_bootstrap, topic, lambda ms: len(ms) >= 30, timeout=90)
        b = StreamsBuilder()
        b.cdc_table(ours, store="ours")
        b.cdc_table(theirs, store="theirs")
        with running(b.build(), services.kafka_bootstrap, n, tmp_path) as app:
            rng = random.Random(7)
            for _ in range(8):
                with pg.transaction():
                    for _ in range(10):
                        i = rng.randrange(1, 45)
                        roll = rng.random()
                        if roll < 0.5:
                            pg.execute(
                                f'INSERT INTO "{table}" VALUES (%s, %s, %s, %s) ON CONFLICT (id) DO UPDATE '
                                "SET name = excluded.name, price = excluded.price, note = excluded.note",
                                (i, f"v{rng.randrange(999)}", rng.choice([None, rng.randrange(1, 99999) / 100]), "n"),
                            )
                        else:
                            pg.execute(f'DELETE FROM "{table}" WHERE id = %s', (i,))
            expected = rows(pg, table)
            for store in ("ours", "theirs"):
                wait_until(
                    lambda s=store: normalized(app.store(s).items()) == expected,
                    timeout=90,
                    message=f"the {store} CDC table to equal the Postgres table",
                )
    finally:
        connect.delete(f"/connectors/{n}-dbz")
        connect.close()
        slot = f"{n}_dbz"
        wait_until(
            lambda: (
                pg.execute(
                    "SELECT count(*) FROM pg_replication_slots WHERE slot_name = %s AND active", (slot,)
                ).fetchone()[0]
                == 0
            ),
            timeout=60,
            message="Debezium's slot released",
        )
        pg.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = %s", (slot,))
        pg.execute(f'DROP PUBLICATION IF EXISTS "{slot}"')
