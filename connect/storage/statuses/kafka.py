"""Status store on a Kafka topic (`status.storage.topic`): every worker writes what it runs, and reads all.

Records follow Kafka Connect's layout (base.py). A worker's own writes show at once in its
cache; other workers' arrive through the log. Statuses carry the rebalance generation they
were written in: an UNASSIGNED or FAILED written by a worker that no longer runs the task
(an older generation, another worker) does not overwrite its new owner's state, as Kafka
Connect's "safe" writes.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from confluent_kafka import Message

from connect.runtime.states import State, TaskId
from connect.storage.kafka_log import KafkaBasedLog, decode_record
from connect.storage.statuses.base import (
    CONNECTOR_PREFIX,
    Status,
    TopicStatus,
    encode_status,
    encode_topic,
    task_key,
    topic_key,
)
from connect.storage.statuses.memory import MemoryStatusBackingStore

log = logging.getLogger(__name__)

_SAFE_ONLY = (State.UNASSIGNED, State.FAILED)


def _may_overwrite(current: Status | None, new: Status) -> bool:
    if new.state not in _SAFE_ONLY or current is None:
        return True
    return current.worker_id == new.worker_id or current.generation <= new.generation


class KafkaStatusBackingStore(MemoryStatusBackingStore):
    def __init__(self, log_factory: Any) -> None:
        """`log_factory(on_record)` builds the KafkaBasedLog the store reads and writes."""
        super().__init__()
        self._log: KafkaBasedLog = log_factory(self._on_record)

    def start(self) -> None:
        self._log.start()

    def stop(self) -> None:
        self._log.stop()

    def flush(self) -> None:
        self._log.flush()

    def read_to_end(self, timeout: float) -> bool:
        return self._log.read_to_end(timeout)

    def _on_record(self, message: Message) -> None:
        try:
            key, value = decode_record(message)
            with self._lock:
                self._apply_record(key, value)
        except (KeyError, TypeError, ValueError) as exc:
            log.error("status log: skipping a malformed record at offset %d: %s", message.offset(), exc)

    def _send(self, key: str, value: Any) -> None:
        self._log.send(key, None if value is None else orjson.dumps(value), self._on_delivery)

    def _on_delivery(self, err: Any, msg: Message) -> None:
        if err is not None:
            log.error("status update %s not written: %s", msg.key(), err)

    # -- writes: the cache at once, the topic asynchronously (flush() waits) -----------------
    def put_connector(self, connector: str, status: Status) -> None:
        with self._lock:
            if not _may_overwrite(self._connectors.get(connector), status):
                return
            self._connectors[connector] = status
        self._send(CONNECTOR_PREFIX + connector, encode_status(status))

    def put_task(self, task: TaskId, status: Status) -> None:
        with self._lock:
            if not _may_overwrite(self._tasks.get(task.connector, {}).get(task.task), status):
                return
            self._tasks.setdefault(task.connector, {})[task.task] = status
        self._send(task_key(task), encode_status(status))

    def put_topic(self, status: TopicStatus) -> None:
        super().put_topic(status)
        self._send(topic_key(status.topic, status.connector), encode_topic(status))

    def delete_topic(self, connector: str, topic: str) -> None:
        super().delete_topic(connector, topic)
        self._send(topic_key(topic, connector), None)

    def remove_task(self, task: TaskId) -> None:
        with self._lock:
            self._tasks.get(task.connector, {}).pop(task.task, None)
        self._send(task_key(task), None)

    def remove_tasks(self, connector: str) -> None:
        with self._lock:
            tasks = list(self._tasks.pop(connector, {}))
        for task in tasks:
            self._send(task_key(TaskId(connector, task)), None)

    def remove(self, connector: str) -> None:
        with self._lock:
            tasks = list(self._tasks.get(connector, {}))
            topics = list(self._topics.get(connector, {}))
        super().remove(connector)
        self._send(CONNECTOR_PREFIX + connector, None)
        for task in tasks:
            self._send(task_key(TaskId(connector, task)), None)
        for topic in topics:
            self._send(topic_key(topic, connector), None)
