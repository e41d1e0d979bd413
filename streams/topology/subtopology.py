"""Sub-topologies and partition planning.

Nodes joined by an edge or by a shared store form one sub-topology; internal topics (repartition,
foreign-key subscription/response) cut between them. A task is one sub-topology on one partition number,
reading that partition of each of its source topics, so topics read by one stateful sub-topology must have
the same partition count: that is checked before anything runs, and internal topics get the count of the
sub-topology that reads them (or, failing that, of the one that writes them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from streams.errors import CopartitionError, TopologyError

if TYPE_CHECKING:
    from streams.topology.graph import TopicRef, Topology


@dataclass
class Subtopology:
    id: int
    nodes: list[str] = field(default_factory=list)
    sources: list[TopicRef] = field(default_factory=list)
    writes: list[TopicRef] = field(default_factory=list)
    stores: list[str] = field(default_factory=list)


def split(topology: Topology) -> list[Subtopology]:
    parent: dict[str, str] = {name: name for name in topology.nodes}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[rb] = ra

    by_store: dict[str, str] = {}
    for name, spec in topology.nodes.items():
        for p in spec.parents:
            union(p, name)
        for store in spec.stores:
            if store in topology.global_stores:
                continue
            if store in by_store:
                union(by_store[store], name)
            else:
                by_store[store] = name
    groups: dict[str, Subtopology] = {}
    order: list[Subtopology] = []
    for name, spec in topology.nodes.items():
        root = find(name)
        sub = groups.get(root)
        if sub is None:
            sub = groups[root] = Subtopology(len(order))
            order.append(sub)
        sub.nodes.append(name)
        sub.sources.extend(spec.reads)
        sub.writes.extend(spec.writes)
        sub.stores.extend(s for s in spec.stores if s not in topology.global_stores and s not in sub.stores)
    for sub in order:
        if not sub.sources:
            raise TopologyError(f"sub-topology {sub.id} ({', '.join(sub.nodes)}) reads no topic")
    return order


def plan_partitions(topology: Topology, subs: list[Subtopology], external: Mapping[str, int]) -> dict[TopicRef, int]:
    """Partition counts of every source topic (external counts given, internal ones derived); raises
    CopartitionError when a stateful sub-topology reads topics of different counts."""
    counts: dict[TopicRef, int] = {}
    for sub in subs:
        for ref in sub.sources:
            if not ref.internal:
                counts[ref] = external[ref.name]
    for topic in topology.internal_topics.values():
        if topic.partitions is not None:
            counts[topic.ref] = topic.partitions
    pending = {t.ref for t in topology.internal_topics.values()} - counts.keys()
    while pending:
        progressed = False
        for sub in subs:
            known = [counts[r] for r in sub.sources if r in counts]
            for ref in sub.sources:
                if ref in pending and known:
                    counts[ref] = max(known)
                    pending.discard(ref)
                    progressed = True
        for ref in list(pending):
            writers = [s for s in subs if ref in s.writes]
            known = [counts[r] for s in writers for r in s.sources if r in counts]
            if writers and len(known) == sum(len(s.sources) for s in writers):
                counts[ref] = max(known)
                pending.discard(ref)
                progressed = True
        if not progressed:
            names = ", ".join(sorted(r.name for r in pending))
            raise TopologyError(f"cannot derive the partition count of internal topics {names}; give one explicitly")
    for sub in subs:
        if sub.stores and len({counts[r] for r in sub.sources}) > 1:
            detail = ", ".join(f"{r.name} ({counts[r]} partitions)" for r in sub.sources)
            raise CopartitionError(
                f"topics joined or aggregated together must have the same number of partitions: {detail}. "
                "Repartition one side (repartition(partitions=N)) or recreate the topic."
            )
    return counts


def anchor(sub: Subtopology, counts: Mapping[TopicRef, int]) -> TopicRef:
    """The topic whose partitions the consumer group assigns for this sub-topology: the one with the most
    partitions, ties broken by name, so every instance picks the same."""
    return max(sub.sources, key=lambda r: (counts[r], r.name))
