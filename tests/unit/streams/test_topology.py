"""Topology building: names, sub-topologies, partition planning and co-partitioning, describe()."""

import pytest

from streams import CopartitionError, StreamsBuilder, TopologyError
from streams.topology.graph import TopicRef
from streams.topology.subtopology import anchor, plan_partitions


def word_count() -> StreamsBuilder:
    b = StreamsBuilder()
    b.stream("lines").flat_map_values(str.split).select_key(lambda k, w: w).group_by_key().count(
        store="counts"
    ).to_stream().to("out")
    return b


def test_a_key_change_before_a_count_cuts_the_topology_at_a_repartition_topic():
    topology = word_count().build()
    subs = topology.subtopologies()
    assert [[r.name for r in s.sources] for s in subs] == [["lines"], ["counts-repartition"]]
    assert subs[1].stores == ["counts"]
    text = topology.describe()
    assert "Sub-topology: 1" in text and "Source: counts-repartition-source (topics: [counts-repartition])" in text
    assert "Processor: KSTREAM-AGGREGATE-0000000003 (stores: [counts])" in text


def test_repartition_topics_take_the_partition_count_of_their_writer():
    topology = word_count().build()
    counts = plan_partitions(topology, topology.subtopologies(), {"lines": 6})
    assert counts[TopicRef("counts-repartition", internal=True)] == 6


def test_a_stream_table_join_puts_both_topics_in_one_subtopology_and_checks_their_counts():
    b = StreamsBuilder()
    b.stream("orders").join(b.table("customers"), lambda o, c: o).to("out")
    topology = b.build()
    (sub,) = topology.subtopologies()
    assert {r.name for r in sub.sources} == {"orders", "customers"}
    assert anchor(sub, {TopicRef("orders"): 4, TopicRef("customers"): 4}) == TopicRef("orders")
    with pytest.raises(CopartitionError, match=r"orders \(4 partitions\), customers \(2 partitions\)"):
        plan_partitions(topology, [sub], {"orders": 4, "customers": 2})


def test_a_rekeyed_stream_joined_with_a_table_is_repartitioned_to_the_table_count():
    b = StreamsBuilder()
    b.stream("orders").select_key(lambda k, v: v["customer"]).join(b.table("customers"), lambda o, c: o, name="j").to(
        "out"
    )
    topology = b.build()
    counts = plan_partitions(topology, topology.subtopologies(), {"orders": 8, "customers": 3})
    assert counts[TopicRef("j-left-repartition", internal=True)] == 3


def test_a_foreign_key_join_needs_no_copartitioning():
    b = StreamsBuilder()
    orders, customers = b.table("orders"), b.table("customers")
    orders.join(customers, lambda o, c: o, foreign_key=lambda o: o["c"], name="fk").to_stream().to("out")
    topology = b.build()
    subs = topology.subtopologies()
    counts = plan_partitions(topology, subs, {"orders": 5, "customers": 2})
    assert counts[TopicRef("fk-subscription-registration-topic", internal=True)] == 2
    assert counts[TopicRef("fk-subscription-response-topic", internal=True)] == 5
    assert len(subs) == 2


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda b: (b.stream("a", name="x"), b.stream("b", name="x")), "processor name 'x' is used twice"),
        (lambda b: (b.stream("a"), b.table("a")), "topic 'a' is already read"),
        (lambda b: (b.table("a", store="s"), b.table("b", store="s")), "store name 's' is used twice"),
        (lambda b: b.table("a").outer_join(b.table("b"), lambda x, y: x, foreign_key=lambda v: v), "no outer"),
        (lambda b: b.stream("a").join(b.global_table("g"), lambda x, y: x), "needs key_selector"),
    ],
)
def test_a_topology_that_cannot_run_is_refused_with_a_clear_error(build, message):
    with pytest.raises(TopologyError, match=message):
        build(StreamsBuilder())
