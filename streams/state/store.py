"""KeyValueStore: what processors use. A record cache in front of a backend, logging to a changelog.

Writes stay in the cache until the task commits. The commit then (1) `flush()`es: one changelog record per
key written since the last commit (the latest value), sent in the commit's transaction under exactly-once;
(2) the offsets or the transaction commit; (3) `apply()`: the same entries are written to the backend in one
batch and the changelog offset reached is remembered for the checkpoint. The backend therefore only ever
holds committed state, so the checkpoint is valid under both guarantees and a restart replays only the
changelog tail after it. Reads look in the cache first, then the backend.

Values are kept as objects in the cache: aggregators and joiners must return new values rather than
mutate the ones they are given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from streams.state.base import Backend
from streams.state.spec import StoreSpec

Send = Callable[[str, int, bytes, bytes | None, Callable[[Any, Any], None]], None]


class KeyValueStore:
    def __init__(self, spec: StoreSpec, backend: Backend, *, changelog: str | None, partition: int, max_records: int):
        self.name = spec.name
        self.spec = spec
        self.backend = backend
        self.changelog = changelog
        self.partition = partition
        self._kser = spec.key_serde.serialize
        self._vser = spec.value_serde.serialize
        self._vdes = spec.value_serde.deserialize
        self._max = max_records
        self._dirty: dict[bytes, Any] = {}  # written since the last commit (None = deleted)
        self._clean: dict[bytes, Any] = {}  # read or committed values
        self._staged: list[tuple[bytes, bytes | None]] = []
        self.changelog_next = -1  # the changelog offset after our last delivered write
        self._send: Send | None = None
        self._errors: list[str] = []

    # -- processor API ---------------------------------------------------------------------
    def get(self, key: Any) -> Any:
        return self.get_raw(self._kser(key))

    def get_raw(self, kb: bytes) -> Any:
        dirty = self._dirty
        if kb in dirty:
            return dirty[kb]
        clean = self._clean
        if kb in clean:
            return clean[kb]
        raw = self.backend.get(kb)
        if raw is None:
            return None
        value = self._vdes(raw)
        if len(clean) >= self._max:
            clean.clear()
        clean[kb] = value
        return value

    def put(self, key: Any, value: Any) -> None:
        self.put_raw(self._kser(key), value)

    def put_raw(self, kb: bytes, value: Any) -> None:
        self._dirty[kb] = value

    def delete(self, key: Any) -> None:
        self._dirty[self._kser(key)] = None

    def prefix_raw(self, prefix: bytes) -> list[tuple[bytes, Any]]:
        """Entries whose serialized key starts with `prefix`, cache merged over the backend, in key order."""
        found = {k: self._vdes(v) for k, v in self.backend.prefix(prefix)}
        for kb, value in self._dirty.items():
            if kb.startswith(prefix):
                found[kb] = value
        return sorted((k, v) for k, v in found.items() if v is not None)

    def all(self) -> Iterator[tuple[Any, Any]]:
        """Every (key, value), committed and cached (interactive queries, tests)."""
        kdes = self.spec.key_serde.deserialize
        merged = {k: self._vdes(v) for k, v in self.backend.items()}
        merged.update(self._dirty)
        for kb, value in sorted(merged.items()):
            if value is not None:
                yield kdes(kb), value

    @property
    def full(self) -> bool:
        return len(self._dirty) >= self._max

    # -- commit protocol -------------------------------------------------------------------
    def bind(self, send: Send) -> None:
        self._send = send

    def flush(self) -> None:
        """Serialize what changed since the last commit and log it to the changelog."""
        if not self._dirty:
            return
        vser = self._vser
        staged = [(kb, None if v is None else vser(v)) for kb, v in self._dirty.items()]
        self._staged = staged
        if self.changelog is not None and self._send is not None:
            send, topic, partition, delivered = self._send, self.changelog, self.partition, self._delivered
            for kb, vb in staged:
                send(topic, partition, kb, vb, delivered)

    def apply(self) -> None:
        """After the commit: the flushed entries go to the backend in one batch."""
        if self._errors:
            raise RuntimeError(f"changelog write failed for store {self.name}: {self._errors[0]}")
        if self._staged:
            self.backend.write(self._staged)
            self._staged = []
        clean = self._clean
        if len(clean) + len(self._dirty) > self._max:
            clean.clear()
        for kb, value in self._dirty.items():
            if value is None:
                clean.pop(kb, None)
            else:
                clean[kb] = value
        self._dirty = {}

    def discard(self) -> None:
        """Forget uncommitted writes (an aborted transaction, a lost partition)."""
        self._dirty = {}
        self._staged = []
        self._clean.clear()

    def _delivered(self, err: Any, msg: Any) -> None:
        if err is not None:
            self._errors.append(str(err))
        else:
            offset = msg.offset() + 1
            if offset > self.changelog_next:
                self.changelog_next = offset

    def approximate_count(self) -> int:
        return self.backend.approximate_count() + sum(1 for v in self._dirty.values() if v is not None)

    def close(self) -> None:
        self.backend.close()


class ReadOnlyStore:
    """A read-only view for interactive queries: `get(key)` and iteration over `items()`."""

    def __init__(self, stores: list[KeyValueStore]) -> None:
        self._stores = stores

    def get(self, key: Any) -> Any:
        for store in self._stores:
            value = store.get(key)
            if value is not None:
                return value
        return None

    def items(self) -> Iterator[tuple[Any, Any]]:
        for store in self._stores:
            yield from store.all()

    def __len__(self) -> int:
        return sum(1 for _ in self.items())
