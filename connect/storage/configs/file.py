"""File config store for standalone mode (`config.storage.file.filename`): configs survive a restart.

The file holds the config-topic records as JSON (`{"connector-<name>": {"properties": ...}, ...}`,
see base.py), rewritten atomically after every change.
"""

from __future__ import annotations

import os
from pathlib import Path

from connect.storage.configs.base import ClusterConfigState, from_records, to_records
from connect.storage.configs.memory import MemoryConfigBackingStore
from connect.storage.json_file import read_json, write_json


class FileConfigBackingStore(MemoryConfigBackingStore):
    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__()
        self._path = Path(path)

    def start(self) -> None:
        state = from_records(read_json(self._path, "connector configs"))
        with self._lock:
            self._state = state

    def _persist(self, state: ClusterConfigState) -> None:
        write_json(self._path, to_records(state))
