"""The built topology: nodes (sources, processors, sinks), the stores they use, internal and global topics.

Internal topics are named relative to the application (`TopicRef(name, internal=True)` becomes
`<application.id>-<name>`), resolved when the application starts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from streams.errors import TopologyError
from streams.processors.base import Processor
from streams.state.spec import StoreSpec

Kind = Literal["source", "processor", "sink"]


@dataclass(frozen=True)
class TopicRef:
    name: str
    internal: bool = False

    def resolve(self, application_id: str) -> str:
        return f"{application_id}-{self.name}" if self.internal else self.name


@dataclass
class NodeSpec:
    """One node; `factory(topics)` builds its processor for a task, given a resolver of topic refs."""

    name: str
    kind: Kind
    factory: Callable[[Callable[[TopicRef], str]], Processor]
    parents: list[str] = field(default_factory=list)
    stores: tuple[str, ...] = ()
    reads: tuple[TopicRef, ...] = ()  # a source's topics
    writes: tuple[TopicRef, ...] = ()  # topics a sink (or a foreign-key join step) sends to
    key_serde: Any = None  # a source's deserializers
    value_serde: Any = None


@dataclass(frozen=True)
class InternalTopic:
    """A repartition-like topic the application creates; `partitions` None = derived from its neighbours."""

    ref: TopicRef
    partitions: int | None = None


@dataclass(frozen=True)
class GlobalStore:
    name: str
    topic: str
    store: StoreSpec
    key_serde: Any
    value_serde: Any
    cdc: bool


class Topology:
    """What `StreamsBuilder.build()` returns and `KafkaStreams` runs; `describe()` prints it."""

    def __init__(self) -> None:
        self.nodes: dict[str, NodeSpec] = {}
        self.children: dict[str, list[str]] = {}
        self.stores: dict[str, StoreSpec] = {}
        self.internal_topics: dict[str, InternalTopic] = {}
        self.global_stores: dict[str, GlobalStore] = {}
        self._sourced: dict[TopicRef, str] = {}

    def add_node(self, spec: NodeSpec) -> None:
        if spec.name in self.nodes:
            raise TopologyError(f"processor name {spec.name!r} is used twice; every node needs its own name")
        for parent in spec.parents:
            if parent not in self.nodes:
                raise TopologyError(f"node {spec.name!r} names an unknown parent {parent!r}")
        for ref in spec.reads:
            other = self._sourced.get(ref)
            if other is not None:
                raise TopologyError(
                    f"topic {ref.name!r} is already read by {other!r}; read it once and reuse that stream or table"
                )
            if any(g.topic == ref.name for g in self.global_stores.values()):
                raise TopologyError(f"topic {ref.name!r} is already read by a global table")
            self._sourced[ref] = spec.name
        for store in spec.stores:
            if store not in self.stores and store not in self.global_stores:
                raise TopologyError(f"node {spec.name!r} uses an unknown store {store!r}")
        self.nodes[spec.name] = spec
        self.children[spec.name] = []
        for parent in spec.parents:
            self.children[parent].append(spec.name)

    def add_store(self, spec: StoreSpec) -> None:
        if spec.name in self.stores or spec.name in self.global_stores:
            raise TopologyError(f"store name {spec.name!r} is used twice")
        self.stores[spec.name] = spec

    def add_internal_topic(self, topic: InternalTopic) -> None:
        if topic.ref.name in self.internal_topics:
            raise TopologyError(f"internal topic {topic.ref.name!r} is declared twice; name the step differently")
        self.internal_topics[topic.ref.name] = topic

    def add_global_store(self, store: GlobalStore) -> None:
        if store.name in self.stores or store.name in self.global_stores:
            raise TopologyError(f"store name {store.name!r} is used twice")
        if TopicRef(store.topic) in self._sourced or any(g.topic == store.topic for g in self.global_stores.values()):
            raise TopologyError(f"topic {store.topic!r} is already read; a global table needs a topic of its own")
        self.global_stores[store.name] = store

    def add_store_user(self, node: str, store: str) -> None:
        """Connect an existing node to a store (a join step created before the table it reads)."""
        spec = self.nodes[node]
        if store not in spec.stores:
            spec.stores = (*spec.stores, store)

    # -- views -----------------------------------------------------------------------------
    def subtopologies(self) -> list[Subtopology]:
        from streams.topology.subtopology import split

        return split(self)

    def describe(self) -> str:
        from streams.topology.describe import describe

        return describe(self)

    def __str__(self) -> str:
        return self.describe()


# Imported late: subtopology.py uses the classes above.
from streams.topology.subtopology import Subtopology  # noqa: E402
