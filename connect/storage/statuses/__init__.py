"""Status stores share one protocol and the status-topic record layout of Kafka Connect."""

from connect.storage.statuses.base import Status, StatusBackingStore, TopicStatus
from connect.storage.statuses.file import FileStatusBackingStore
from connect.storage.statuses.memory import MemoryStatusBackingStore

__all__ = ["FileStatusBackingStore", "MemoryStatusBackingStore", "Status", "StatusBackingStore", "TopicStatus"]
