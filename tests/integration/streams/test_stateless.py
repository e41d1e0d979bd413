"""Stateless operators against a real broker: one topology exercising filter, filter_not, map, map_values,
flat_map, flat_map_values, select_key, split/branch, merge, peek, foreach, to, through and repartition."""

from __future__ import annotations

from streams import STRING, StreamsBuilder
from tests.support.streams import create_topics, produce_json, read_json, running


def test_stateless_operators(services, unique_name, tmp_path):
    kafka, n = services.kafka_bootstrap, unique_name
    create_topics(kafka, {f"{n}-in": 2, f"{n}-in2": 1, f"{n}-through": 2, **{f"{n}-{o}": 1 for o in "abcdef"}})
    seen: list[int] = []
    peeked: list[int] = []
    b = StreamsBuilder()
    source = b.stream(f"{n}-in")
    positive = source.filter(lambda k, v: v["n"] > 0, name="positive")
    positive.filter_not(lambda k, v: v["n"] % 2 == 0).map_values(lambda v: v["n"] * 10).to(f"{n}-a")  # odd x 10
    positive.flat_map_values(lambda v: [v["n"]] * v["n"]).peek(lambda k, v: peeked.append(v)).to(f"{n}-b")
    positive.map(lambda k, v: (f"m{v['n']}", {"m": v["n"]})).select_key(lambda k, v: k.upper()).to(f"{n}-c")
    branches = (
        source.split(name="split")
        .branch(lambda k, v: v["n"] < 0, name="negative")
        .branch(lambda k, v: v["n"] == 0, name="zero")
        .default_branch(name="rest")
    )
    branches["negative"].merge(branches["zero"]).to(f"{n}-d")
    (
        branches["rest"]
        .flat_map(lambda k, v: [(f"{k}-x", v["n"]), (f"{k}-y", -v["n"])])
        .through(f"{n}-through")
        .repartition(name="regroup", partitions=3)
        .to(f"{n}-e", key_serde=STRING)
    )
    b.stream(f"{n}-in2").foreach(lambda k, v: seen.append(v["n"]))

    values = [-2, 0, 1, 2, 3, -1, 4, 5]
    produce_json(kafka, f"{n}-in", [(f"k{i}", {"n": v}) for i, v in enumerate(values)])
    produce_json(kafka, f"{n}-in2", [(None, {"n": 7}), (None, {"n": 8})])
    with running(b.build(), kafka, n, tmp_path):
        a = read_json(kafka, f"{n}-a", lambda r: len(r) >= 3)
        bb = read_json(kafka, f"{n}-b", lambda r: len(r) >= 15)
        c = read_json(kafka, f"{n}-c", lambda r: len(r) >= 5)
        d = read_json(kafka, f"{n}-d", lambda r: len(r) >= 3)
        e = read_json(kafka, f"{n}-e", lambda r: len(r) >= 10)
    assert sorted(v for _, v in a) == [10, 30, 50]
    assert sorted(v for _, v in bb) == sorted([1] + [2] * 2 + [3] * 3 + [4] * 4 + [5] * 5)
    assert sorted(peeked) == sorted(v for _, v in bb)
    assert sorted(c) == sorted((f"M{v}", {"m": v}) for v in values if v > 0)
    assert sorted(v["n"] for _, v in d) == [-2, -1, 0]
    expected_e = {(f"k{i}-x", v) for i, v in enumerate(values) if v > 0}
    expected_e |= {(f"k{i}-y", -v) for i, v in enumerate(values) if v > 0}
    assert set(e) == expected_e
    assert sorted(seen) == [7, 8]
    internal = f"{n}-regroup-repartition"
    from confluent_kafka.admin import AdminClient

    topics = AdminClient({"bootstrap.servers": kafka}).list_topics(timeout=10).topics
    assert len(topics[internal].partitions) == 3
