"""The S3 sink task: records → partition writers → objects; `pre_commit` returns only offsets whose objects exist.

A BatchingSinkTask: write(batch) groups the batch by Kafka partition and hands each group to its
PartitionWriter, which writes into open files and seals commits; uploads run on background threads.
The base refuses a batch (RetriableException) while S3 requests are failing and fails the task for
what no retry fixes; the first records of a newly assigned partition first look at its objects
(recovery.py). Each partition's backlog is the bytes its uploads hold: more than two parts' worth in
all pauses the partitions holding them. pre_commit returns each partition's safe offset (writer.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Mapping
from typing import Any

from connect.data import SinkRecord
from connect.errors import ConnectException, RetriableException
from connect.spi import TopicPartition
from connect.spi.batching import BatchingSinkTask, Rejected
from connectors.s3.client import FatalS3Error, S3Client, TransientS3Error
from connectors.s3.compatibility import SchemaCompatibility
from connectors.s3.config import S3SinkConfig
from connectors.s3.formats import Format, format_for
from connectors.s3.formats.views import HEADERS, KEY, VALUE, View
from connectors.s3.naming import ObjectNames
from connectors.s3.partitioners import partitioner_for
from connectors.s3.recovery import Recovered, recover
from connectors.s3.timezones import zone
from connectors.s3.uploads import Uploader
from connectors.s3.writer import PartitionWriter, Services

log = logging.getLogger(__name__)
UPLOAD_THREADS = 4  # requests in flight: enough to overlap parts of a few files with the next file's records


class S3SinkTask(BatchingSinkTask):
    """Writes records to S3; see S3SinkConnector for the behaviour users see."""

    target = "S3"
    backlog_unit = "bytes for S3"

    def __init__(self, client: S3Client | None = None) -> None:
        super().__init__()
        self._client = client  # given by tests; made from the config at start otherwise
        self._writers: dict[TopicPartition, PartitionWriter] = {}
        self._recovered: dict[TopicPartition, Recovered] = {}
        self._uploader: Uploader | None = None
        self._rejected: list[Rejected] = []  # records the writers could not write, during one write()

    def start(self, props: Mapping[str, Any]) -> None:
        self.config = config = S3SinkConfig.parse(props)
        client = self._client = self._client or S3Client(config, max_connections=UPLOAD_THREADS + 2)
        try:
            client.check_bucket()  # fails the task now for what no retry fixes (no bucket, bad credentials)
        except TransientS3Error as exc:
            log.warning("%s; writes will be retried", exc)
        self._uploader = uploader = Uploader(client, threads=UPLOAD_THREADS, backoff_ms=config.retry_backoff_ms)
        outputs: list[tuple[View, Format]] = [(VALUE, format_for(config.format, config))]
        if config.store_keys:
            outputs.append((KEY, format_for(config.keys_format, config)))
        if config.store_headers:
            outputs.append((HEADERS, format_for(config.headers_format, config)))
        self._names = ObjectNames(config)
        self._services = Services(
            config=config,
            partitioner=partitioner_for(config),
            outputs=tuple(outputs),
            names=self._names,
            uploader=uploader,
            compatibility=SchemaCompatibility(config.compatibility),
            report=lambda record, error: self._rejected.append((record, error)),
            schedule_tz=zone("timezone", config.time.timezone) if config.rotate_schedule_interval_ms > 0 else None,
        )
        self.backlog_limit = 2 * config.part_size

    # -- write -------------------------------------------------------------------------------
    def write(self, batch: list[SinkRecord]) -> list[Rejected]:
        now = int(time.time() * 1000)
        groups: dict[TopicPartition, list[SinkRecord]] = {}
        for record in batch:
            tp = TopicPartition(record.original_topic, record.original_kafka_partition)
            group = groups.get(tp)
            if group is None:
                group = groups[tp] = []
            group.append(record)
        # Anything that may raise RetriableException comes before the first record is accepted.
        rewound = {
            tp
            for tp, group in groups.items()
            if tp not in self._writers and self._start_writer(tp, group[0].original_kafka_offset, now)
        }
        for tp, group in groups.items():
            if tp not in rewound:  # a rewound partition's records come again, from where its writer starts
                self._writers[tp].write(group, now)
        for writer in self._writers.values():
            writer.tick(now)
        rejected, self._rejected = self._rejected, []
        return rejected

    def check_failure(self) -> None:
        uploader = self._uploader
        if uploader is None:
            raise ConnectException("the S3 sink task is not started")
        if uploader.fatal is not None:
            raise ConnectException(f"S3 sink failed: {uploader.fatal}")

    def stalled(self) -> str | None:
        return self._uploader.stalled if self._uploader is not None else None

    def backlog(self) -> dict[TopicPartition, int]:
        uploader = self._uploader
        if uploader is None:
            return {}
        return {tp: uploader.held_by(writer.token) for tp, writer in self._writers.items()}

    def _start_writer(self, tp: TopicPartition, first: int, now: int) -> bool:
        """The writer of a newly assigned partition, starting where its objects and its first record say.
        True when the consumer was asked to go on from there instead (the records at hand are not written)."""
        start = first
        if self.config.recover_offsets:
            found = self._recovered.get(tp)
            try:
                if found is None:
                    found = self._recovered[tp] = recover(self._client_(), self._names, tp)
                if found.commit_start is not None and first <= found.commit_start:
                    start = self._resume(tp, first, found)
            except TransientS3Error as exc:
                raise RetriableException(f"recovering {tp.topic}-{tp.partition} from S3: {exc}") from None
        self._recovered.pop(tp, None)
        self._writers[tp] = PartitionWriter(tp, self._services, start, now)
        return start != first

    def _resume(self, tp: TopicPartition, first: int, found: Recovered) -> int:
        """The consumer is not past the newest commit in S3: rewrite that commit from its start, deleting
        its objects first (a replay may cut it differently), and skip what earlier commits hold."""
        start = found.commit_start
        assert start is not None
        if found.newest:
            self._client_().delete(list(found.newest))
        if first < start:
            assert self.context is not None
            self.context.offset({tp: start})
        log.info(
            "%s-%d: resuming at offset %d from S3 (consumer at %d; %d objects of an unconfirmed commit deleted)",
            tp.topic,
            tp.partition,
            start,
            first,
            len(found.newest),
        )
        return start

    def _client_(self) -> S3Client:
        assert self._client is not None
        return self._client

    # -- offsets and lifecycle ----------------------------------------------------------------
    def pre_commit(self, offsets: Mapping[TopicPartition, int]) -> Mapping[TopicPartition, int]:
        self.check()
        try:
            return {tp: writer.committable() for tp, writer in self._writers.items()}
        except FatalS3Error as exc:
            raise ConnectException(f"S3 sink failed: {exc}") from exc

    def close(self, partitions: Collection[TopicPartition]) -> None:
        super().close(partitions)
        for tp in partitions:
            writer = self._writers.pop(tp, None)
            if writer is not None:
                writer.close()
            self._recovered.pop(tp, None)

    def stop(self) -> None:
        self.close(list(self._writers))
        if self._uploader is not None:
            self._uploader.close()
            self._uploader = None
        if self._client is not None:
            self._client.close()
