"""A connector's committed offsets, read, altered and reset (the REST offsets endpoints).

Sources: partition/offset mappings in the offset store. Sinks: the consumer group's committed
offsets in Kafka, as `{"kafka_topic", "kafka_partition"}` / `{"kafka_offset"}` (Kafka Connect's shape).
"""

from __future__ import annotations

from typing import Any

from confluent_kafka import ConsumerGroupTopicPartitions, KafkaException
from confluent_kafka import TopicPartition as KafkaTopicPartition

from connect.errors import BadRequestException
from connect.runtime.kafka_clients import KafkaClients, sink_group_id
from connect.storage.offsets import OffsetBackingStore, OffsetStorageReaderImpl, encode_key
from connect.storage.offsets.base import encode_value


class SourceOffsets:
    def __init__(self, store: OffsetBackingStore) -> None:
        self._store = store

    def read(self, name: str) -> list[dict[str, Any]]:
        reader = OffsetStorageReaderImpl(self._store, name)
        return [{"partition": p, "offset": o} for p, o in reader.connector_offsets()]

    def alter(self, name: str, offsets: list[dict[str, Any]]) -> None:
        values = {}
        for item in offsets:
            partition, offset = item.get("partition"), item.get("offset")
            if not isinstance(partition, dict):
                raise BadRequestException("Source partitions must be JSON objects")
            if offset is not None and not isinstance(offset, dict):
                raise BadRequestException("Source offsets must be JSON objects or null")
            values[encode_key(name, partition)] = encode_value(offset)
        self._store.set(values)

    def reset(self, name: str) -> None:
        reader = OffsetStorageReaderImpl(self._store, name)
        self._store.set({encode_key(name, p): None for p, _ in reader.connector_offsets()})


class SinkOffsets:
    def __init__(self, clients: KafkaClients) -> None:
        self._clients = clients

    def read(self, name: str) -> list[dict[str, Any]]:
        group = sink_group_id(name)
        try:
            result = self._clients.admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)])[
                group
            ].result(timeout=15)
        except KafkaException as exc:
            raise BadRequestException(f"cannot read the consumer group offsets of {name}: {exc}") from exc
        return [
            {
                "partition": {"kafka_topic": tp.topic, "kafka_partition": tp.partition},
                "offset": {"kafka_offset": tp.offset},
            }
            for tp in result.topic_partitions
            if tp.offset >= 0
        ]

    def alter(self, name: str, offsets: list[dict[str, Any]]) -> None:
        alter = []
        for item in offsets:
            partition, offset = item.get("partition") or {}, item.get("offset")
            topic, number = partition.get("kafka_topic"), partition.get("kafka_partition")
            if not isinstance(topic, str) or not isinstance(number, int):
                raise BadRequestException("Sink partitions need 'kafka_topic' (string) and 'kafka_partition' (int)")
            if offset is None:
                # Kafka Connect deletes that partition's committed offset; confluent-kafka has no call for it.
                raise BadRequestException(
                    f"cannot reset the offset of {topic}-{number} alone: reset all the connector's offsets "
                    f"(DELETE /connectors/{name}/offsets), or alter it to an offset"
                )
            value = offset.get("kafka_offset") if isinstance(offset, dict) else None
            if not isinstance(value, int) or value < 0:
                raise BadRequestException("Sink offsets need a non-negative integer 'kafka_offset'")
            alter.append(KafkaTopicPartition(topic, number, value))
        group = sink_group_id(name)
        admin = self._clients.admin
        try:
            admin.alter_consumer_group_offsets([ConsumerGroupTopicPartitions(group, alter)])[group].result(15)
        except KafkaException as exc:
            raise BadRequestException(f"cannot alter the consumer group offsets of {name}: {exc}") from exc

    def reset(self, name: str) -> None:
        group = sink_group_id(name)
        try:
            self._clients.admin.delete_consumer_groups([group])[group].result(15)
        except KafkaException as exc:
            if "GROUP_ID_NOT_FOUND" not in str(exc):
                raise BadRequestException(f"cannot reset the offsets of {name}: {exc}") from exc
