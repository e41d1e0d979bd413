"""Schema Registry helpers for integration tests: compatibility levels, versions, and reading a topic with
Confluent's own AvroDeserializer (the consumer a Confluent user runs, with nothing of ours in between)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from confluent_kafka import Message
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext

from tests.support.kafka import read_topic


def set_compatibility(registry_url: str, subject: str, level: str) -> None:
    """The subject's own level (Apicurio defaults to NONE; the shared registry's global level is left alone)."""
    response = httpx.put(f"{registry_url}/config/{subject}", json={"compatibility": level}, timeout=10)
    response.raise_for_status()


def versions(registry_url: str, subject: str) -> list[int]:
    response = httpx.get(f"{registry_url}/subjects/{subject}/versions", timeout=10)
    return response.json() if response.status_code == 200 else []


def read_avro(
    bootstrap: str,
    registry_url: str,
    topic: str,
    until: Callable[[list[tuple[Any, Any]]], bool],
    timeout: float = 60.0,
) -> list[tuple[Any, Any]]:
    """(key, value) of every message of `topic`, each decoded by Confluent's AvroDeserializer alone, read
    until `until(decoded)` holds or the timeout."""
    deserialize = AvroDeserializer(SchemaRegistryClient({"url": registry_url}))
    decoded: list[tuple[Any, Any]] = []

    def decode(messages: list[Message]) -> bool:
        for m in messages[len(decoded) :]:
            decoded.append(
                (
                    deserialize(m.key(), SerializationContext(topic, MessageField.KEY)),
                    deserialize(m.value(), SerializationContext(topic, MessageField.VALUE)),
                )
            )
        return until(decoded)

    read_topic(bootstrap, topic, decode, timeout)
    return decoded


def replay(events: list[tuple[Any, Any]]) -> dict[Any, dict[str, Any]]:
    """The table a stream of Debezium change events leaves behind: row by key, deletes applied."""
    rows: dict[Any, dict[str, Any]] = {}
    for key, value in events:
        if value is None:
            continue  # a tombstone
        ident = tuple(sorted(key.items()))
        if value["op"] == "d":
            rows.pop(ident, None)
        else:
            rows[ident] = value["after"]
    return rows
