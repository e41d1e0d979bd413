"""Foreign-key table joins against a real broker, under a seeded random sequence of inserts, updates
(foreign keys changing included) and deletes on both sides, with both sides' topics partitioned
differently: the joined table ends equal to the join computed directly from the final tables."""

from __future__ import annotations

import random

from streams import StreamsBuilder
from tests.support.streams import create_topics, latest, produce_json, read_json, running


def operations(seed: int, count: int) -> list[tuple[str, str, dict | None]]:
    rng = random.Random(seed)
    ops = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.45:
            fk = None if rng.random() < 0.1 else f"c{rng.randrange(8)}"
            ops.append(("orders", f"o{rng.randrange(20)}", {"customer": fk, "qty": rng.randrange(100)}))
        elif roll < 0.6:
            ops.append(("orders", f"o{rng.randrange(20)}", None))
        elif roll < 0.9:
            ops.append(("customers", f"c{rng.randrange(8)}", {"name": f"name{rng.randrange(1000)}"}))
        else:
            ops.append(("customers", f"c{rng.randrange(8)}", None))
    return ops


def reference(ops, left: bool) -> dict:
    tables: dict[str, dict] = {"orders": {}, "customers": {}}
    for topic, key, value in ops:
        if value is None:
            tables[topic].pop(key, None)
        else:
            tables[topic][key] = value
    out = {}
    for key, order in tables["orders"].items():
        customer = tables["customers"].get(order["customer"]) if order["customer"] is not None else None
        if customer is not None or left:
            out[key] = {"qty": order["qty"], "name": customer and customer["name"]}
    return out


def test_foreign_key_joins_match_the_join_of_the_final_tables(services, unique_name, tmp_path):
    kafka, n = services.kafka_bootstrap, unique_name
    create_topics(kafka, {f"{n}-orders": 3, f"{n}-customers": 2, f"{n}-inner": 3, f"{n}-left": 3})
    b = StreamsBuilder()
    orders = b.table(f"{n}-orders", store="orders")
    customers = b.table(f"{n}-customers", store="customers")

    def joiner(order, customer):
        return {"qty": order["qty"], "name": customer and customer["name"]}

    def fk(order):
        return order["customer"]

    orders.join(customers, joiner, foreign_key=fk, name="inner").to_stream().to(f"{n}-inner")
    orders.left_join(customers, joiner, foreign_key=fk, name="left").to_stream().to(f"{n}-left")
    ops = operations(seed=26, count=400)
    with running(b.build(), kafka, n, tmp_path):
        for i in range(0, len(ops), 50):  # in bursts, so updates race with responses in flight
            for topic in ("orders", "customers"):
                produce_json(kafka, f"{n}-{topic}", [(k, v) for t, k, v in ops[i : i + 50] if t == topic])
        inner = read_json(kafka, f"{n}-inner", lambda r: latest(r) == reference(ops, left=False), timeout=60)
        left = read_json(kafka, f"{n}-left", lambda r: latest(r) == reference(ops, left=True), timeout=60)
    assert latest(inner) == reference(ops, left=False)
    assert latest(left) == reference(ops, left=True)
    assert 0 < len(reference(ops, left=False)) < len(reference(ops, left=True))
