"""Topic planning at start-up: source topics must exist; internal topics (repartition, foreign-key
subscription and response, changelogs) are created with the planned partition counts, or checked when they
already exist."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

from streams.errors import MissingSourceTopicError, TopologyError
from streams.topology.graph import TopicRef, Topology
from streams.topology.subtopology import Subtopology, anchor, plan_partitions


@dataclass
class Plan:
    """Resolved names and partition counts of everything the application reads and writes."""

    subtopologies: list[Subtopology]
    counts: dict[str, int]  # resolved topic -> partitions (sources, internal topics, changelogs)
    anchors: dict[int, str]  # sub-topology id -> the topic the group assigns for it
    sources: dict[int, list[str]]  # sub-topology id -> its resolved source topics
    changelogs: dict[str, str]  # store -> changelog topic (logged stores only)
    store_owner: dict[str, int]  # store -> sub-topology id

    def task_partitions(self, sub: int) -> int:
        return self.counts[self.anchors[sub]]


def make_plan(topology: Topology, application_id: str, admin: AdminClient, replication_factor: int) -> Plan:
    def resolve(ref: TopicRef) -> str:
        return ref.resolve(application_id)

    subs = topology.subtopologies()
    metadata = admin.list_topics(timeout=30).topics
    external = {r.name for s in subs for r in s.sources if not r.internal}
    external |= {g.topic for g in topology.global_stores.values()}
    missing = sorted(t for t in external if t not in metadata)
    if missing:
        raise MissingSourceTopicError(f"source topics do not exist: {', '.join(missing)}; create them first")
    existing = {name: len(t.partitions) for name, t in metadata.items()}
    counts_by_ref = plan_partitions(topology, subs, {t: existing[t] for t in external})
    counts = {resolve(ref): n for ref, n in counts_by_ref.items()}
    for g in topology.global_stores.values():
        counts[g.topic] = existing[g.topic]
    anchors = {s.id: resolve(anchor(s, counts_by_ref)) for s in subs}
    sources = {s.id: [resolve(r) for r in s.sources] for s in subs}
    owner: dict[str, int] = {}
    changelogs: dict[str, str] = {}
    for s in subs:
        for store in s.stores:
            owner[store] = s.id
            spec = topology.stores[store]
            if spec.logged:
                changelogs[store] = spec.changelog_topic(application_id)
                counts[changelogs[store]] = counts[anchors[s.id]]
    plan = Plan(subs, counts, anchors, sources, changelogs, owner)
    wanted = {resolve(t.ref): (counts[resolve(t.ref)], "delete") for t in topology.internal_topics.values()}
    wanted |= {topic: (counts[topic], "compact") for topic in changelogs.values()}
    _ensure(admin, wanted, existing, replication_factor)
    return plan


def _ensure(
    admin: AdminClient, wanted: Mapping[str, tuple[int, str]], existing: Mapping[str, int], replication: int
) -> None:
    for topic, (partitions, _) in wanted.items():
        if topic in existing and existing[topic] != partitions:
            raise TopologyError(
                f"internal topic {topic} has {existing[topic]} partitions but the topology needs {partitions}; "
                "delete it (or reset the application) to let it be recreated"
            )
    new = [
        NewTopic(topic, partitions, replication, config={"cleanup.policy": policy})
        for topic, (partitions, policy) in wanted.items()
        if topic not in existing
    ]
    if not new:
        return
    for topic, future in admin.create_topics(new, operation_timeout=30).items():
        try:
            future.result()
        except KafkaException as exc:
            if exc.args[0].name() != "TOPIC_ALREADY_EXISTS":  # another instance created it first
                raise TopologyError(f"cannot create internal topic {topic}: {exc}") from exc
    _await_leaders(admin, [t.topic for t in new])


def _await_leaders(admin: AdminClient, topics: list[str], timeout: float = 30.0) -> None:
    """A topic just created may have no partition leader yet; reading its offsets then fails."""
    deadline = time.monotonic() + timeout
    while True:
        metadata = admin.list_topics(timeout=10).topics
        waiting = [
            t
            for t in topics
            if t not in metadata
            or metadata[t].error is not None
            or any(p.leader < 0 or p.error is not None for p in metadata[t].partitions.values())
        ]
        if not waiting:
            return
        if time.monotonic() > deadline:
            raise TopologyError(f"internal topics {', '.join(waiting)} have no partition leader after {timeout} s")
        time.sleep(0.1)
