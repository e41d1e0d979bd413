"""Grouping and aggregations against a real broker: a word count, reduce and aggregate over a stream,
count and aggregate over a re-grouped table (updates and deletes retract), stream to table."""

from __future__ import annotations

from collections import Counter

from streams import LONG, STRING, StreamsBuilder
from tests.support.kafka import produce, read_topic
from tests.support.streams import create_topics, latest, produce_json, read_json, running

LINES = ["the quick brown fox", "the lazy dog", "the fox jumps", "a dog and a fox"]


def test_word_count(services, unique_name, tmp_path):
    kafka, n = services.kafka_bootstrap, unique_name
    create_topics(kafka, {f"{n}-lines": 3, f"{n}-counts": 3})
    b = StreamsBuilder()
    (
        b.stream(f"{n}-lines", key_serde=STRING, value_serde=STRING)
        .flat_map_values(str.split)
        .group_by(lambda k, word: word, key_serde=STRING, name="words")
        .count(store="word-counts")
        .to_stream()
        .to(f"{n}-counts", value_serde=LONG)
    )
    produce(kafka, f"{n}-lines", [(f"l{i}".encode(), line.encode()) for i, line in enumerate(LINES * 3)])
    expected = Counter(w for line in LINES * 3 for w in line.split())
    with running(b.build(), kafka, n, tmp_path) as app:
        msgs = read_topic(kafka, f"{n}-counts", lambda ms: _final(ms) == expected, timeout=30)
        assert app.store("word-counts").get("fox") == 9
    assert _final(msgs) == expected
    # one record per input word: counts are emitted on every update
    assert len(msgs) == sum(expected.values())


def _final(msgs):
    out = {}
    for m in msgs:
        out[m.key().decode()] = LONG.deserialize(m.value())
    return Counter(out)


def test_reduce_aggregate_and_to_table(services, unique_name, tmp_path):
    kafka, n = services.kafka_bootstrap, unique_name
    create_topics(kafka, {f"{n}-sales": 2, f"{n}-max": 2, f"{n}-stats": 2, f"{n}-last": 2})
    b = StreamsBuilder()
    sales = b.stream(f"{n}-sales")
    by_shop = sales.group_by_key()
    by_shop.reduce(lambda agg, v: v if v["amount"] > agg["amount"] else agg, store="max-sale").to_stream().to(
        f"{n}-max"
    )
    by_shop.aggregate(
        lambda: {"n": 0, "total": 0},
        lambda k, v, agg: {"n": agg["n"] + 1, "total": agg["total"] + v["amount"]},
        store="stats",
        in_memory=True,
    ).to_stream().to(f"{n}-stats")
    sales.map_values(lambda v: v["amount"]).to_table(store="last-sale").to_stream().to(f"{n}-last")
    items = [(f"shop{i % 3}", {"amount": (i * 37) % 101}) for i in range(30)]
    produce_json(kafka, f"{n}-sales", items)
    expected_stats = {}
    expected_max = {}
    for shop, v in items:
        s = expected_stats.setdefault(shop, {"n": 0, "total": 0})
        s["n"] += 1
        s["total"] += v["amount"]
        expected_max[shop] = max(expected_max.get(shop, v), v, key=lambda x: x["amount"])
    with running(b.build(), kafka, n, tmp_path):
        stats = read_json(kafka, f"{n}-stats", lambda r: latest(r) == expected_stats)
        maxes = read_json(kafka, f"{n}-max", lambda r: latest(r) == expected_max)
        last = read_json(kafka, f"{n}-last", lambda r: len(r) >= 30)
    assert latest(stats) == expected_stats
    assert latest(maxes) == expected_max
    assert latest(last) == {
        shop: items[max(i for i, (s, _) in enumerate(items) if s == shop)][1]["amount"] for shop in expected_stats
    }


def test_table_group_by_retracts_updates_and_deletes(services, unique_name, tmp_path):
    """Customers re-grouped by city: moving a customer or deleting one takes it out of its old city."""
    kafka, n = services.kafka_bootstrap, unique_name
    create_topics(kafka, {f"{n}-customers": 2, f"{n}-per-city": 2, f"{n}-spend": 2})
    b = StreamsBuilder()
    customers = b.table(f"{n}-customers", store="customers")
    by_city = customers.group_by(lambda k, v: (v["city"], v["spend"]))
    by_city.count(store="per-city").to_stream().to(f"{n}-per-city")
    by_city.reduce(lambda agg, v: agg + v, lambda agg, v: agg - v, store="spend").to_stream().to(f"{n}-spend")
    changes = [
        (1, {"city": "Oslo", "spend": 10}),
        (2, {"city": "Oslo", "spend": 5}),
        (3, {"city": "Rome", "spend": 7}),
        (2, {"city": "Rome", "spend": 6}),  # moves
        (1, None),  # deleted
        (4, {"city": "Oslo", "spend": 1}),
        (3, {"city": "Rome", "spend": 8}),  # spends more
    ]
    produce_json(kafka, f"{n}-customers", changes)
    with running(b.build(), kafka, n, tmp_path):
        counts = read_json(kafka, f"{n}-per-city", lambda r: latest(r) == {"Oslo": 1, "Rome": 2})
        spend = read_json(kafka, f"{n}-spend", lambda r: latest(r) == {"Oslo": 1, "Rome": 14})
    assert latest(counts) == {"Oslo": 1, "Rome": 2}
    assert latest(spend) == {"Oslo": 1, "Rome": 14}
