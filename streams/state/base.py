"""What a store backend offers: bytes in, bytes out, sorted prefix scans, atomic batches."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol


class Backend(Protocol):
    """A key-value map of bytes. `write` applies a batch atomically (None deletes a key); `prefix` yields the
    entries whose key starts with the given bytes, in key order."""

    persistent: bool

    def get(self, key: bytes) -> bytes | None: ...

    def write(self, batch: Iterable[tuple[bytes, bytes | None]]) -> None: ...

    def prefix(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]: ...

    def items(self) -> Iterator[tuple[bytes, bytes]]: ...

    def approximate_count(self) -> int: ...

    def close(self) -> None: ...
