"""In-memory offset store (tests, and a base for the file store)."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping


class MemoryOffsetBackingStore:
    def __init__(self) -> None:
        self._data: dict[bytes, bytes] = {}
        self._lock = threading.Lock()

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def get(self, keys: Iterable[bytes]) -> dict[bytes, bytes | None]:
        with self._lock:
            return {k: self._data.get(k) for k in keys}

    def set(self, values: Mapping[bytes, bytes | None]) -> None:
        with self._lock:
            self._apply(values)

    def _apply(self, values: Mapping[bytes, bytes | None]) -> None:
        for k, v in values.items():
            if v is None:
                self._data.pop(k, None)
            else:
                self._data[k] = v

    def all(self) -> dict[bytes, bytes]:
        with self._lock:
            return dict(self._data)
