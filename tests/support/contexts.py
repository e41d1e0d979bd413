"""A source task context for unit tests, backed by the runtime's real in-memory offset store."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connect.storage.offsets import MemoryOffsetBackingStore, OffsetStorageReaderImpl, encode_key
from connect.storage.offsets.base import encode_value


class SourceContext:
    """What a worker gives a source task: its name, id and committed offsets (set them with `store_offset`)."""

    def __init__(self, connector_name: str = "test", task_id: int = 0) -> None:
        self.connector_name = connector_name
        self.task_id = task_id
        self.store = MemoryOffsetBackingStore()
        self.offset_reader = OffsetStorageReaderImpl(self.store, connector_name)
        self.status: dict[str, Any] = {}
        self.errant_record_reporter = None  # no error handling: a rejected record raises, as tolerance=none

    def store_offset(self, partition: Mapping[str, Any], offset: Mapping[str, Any]) -> SourceContext:
        self.store.set({encode_key(self.connector_name, partition): encode_value(offset)})
        return self

    def report_status(self, details: Mapping[str, Any]) -> None:
        self.status = dict(details)
