"""Keyed records land on the partition Kafka's Java producer would choose, as with Kafka Connect and Debezium:
consumers and Kafka Streams/ksqlDB joins that rely on co-partitioning by key keep working when we replace them."""

from __future__ import annotations

import subprocess
from pathlib import Path

from confluent_kafka import Consumer
from confluent_kafka.admin import AdminClient, NewTopic

from connect.runtime.standalone import running

JAVA_PARTITIONS = Path(__file__).resolve().parents[2] / "support" / "java" / "Partitions.java"
PARTITIONS = 6


def java_partitions(services, keys: list[bytes]) -> list[int]:
    """The partition of each key under Java's default partitioner (kafka-clients of the broker's version)."""
    lines = "".join(f"{PARTITIONS} {key.hex()}\n" for key in keys)
    out = subprocess.run(
        ["java", "-cp", f"{services.kafka_libs}/*", str(JAVA_PARTITIONS)],
        input=lines,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    return [int(p) for p in out.split()]


def test_keyed_source_records_are_partitioned_as_javas_producer_does(services, herder, unique_name):
    admin = AdminClient({"bootstrap.servers": services.kafka_bootstrap})
    admin.create_topics([NewTopic(unique_name, PARTITIONS, 1)])[unique_name].result(30)
    herder.put_connector_config(
        unique_name,
        {
            "connector.class": "datagen",
            "kafka.topic": unique_name,
            "key.cardinality": "300",
            "max.records": "900",
        },
        allow_replace=False,
    )
    herder.wait_for(unique_name, running)
    consumer = Consumer(
        {
            "bootstrap.servers": services.kafka_bootstrap,
            "group.id": unique_name,
            "auto.offset.reset": "earliest",
        }
    )
    consumer.subscribe([unique_name])
    placed: dict[bytes, set[int]] = {}
    try:
        seen = 0
        for _ in range(240):
            for msg in consumer.consume(500, 0.5):
                if msg.error() is None:
                    placed.setdefault(msg.key(), set()).add(msg.partition())
                    seen += 1
            if seen >= 900:
                break
    finally:
        consumer.close()
    assert seen >= 900
    keys = sorted(placed)
    assert len(keys) == 300
    expected = java_partitions(services, keys)
    assert {key: placed[key] for key in keys} == {key: {p} for key, p in zip(keys, expected, strict=True)}
    assert len(set(expected)) == PARTITIONS  # the keys spread over every partition, so the check means something
