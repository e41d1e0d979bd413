"""MessageReader against the real Kafka: a record read again by position, and positions no longer there."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from confluent_kafka import Producer
from confluent_kafka import TopicPartition as KafkaTopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from connect.data import RecordPosition
from connect.runtime.errors.context import RawMessage
from connect.runtime.errors.reread import MessageReader
from connect.runtime.kafka_clients import CONSUMER_DEFAULTS


@pytest.fixture
def topic(services, unique_name) -> str:
    admin = AdminClient({"bootstrap.servers": services.kafka_bootstrap})
    for future in admin.create_topics([NewTopic(unique_name, 2, 1)], operation_timeout=30).values():
        future.result()
    return unique_name


@pytest.fixture
def reader(services, unique_name) -> Iterator[MessageReader]:
    # The worker's consumer settings for a sink task (read_committed, its group).
    reader = MessageReader(
        {**CONSUMER_DEFAULTS, "bootstrap.servers": services.kafka_bootstrap, "group.id": unique_name}
    )
    yield reader
    reader.close()


def produce(bootstrap: str, topic: str, n: int, partition: int = 1) -> None:
    producer = Producer({"bootstrap.servers": bootstrap})
    for i in range(n):
        producer.produce(
            topic, f"value {i}".encode(), f"key {i}".encode(), partition, headers=[("i", str(i).encode()), ("n", None)]
        )
    assert producer.flush(15) == 0


def gone(position: RecordPosition) -> RawMessage:
    return RawMessage(position.topic, position.kafka_partition, position.kafka_offset, None, None, [])


def test_a_record_is_read_again_as_stored_and_another_after_it(services, topic, reader):
    produce(services.kafka_bootstrap, topic, 5)
    # Read on (1 → 2 → 4 → 4), or sought (3 → 1, 4 → 0: behind what was read); then the other partition.
    for offset in (3, 1, 2, 4, 4, 0):
        raw = reader.read(RecordPosition(topic, 1, offset))
        assert (raw.topic, raw.partition, raw.offset) == (topic, 1, offset)
        assert (raw.key, raw.value) == (f"key {offset}".encode(), f"value {offset}".encode())
        assert raw.headers == [("i", str(offset).encode()), ("n", None)] and raw.timestamp is not None
    assert reader.read(RecordPosition(topic, 0, 0)) == gone(RecordPosition(topic, 0, 0))  # empty partition
    assert reader.read(RecordPosition(topic, 1, 1)).value == b"value 1"


def test_a_record_deleted_from_the_log_yields_its_position_without_key_or_value(services, topic, reader, caplog):
    produce(services.kafka_bootstrap, topic, 4)
    admin = AdminClient({"bootstrap.servers": services.kafka_bootstrap})
    for future in admin.delete_records([KafkaTopicPartition(topic, 1, 2)]).values():  # as retention would
        future.result()
    with caplog.at_level(logging.WARNING, logger="connect.runtime.errors.reread"):
        assert reader.read(RecordPosition(topic, 1, 0)) == gone(RecordPosition(topic, 1, 0))
    assert "no longer in Kafka" in caplog.text  # found gone, not given up on after the timeout
    assert reader.read(RecordPosition(topic, 1, 2)).value == b"value 2"


def test_an_aborted_record_and_a_position_past_the_end_yield_no_key_or_value(services, topic, reader, caplog):
    # Offsets with no record to read (as after compaction): 0 aborted, 1 its abort marker, 2 the record, 3 a marker.
    producer = Producer({"bootstrap.servers": services.kafka_bootstrap, "transactional.id": topic})
    producer.init_transactions(30)
    for commit in (False, True):
        producer.begin_transaction()
        producer.produce(topic, b"committed" if commit else b"aborted", b"k", 0)
        assert producer.flush(15) == 0  # in the log before the abort (abort_transaction drops what is unsent)
        producer.commit_transaction(30) if commit else producer.abort_transaction(30)
    with caplog.at_level(logging.WARNING, logger="connect.runtime.errors.reread"):
        # 0 stops at 2, which the next read takes; 1 is behind it (sought); 9 reads on to the end, twice.
        for offset in (0, 2, 1, 2, 9, 9, 2):
            position = RecordPosition(topic, 0, offset)
            if offset == 2:
                assert reader.read(position).value == b"committed"
            else:
                assert reader.read(position) == gone(position)
    assert caplog.text.count("no longer in Kafka") == 4
