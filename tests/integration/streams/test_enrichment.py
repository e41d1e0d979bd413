"""The enrichment example end to end: Postgres orders, customers and products → our CDC source → the
example's streams application (two left foreign-key joins) → an enriched topic → our Elasticsearch sink.

A seeded random sequence of inserts, updates (foreign keys moving included) and deletes on all three
tables, in many transactions: the index must end equal to the same LEFT JOIN computed by Postgres; then
renaming a customer must update the document of every order of that customer.
"""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path
from typing import Any

import psycopg

from connect.runtime.standalone import running as task_running
from tests.fixtures.pipeline import postgres_source
from tests.integration.connectors.elasticsearch.es_index import EsIndex
from tests.support.kafka import wait_until
from tests.support.streams import create_topics, running

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "enrichment"


def example() -> Any:
    spec = importlib.util.spec_from_file_location("enrichment_app", EXAMPLE / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def statements(rng: random.Random, t: dict[str, str], count: int) -> list[str]:
    out = []
    for _ in range(count):
        roll = rng.random()
        c, p, o = rng.randrange(1, 9), rng.randrange(1, 7), rng.randrange(1, 26)
        if roll < 0.15:
            out.append(
                f"INSERT INTO {t['customers']} VALUES ({c}, 'c{rng.randrange(999)}', 'c{c}@x') "
                f"ON CONFLICT (id) DO UPDATE SET name = excluded.name"
            )
        elif roll < 0.22:
            out.append(f"DELETE FROM {t['customers']} WHERE id = {c}")
        elif roll < 0.34:
            out.append(
                f"INSERT INTO {t['products']} VALUES ({p}, 'p{rng.randrange(999)}', {rng.randrange(100, 9999) / 100}) "
                f"ON CONFLICT (id) DO UPDATE SET price = excluded.price"
            )
        elif roll < 0.40:
            out.append(f"DELETE FROM {t['products']} WHERE id = {p}")
        elif roll < 0.70:
            cust = "NULL" if rng.random() < 0.05 else c
            out.append(
                f"INSERT INTO {t['orders']} VALUES ({o}, {cust}, {p}, {rng.randrange(1, 9)}) "
                f"ON CONFLICT (id) DO UPDATE SET customer_id = excluded.customer_id, product_id = excluded.product_id"
            )
        elif roll < 0.88:
            out.append(f"UPDATE {t['orders']} SET quantity = quantity + 1, customer_id = {c} WHERE id = {o}")
        else:
            out.append(f"DELETE FROM {t['orders']} WHERE id = {o}")
    return out


def joined(pg: psycopg.Connection, t: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The documents the index must hold, computed by Postgres."""
    rows = pg.execute(
        f"SELECT o.id, o.customer_id, o.product_id, o.quantity, c.id, c.name, c.email, p.id, p.name, p.price "
        f"FROM {t['orders']} o LEFT JOIN {t['customers']} c ON c.id = o.customer_id "
        f"LEFT JOIN {t['products']} p ON p.id = o.product_id"
    ).fetchall()
    docs = {}
    for oid, cid, pid, qty, c_id, c_name, c_email, p_id, p_name, p_price in rows:
        docs[str(oid)] = {
            "id": oid,
            "customer_id": cid,
            "product_id": pid,
            "quantity": qty,
            "customer": None if c_id is None else {"id": c_id, "name": c_name, "email": c_email},
            "product": None if p_id is None else {"id": p_id, "name": p_name, "price": float(p_price)},
        }
    return docs


def test_enriched_index_equals_the_sql_join(pg, herder, services, unique_name, tmp_path):
    app = example()
    n = unique_name
    t = {name: f"{n}_{name}" for name in ("orders", "customers", "products")}
    topic = {name: f"{n}.public.{table}" for name, table in t.items()}
    output = f"{n}-enriched"
    try:
        schema = (EXAMPLE / "schema.sql").read_text()
        for name, table in t.items():
            schema = schema.replace(f"EXISTS {name} ", f"EXISTS {table} ").replace(f"INTO {name} ", f"INTO {table} ")
        pg.execute(schema)
        # Partitioned differently on purpose: a foreign-key join needs no co-partitioning.
        create_topics(
            services.kafka_bootstrap, {topic["orders"]: 3, topic["customers"]: 2, topic["products"]: 2, output: 3}
        )
        source = postgres_source(services, n, t["orders"])
        source.update(
            {
                "table.include.list": f"public\\.{n}_(orders|customers|products)",
                "key.converter": "org.apache.kafka.connect.json.JsonConverter",
                "key.converter.schemas.enable": "false",
            }
        )
        herder.put_connector_config(f"{n}-pg", source, allow_replace=False)
        with (
            EsIndex(services.es_url, output) as index,
            running(
                app.topology(topic["orders"], topic["customers"], topic["products"], output),
                services.kafka_bootstrap,
                n,
                tmp_path,
                processing_guarantee="exactly_once_v2",
            ),
        ):
            sink = {
                **_example_sink(),
                "topics": output,
                "connection.url": services.es_url,
            }
            herder.put_connector_config(f"{n}-es", sink, allow_replace=False)
            herder.wait_for(f"{n}-es", task_running)
            wait_until(lambda: index.sources() == joined(pg, t), timeout=60, message="the seeded orders indexed")
            rng = random.Random(2026)
            for _ in range(12):
                with pg.transaction():
                    for sql in statements(rng, t, 12):
                        pg.execute(sql)
            expected = joined(pg, t)
            assert len(expected) > 5
            wait_until(lambda: index.sources() == expected, timeout=90, message="the index to equal the SQL join")
            # Renaming a customer updates every order document of that customer.
            cid, orders = pg.execute(
                f"SELECT customer_id, count(*) FROM {t['orders']} o JOIN {t['customers']} c ON c.id = o.customer_id "
                "GROUP BY customer_id ORDER BY count(*) DESC LIMIT 1"
            ).fetchone()
            assert orders >= 2
            pg.execute(f"UPDATE {t['customers']} SET name = 'Renamed' WHERE id = %s", (cid,))
            wait_until(
                lambda: (
                    [d["customer"]["name"] for d in index.sources().values() if d["customer_id"] == cid]
                    == ["Renamed"] * orders
                ),
                timeout=60,
                message="every order of the customer renamed",
            )
            assert index.sources() == joined(pg, t)
    finally:
        for table in t.values():
            pg.execute(f"DROP TABLE IF EXISTS {table}")


def _example_sink() -> dict[str, str]:
    import json

    config = json.loads((EXAMPLE / "elasticsearch-sink.json").read_text())["config"]
    return {k: v for k, v in config.items() if "${" not in v}
