"""RocksDB backend through rocksdict in raw (bytes) mode: survives restarts, so only the changelog tail
after the local checkpoint is replayed."""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import cast

from rocksdict import Options, Rdict, WriteBatch


class RocksDBBackend:
    persistent = True

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        options = Options(raw_mode=True)
        options.create_if_missing(True)
        self._db = Rdict(str(path), options)

    def get(self, key: bytes) -> bytes | None:
        return self._db.get(key)

    def write(self, batch: Iterable[tuple[bytes, bytes | None]]) -> None:
        wb = WriteBatch(raw_mode=True)
        for key, value in batch:
            if value is None:
                wb.delete(key)
            else:
                wb.put(key, value)
        self._db.write(wb)

    def prefix(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        it = self._db.iter()
        it.seek(prefix)
        while it.valid():
            key = it.key()
            if not key.startswith(prefix):
                break
            yield key, it.value()
            it.next()

    def items(self) -> Iterator[tuple[bytes, bytes]]:
        return cast(Iterator[tuple[bytes, bytes]], iter(self._db.items()))  # rocksdict types its own iterator

    def approximate_count(self) -> int:
        return self._db.property_int_value("rocksdb.estimate-num-keys") or 0

    def close(self) -> None:
        self._db.close()

    @staticmethod
    def wipe(path: Path) -> None:
        """Delete the store's files (its changelog rebuilds it)."""
        shutil.rmtree(path, ignore_errors=True)
