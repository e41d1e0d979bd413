"""Offset store on a Kafka topic (`offset.storage.topic`): source offsets every worker can read.

Keys and values are Kafka Connect's (`["<connector>", {partition}]` → offset JSON); records are
partitioned with murmur2 as Java's producer does, so a key lands on the partition Kafka
Connect would use. `set()` returns once Kafka acknowledged the write; `get()` and `all()` first
read the topic to its end, so a task that moved from another worker resumes from that worker's
last commit. With exactly-once source support, tasks write their offsets inside their own
transactions; this store reads committed records only.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any

from confluent_kafka import Message

from connect.errors import ConnectException
from connect.storage.kafka_log import KafkaBasedLog

READ_TIMEOUT = 30.0


class KafkaOffsetBackingStore:
    def __init__(self, log_factory: Any) -> None:
        """`log_factory(on_record)` builds the KafkaBasedLog (murmur2 partitioner, read_committed when EOS)."""
        self._data: dict[bytes, bytes] = {}
        self._lock = threading.Lock()
        self._log: KafkaBasedLog = log_factory(self._on_record)

    @property
    def topic(self) -> str:
        return self._log.spec.name

    def start(self) -> None:
        self._log.start()

    def stop(self) -> None:
        self._log.stop()

    def _on_record(self, message: Message) -> None:
        key = message.key()
        if key is None:
            return
        with self._lock:
            value = message.value()
            if value is None:
                self._data.pop(key, None)
            else:
                self._data[key] = value

    def _read_to_end(self) -> None:
        if not self._log.read_to_end(READ_TIMEOUT):
            raise ConnectException(f"could not read the offsets topic {self.topic} to its end")

    def get(self, keys: Iterable[bytes]) -> dict[bytes, bytes | None]:
        self._read_to_end()
        with self._lock:
            return {k: self._data.get(k) for k in keys}

    def all(self) -> dict[bytes, bytes]:
        self._read_to_end()
        with self._lock:
            return dict(self._data)

    def set(self, values: Mapping[bytes, bytes | None]) -> None:
        self._log.send_and_wait(list(values.items()))
        with self._lock:
            for key, value in values.items():
                if value is None:
                    self._data.pop(key, None)
                else:
                    self._data[key] = value
