"""File offset store for standalone mode (`offset.storage.file.filename`).

The file is JSON: `{"<key json>": "<value json>"}` — the offsets-topic layout as text —
rewritten atomically on every flush (see connect/storage/json_file.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from connect.storage.json_file import read_json, write_json
from connect.storage.offsets.memory import MemoryOffsetBackingStore


class FileOffsetBackingStore(MemoryOffsetBackingStore):
    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__()
        self._path = Path(path)

    def start(self) -> None:
        raw = read_json(self._path, "offsets")
        with self._lock:
            self._data = {k.encode(): v.encode() for k, v in raw.items() if v is not None}

    def set(self, values: Mapping[bytes, bytes | None]) -> None:
        with self._lock:
            self._apply(values)
            write_json(self._path, {k.decode(): v.decode() for k, v in self._data.items()})
