"""Record-at-a-time stream processors: filter, map, flat_map, select_key, peek, branch, sources and sinks."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from streams.processors.base import Processor


class Filter(Processor):
    def __init__(self, predicate: Callable[[Any, Any], bool], keep_when: bool = True) -> None:
        super().__init__()
        self.predicate = predicate
        self.keep_when = keep_when
        if not keep_when:
            self.process = self._process_not  # type: ignore[method-assign]

    def process(self, key: Any, value: Any) -> None:
        if self.predicate(key, value):
            self.forward(key, value)

    def _process_not(self, key: Any, value: Any) -> None:
        if not self.predicate(key, value):
            self.forward(key, value)


class MapValues(Processor):
    def __init__(self, mapper: Callable[[Any], Any]) -> None:
        super().__init__()
        self.mapper = mapper

    def process(self, key: Any, value: Any) -> None:
        self.forward(key, self.mapper(value))


class Map(Processor):
    def __init__(self, mapper: Callable[[Any, Any], tuple[Any, Any]]) -> None:
        super().__init__()
        self.mapper = mapper

    def process(self, key: Any, value: Any) -> None:
        k, v = self.mapper(key, value)
        self.forward(k, v)


class SelectKey(Processor):
    def __init__(self, selector: Callable[[Any, Any], Any]) -> None:
        super().__init__()
        self.selector = selector

    def process(self, key: Any, value: Any) -> None:
        self.forward(self.selector(key, value), value)


class FlatMap(Processor):
    def __init__(self, mapper: Callable[[Any, Any], Iterable[tuple[Any, Any]]]) -> None:
        super().__init__()
        self.mapper = mapper

    def process(self, key: Any, value: Any) -> None:
        for k, v in self.mapper(key, value):
            self.forward(k, v)


class FlatMapValues(Processor):
    def __init__(self, mapper: Callable[[Any], Iterable[Any]]) -> None:
        super().__init__()
        self.mapper = mapper

    def process(self, key: Any, value: Any) -> None:
        for v in self.mapper(value):
            self.forward(key, v)


class Peek(Processor):
    """peek and foreach: call an action for its side effect; foreach simply has no children."""

    def __init__(self, action: Callable[[Any, Any], Any]) -> None:
        super().__init__()
        self.action = action

    def process(self, key: Any, value: Any) -> None:
        self.action(key, value)
        self.forward(key, value)


class Branch(Processor):
    """Each record goes to the first branch whose predicate holds (children in branch order); the default
    branch, when there is one, takes the rest."""

    def __init__(self, predicates: list[Callable[[Any, Any], bool]], has_default: bool) -> None:
        super().__init__()
        self.predicates = predicates
        self.has_default = has_default

    def link(self) -> None:
        super().link()
        self.routes = [(p, c.process) for p, c in zip(self.predicates, self.children, strict=False)]
        self.default = self.children[len(self.predicates)].process if self.has_default else None

    def process(self, key: Any, value: Any) -> None:
        for predicate, call in self.routes:
            if predicate(key, value):
                call(key, value)
                return
        if self.default is not None:
            self.default(key, value)


class Source(Processor):
    """Entry point of a topic: the task deserializes and calls `process`; it only forwards."""


class Sink(Processor):
    """Serializes and sends to a topic (partitioned by the producer's partitioner unless `partitioner`)."""

    def __init__(
        self,
        topic: str,
        key_serde: Any,
        value_serde: Any,
        partitioner: Callable[[Any, Any, int], int | None] | None = None,
    ) -> None:
        super().__init__()
        self.topic = topic
        self.kser = key_serde.serialize
        self.vser = value_serde.serialize
        self.partitioner = partitioner

    def init(self, ctx: Any) -> None:
        super().init(ctx)
        self.send = ctx.send
        self.produce = ctx.produce
        self.record = ctx.record
        if self.partitioner is not None:
            self.partitions = ctx.partitions(self.topic)
            self.process = self._process_partitioned  # type: ignore[method-assign]

    def process(self, key: Any, value: Any) -> None:
        self.produce(self.topic, self.kser(key), self.vser(value), None, self.record.message.timestamp()[1])

    def _process_partitioned(self, key: Any, value: Any) -> None:
        partition = self.partitioner(key, value, self.partitions)  # type: ignore[misc]
        self.send(self.topic, self.kser(key), self.vser(value), partition)
