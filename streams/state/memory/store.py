"""In-memory backend: a dict, plus a sorted key list kept once a prefix scan asks for it."""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable, Iterator


class MemoryBackend:
    """Lost with the process: its state comes back from the changelog in full on every start."""

    persistent = False

    def __init__(self) -> None:
        self._data: dict[bytes, bytes] = {}
        self._sorted: list[bytes] | None = None  # maintained only after the first prefix scan

    def get(self, key: bytes) -> bytes | None:
        return self._data.get(key)

    def write(self, batch: Iterable[tuple[bytes, bytes | None]]) -> None:
        data, keys = self._data, self._sorted
        for key, value in batch:
            if value is None:
                if data.pop(key, None) is not None and keys is not None:
                    del keys[bisect_left(keys, key)]
            else:
                if keys is not None and key not in data:
                    insort(keys, key)
                data[key] = value

    def prefix(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        if self._sorted is None:
            self._sorted = sorted(self._data)
        keys, data = self._sorted, self._data
        at = bisect_left(keys, prefix)
        found = []
        while at < len(keys) and keys[at].startswith(prefix):
            found.append((keys[at], data[keys[at]]))
            at += 1
        return iter(found)

    def items(self) -> Iterator[tuple[bytes, bytes]]:
        return iter(sorted(self._data.items()))

    def approximate_count(self) -> int:
        return len(self._data)

    def close(self) -> None:
        self._data.clear()
        self._sorted = None
