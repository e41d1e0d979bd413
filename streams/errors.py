"""The errors the streams runtime raises: each names what is wrong and where."""

from __future__ import annotations


class StreamsError(Exception):
    """Base class of every error raised by the streams runtime."""


class TopologyError(StreamsError):
    """The topology cannot run as built: a duplicate name, a topic sourced twice, a bad join, ..."""


class CopartitionError(TopologyError):
    """Topics that must be co-partitioned (joined, or feeding one store) have different partition counts."""


class MissingSourceTopicError(StreamsError):
    """A source topic of the topology does not exist in the cluster."""


class StateDirLockedError(StreamsError):
    """Another instance of the application already uses this state directory."""


class ProcessingError(StreamsError):
    """A record could not be processed (deserialized, handled by a processor, or serialized)."""

    def __init__(self, message: str, *, topic: str, partition: int, offset: int) -> None:
        super().__init__(f"{message} (record {topic}-{partition}@{offset})")
        self.topic = topic
        self.partition = partition
        self.offset = offset
