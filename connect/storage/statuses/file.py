"""File status store for standalone mode (`status.storage.file.filename`): the last known statuses on disk.

The file holds the status-topic records as JSON (see base.py), rewritten atomically after every change.
"""

from __future__ import annotations

import os
from pathlib import Path

from connect.storage.json_file import read_json, write_json
from connect.storage.statuses.memory import MemoryStatusBackingStore


class FileStatusBackingStore(MemoryStatusBackingStore):
    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__()
        self._path = Path(path)

    def start(self) -> None:
        records = read_json(self._path, "statuses")
        with self._lock:
            for key, value in records.items():
                self._apply_record(key, value)

    def _persist(self) -> None:
        write_json(self._path, self._records())
