"""File offset store for standalone mode (`offset.storage.file.filename`).

The file is JSON: `{"<key json>": "<value json>"}` — the offsets-topic layout as text —
rewritten atomically (temp file, fsync, rename) on every flush, so a crash leaves either
the old or the new offsets, never a torn file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import orjson

from connect.errors import ConnectException
from connect.storage.offsets.memory import MemoryOffsetBackingStore


class FileOffsetBackingStore(MemoryOffsetBackingStore):
    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__()
        self._path = Path(path)

    def start(self) -> None:
        if not self._path.exists():
            return
        try:
            raw = orjson.loads(self._path.read_bytes() or b"{}")
        except (OSError, orjson.JSONDecodeError) as exc:
            raise ConnectException(f"cannot read offsets file {self._path}: {exc}") from exc
        with self._lock:
            self._data = {k.encode(): v.encode() for k, v in raw.items() if v is not None}

    def set(self, values: Mapping[bytes, bytes | None]) -> None:
        with self._lock:
            self._apply(values)
            snapshot = {k.decode(): v.decode() for k, v in self._data.items()}
            self._write(orjson.dumps(snapshot, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2))

    def _write(self, data: bytes) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".offsets.", dir=self._path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self._path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
