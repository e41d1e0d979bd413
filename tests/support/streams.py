"""Helpers for streams tests: topics, JSON records in and out, an application running for a block."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from streams import KafkaStreams, Topology
from tests.support.kafka import read_topic


def create_topics(bootstrap: str, topics: dict[str, int], config: dict[str, str] | None = None) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    new = [NewTopic(name, partitions, 1, config=config or {}) for name, partitions in topics.items()]
    for future in admin.create_topics(new, operation_timeout=30).values():
        future.result()


def dump(obj: Any) -> bytes | None:
    return None if obj is None else orjson.dumps(obj)


def produce_json(bootstrap: str, topic: str, items: list[tuple[Any, Any]], partitioner: str = "murmur2_random") -> None:
    producer = Producer({"bootstrap.servers": bootstrap, "partitioner": partitioner, "linger.ms": 5})
    for key, value in items:
        producer.produce(topic, dump(value), dump(key))
    assert producer.flush(30) == 0


def load(data: bytes | None) -> Any:
    """JSON, or text when the bytes are not JSON (a topic written with the STRING serde)."""
    if data is None:
        return None
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return data.decode()


def read_json(
    bootstrap: str, topic: str, until: Callable[[list[tuple[Any, Any]]], bool], timeout: float = 30.0
) -> list[tuple[Any, Any]]:
    """Every record of `topic` as decoded (key, value) pairs, read committed, once `until` holds."""

    def decoded(messages: list[Any]) -> list[tuple[Any, Any]]:
        return [(load(m.key()), load(m.value())) for m in messages]

    return decoded(read_topic(bootstrap, topic, lambda ms: until(decoded(ms)), timeout))


def latest(records: list[tuple[Any, Any]]) -> dict[Any, Any]:
    """The table a changelog-like list of records leaves: last value per key, tombstones delete."""
    table: dict[Any, Any] = {}
    for key, value in records:
        hashable = orjson.dumps(key)
        if value is None:
            table.pop(hashable, None)
        else:
            table[hashable] = value
    return {orjson.loads(k) if not isinstance(orjson.loads(k), dict) else k: v for k, v in table.items()}


@contextlib.contextmanager
def running(
    topology: Topology, bootstrap: str, application_id: str, state_dir: Path, **config: Any
) -> Iterator[KafkaStreams]:
    props = {
        "application.id": application_id,
        "bootstrap.servers": bootstrap,
        "state.dir": str(state_dir),
        "commit.interval.ms": 100,
        **{k.replace("_", "."): v for k, v in config.items()},
    }
    app = KafkaStreams(topology, props)
    app.start()
    try:
        app.wait_until_running(60)
        yield app
    finally:
        app.close()
    assert app.error is None, f"the application failed: {app.error!r}"
