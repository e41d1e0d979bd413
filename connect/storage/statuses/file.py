"""File status store for standalone mode (`status.storage.file.filename`): the last known statuses on disk.

The file holds the status-topic records as JSON (see base.py), rewritten atomically after every change.
"""

from __future__ import annotations

import os
from pathlib import Path

from connect.storage.json_file import read_json, write_json
from connect.storage.statuses.base import (
    CONNECTOR_PREFIX,
    TASK_PREFIX,
    TOPIC_PREFIX,
    decode_status,
    decode_topic,
)
from connect.storage.statuses.memory import MemoryStatusBackingStore


class FileStatusBackingStore(MemoryStatusBackingStore):
    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__()
        self._path = Path(path)

    def start(self) -> None:
        records = read_json(self._path, "statuses")
        with self._lock:
            for key, value in records.items():
                if key.startswith(CONNECTOR_PREFIX):
                    self._connectors[key[len(CONNECTOR_PREFIX) :]] = decode_status(value)
                elif key.startswith(TASK_PREFIX):
                    name, _, index = key[len(TASK_PREFIX) :].rpartition("-")
                    self._tasks.setdefault(name, {})[int(index)] = decode_status(value)
                elif key.startswith(TOPIC_PREFIX):
                    topic = decode_topic(value)
                    self._topics.setdefault(topic.connector, {})[topic.topic] = topic

    def _persist(self) -> None:
        write_json(self._path, self._records())
