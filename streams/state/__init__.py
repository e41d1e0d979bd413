"""State stores: key-value backends (memory, RocksDB) behind a record cache that logs to a changelog topic."""

from streams.state.base import Backend
from streams.state.store import KeyValueStore, ReadOnlyStore

__all__ = ["Backend", "KeyValueStore", "ReadOnlyStore"]
