"""Object keys: `<topics.dir>/<topic>/<encoded partition>/<topic>+<kafka partition>+<start offset><ext>`,
with the start offset zero-padded so names sort by offset (Confluent's layout), and the reverse."""

from __future__ import annotations

import re

from connect.spi import TopicPartition
from connectors.s3.config import PartitionerKind, S3SinkConfig


class ObjectNames:
    def __init__(self, config: S3SinkConfig) -> None:
        self.topics_dir = config.topics_dir
        self.delim = config.directory_delim
        self.file_delim = config.file_delim
        self.pad = config.zero_pad
        self.by_kafka_partition = config.partitioner is PartitionerKind.DEFAULT
        self._patterns: dict[TopicPartition, re.Pattern[str]] = {}

    def _join(self, *levels: str) -> str:
        return self.delim.join(level for level in levels if level)

    def base(self, directory_topic: str, encoded: str, tp: TopicPartition, start: int) -> str:
        """The key of a file without its extension. The directory follows the record's topic (a transform
        may rename it); the name keeps the topic the offsets belong to, so names never collide."""
        d = self.file_delim
        name = f"{tp.topic}{d}{tp.partition}{d}{start:0{self.pad}d}"
        return self._join(self.topics_dir, directory_topic, encoded, name)

    def prefix(self, tp: TopicPartition) -> str:
        """The narrowest prefix holding every object of a Kafka partition."""
        if self.by_kafka_partition:
            return self._join(self.topics_dir, tp.topic, f"partition={tp.partition}") + self.delim
        return self._join(self.topics_dir, tp.topic) + self.delim

    def start_offset(self, key: str, tp: TopicPartition) -> int | None:
        """The start offset in an object key of this partition's, None for any other key."""
        pattern = self._patterns.get(tp)
        if pattern is None:
            d, level = re.escape(self.file_delim), re.escape(self.delim)
            name = rf"{re.escape(tp.topic)}{d}{tp.partition}{d}(\d+)"
            pattern = re.compile(rf"(?:^|{level}){name}(?:\.[^{level}]*)?$")
            self._patterns[tp] = pattern
        match = pattern.search(key)
        return int(match.group(1)) if match else None
