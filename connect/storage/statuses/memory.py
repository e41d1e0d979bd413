"""In-memory status store (standalone mode without a file; tests; the base of the file store)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from connect.runtime.states import TaskId
from connect.storage.statuses.base import (
    CONNECTOR_PREFIX,
    TASK_PREFIX,
    TOPIC_PREFIX,
    TOPIC_SEPARATOR,
    Status,
    TopicStatus,
    decode_status,
    decode_topic,
    encode_status,
    encode_topic,
    task_key,
    topic_key,
)


class MemoryStatusBackingStore:
    def __init__(self) -> None:
        self._connectors: dict[str, Status] = {}
        self._tasks: dict[str, dict[int, Status]] = {}
        self._topics: dict[str, dict[str, TopicStatus]] = {}
        self._lock = threading.Lock()

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def flush(self) -> None:
        pass

    def put_connector(self, connector: str, status: Status) -> None:
        with self._lock:
            self._connectors[connector] = status
            self._persist()

    def put_task(self, task: TaskId, status: Status) -> None:
        with self._lock:
            self._tasks.setdefault(task.connector, {})[task.task] = status
            self._persist()

    def put_topic(self, status: TopicStatus) -> None:
        with self._lock:
            self._topics.setdefault(status.connector, {})[status.topic] = status
            self._persist()

    def connector(self, connector: str) -> Status | None:
        with self._lock:
            return self._connectors.get(connector)

    def task(self, task: TaskId) -> Status | None:
        with self._lock:
            return self._tasks.get(task.connector, {}).get(task.task)

    def tasks(self, connector: str) -> dict[int, Status]:
        with self._lock:
            return dict(self._tasks.get(connector, {}))

    def topics(self, connector: str) -> list[TopicStatus]:
        with self._lock:
            return list(self._topics.get(connector, {}).values())

    def delete_topic(self, connector: str, topic: str) -> None:
        with self._lock:
            if self._topics.get(connector, {}).pop(topic, None) is not None:
                self._persist()

    def remove_tasks(self, connector: str) -> None:
        with self._lock:
            if self._tasks.pop(connector, None) is not None:
                self._persist()

    def remove(self, connector: str) -> None:
        with self._lock:
            self._connectors.pop(connector, None)
            self._tasks.pop(connector, None)
            self._topics.pop(connector, None)
            self._persist()

    def connectors(self) -> set[str]:
        with self._lock:
            return set(self._connectors)

    def _records(self) -> dict[str, dict]:
        """Every status as status-topic records (key → JSON value); call with the lock held."""
        out: dict[str, dict] = {CONNECTOR_PREFIX + name: encode_status(s) for name, s in self._connectors.items()}
        for name, tasks in self._tasks.items():
            out.update({task_key(TaskId(name, i)): encode_status(s) for i, s in tasks.items()})
        for name, topics in self._topics.items():
            out.update({topic_key(topic, name): encode_topic(s) for topic, s in topics.items()})
        return out

    def _apply_record(self, key: str, value: Mapping[str, Any] | None) -> None:
        """Apply one status-topic record (None deletes); call with the lock held."""
        if key.startswith(CONNECTOR_PREFIX):
            name = key[len(CONNECTOR_PREFIX) :]
            if value is None:
                self._connectors.pop(name, None)
            else:
                self._connectors[name] = decode_status(value)
        elif key.startswith(TASK_PREFIX):
            name, _, index = key[len(TASK_PREFIX) :].rpartition("-")
            if value is None:
                self._tasks.get(name, {}).pop(int(index), None)
            else:
                self._tasks.setdefault(name, {})[int(index)] = decode_status(value)
        elif key.startswith(TOPIC_PREFIX):
            topic, _, name = key[len(TOPIC_PREFIX) :].rpartition(TOPIC_SEPARATOR)
            if value is None:
                self._topics.get(name, {}).pop(topic, None)
            else:
                status = decode_topic(value)
                self._topics.setdefault(status.connector, {})[status.topic] = status

    def _persist(self) -> None:
        """Called under the lock after every change (the file store writes its file here)."""
