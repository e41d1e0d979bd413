"""Offset stores share one protocol and the offsets-topic key/value layout of Kafka Connect."""

from connect.storage.offsets.base import OffsetBackingStore, OffsetStorageReaderImpl, decode_key, encode_key
from connect.storage.offsets.file import FileOffsetBackingStore
from connect.storage.offsets.memory import MemoryOffsetBackingStore

__all__ = [
    "FileOffsetBackingStore",
    "MemoryOffsetBackingStore",
    "OffsetBackingStore",
    "OffsetStorageReaderImpl",
    "decode_key",
    "encode_key",
]
