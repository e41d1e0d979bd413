"""Config stores share one protocol and the config-topic record layout of Kafka Connect."""

from connect.storage.configs.base import ClusterConfigState, ConfigBackingStore, ConfigUpdateListener
from connect.storage.configs.file import FileConfigBackingStore
from connect.storage.configs.memory import MemoryConfigBackingStore

__all__ = [
    "ClusterConfigState",
    "ConfigBackingStore",
    "ConfigUpdateListener",
    "FileConfigBackingStore",
    "MemoryConfigBackingStore",
]
