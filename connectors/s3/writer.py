"""The writer of one Kafka partition: records into open files, open files into commits, and the offset that is
safe to commit (Confluent's TopicPartitionWriter rules).

All the partition's open files form one open commit. It is sealed, and a new one begun, when:
- before a record: the record's time is `rotate.interval.ms` past the commit's first record (or, with
  `rotate.file.on.partition.change`, it lands in another encoded partition than the record before);
  the wall clock reached the next `rotate.schedule.interval.ms` boundary; the record's schema needs a
  new file (`schema.compatibility`); or it needs one more file than `partitioner.max.open.files`;
- after a record: `flush.size` records are written.
Each file is named after its first record's offset. Except for the wall-clock rules, where files are
cut depends only on the records from the commit's start, and a commit starts where the one before it
ended: a replay from a committed offset writes the same objects.

The safe offset is the end of the newest commit whose objects are all in S3, or the last record handled
when nothing is open or in flight (records skipped as null or bad are then safe too).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from connect.data import Schema, SinkRecord
from connect.errors import DataException
from connect.spi import TopicPartition
from connectors.s3.commits import Commit, CommitSequence, Finisher
from connectors.s3.compatibility import SchemaCompatibility
from connectors.s3.config import Compatibility, NullValues, S3SinkConfig
from connectors.s3.formats import Format, RecordWriter
from connectors.s3.formats.views import View
from connectors.s3.naming import ObjectNames
from connectors.s3.partitioners import Partitioner
from connectors.s3.recovery import COMMIT_START
from connectors.s3.timezones import next_scheduled
from connectors.s3.uploads import ObjectUpload, Uploader

log = logging.getLogger(__name__)
Report = Callable[[SinkRecord, Exception], None]


@dataclass(frozen=True, slots=True)
class Services:
    """What the partition writers of one task share."""

    config: S3SinkConfig
    partitioner: Partitioner
    outputs: tuple[tuple[View, Format], ...]  # the value's, then the key's and the headers' when stored
    names: ObjectNames
    uploader: Uploader
    compatibility: SchemaCompatibility
    report: Report
    schedule_tz: dt.tzinfo | None


class OpenFile:
    __slots__ = ("key_schema", "outputs", "schema", "write")

    def __init__(self, outputs: list[tuple[ObjectUpload, RecordWriter]], first: SinkRecord) -> None:
        self.outputs = outputs
        self.schema: Schema | None = first.value_schema
        self.key_schema: Schema | None = first.key_schema
        # Values only, the common case, without a loop per record.
        self.write: Callable[[SinkRecord], None] = outputs[0][1].write if len(outputs) == 1 else self._write_all

    def _write_all(self, record: SinkRecord) -> None:
        for _out, writer in self.outputs:
            writer.write(record)

    def seal(self) -> list[Finisher]:
        finishers = []
        for out, writer in self.outputs:
            writer.close()
            finishers.append(out.finisher())
        return finishers

    def abort(self) -> None:
        for out, _writer in self.outputs:
            out.abort()


class OpenCommit:
    __slots__ = ("base_ts", "count", "current", "end", "files", "start")

    def __init__(self, start: int) -> None:
        self.start = start  # offset this commit began at (kept in every object's metadata)
        self.end = start  # offset after the last record handled
        self.files: dict[tuple[str, str], OpenFile] = {}
        self.count = 0
        self.base_ts: int | None = None  # time of the first record written (rotate.interval.ms)
        self.current: tuple[str, str] | None = None  # encoded partition of the last record written


class PartitionWriter:
    def __init__(self, tp: TopicPartition, services: Services, start: int, now_ms: int) -> None:
        self.tp = tp
        self.s = services
        config = services.config
        self.token = object()  # this writer's requests, abandoned together on close
        self.durable = start
        self.commit = OpenCommit(start)
        self.sequence = CommitSequence()
        self._flush_size = config.flush_size
        self._null_ignore = config.null_values is NullValues.IGNORE
        self._interval = config.rotate_interval_ms if services.partitioner.extractor is not None else -1
        self._on_partition_change = config.rotate_on_partition_change
        self._schedule = config.rotate_schedule_interval_ms
        self._max_files = config.max_open_files
        self._project = config.compatibility is not Compatibility.NONE
        self._check_keys = config.store_keys
        self._check_headers = config.store_headers
        self._next_scheduled = self._next_boundary(now_ms)
        self._time_rules = self._interval > 0 or self._next_scheduled is not None

    def _next_boundary(self, now_ms: int) -> int | None:
        if self._schedule <= 0 or self.s.schedule_tz is None:
            return None
        return next_scheduled(now_ms, self._schedule, self.s.schedule_tz)

    # -- records -----------------------------------------------------------------------------
    def write(self, records: Iterable[SinkRecord], now_ms: int) -> None:
        for record in records:
            offset = record.original_kafka_offset
            self._handle(record, now_ms)
            commit = self.commit
            commit.end = offset + 1
            if commit.count >= self._flush_size:
                self._rotate()

    def _handle(self, record: SinkRecord, now_ms: int) -> None:
        if record.value is None:
            if not self._null_ignore:
                self.s.report(record, DataException("Null value (behavior.on.null.values=fail)"))
            return
        s = self.s
        try:
            where = (record.topic, s.partitioner.encode(record, now_ms))
            ts = s.partitioner.extractor(record, now_ms) if self._interval > 0 else None  # type: ignore[misc]
        except DataException as exc:
            s.report(record, exc)
            return
        commit = self.commit
        if commit.count and self._time_rules and self._rotates_before(where, ts, now_ms):
            commit = self._rotate()
        file = commit.files.get(where)
        if file is not None and (record.value_schema is not file.schema or record.key_schema is not file.key_schema):
            try:
                if self._needs_new_file(record, file):
                    commit, file = self._rotate(), None
            except DataException as exc:
                s.report(record, exc)
                return
        if file is None and 0 < self._max_files <= len(commit.files):
            commit = self._rotate()
        try:
            self._write(record, where, file, commit)
        except DataException as exc:
            s.report(record, exc)
            return
        commit.count += 1
        commit.current = where
        if commit.base_ts is None:
            commit.base_ts = ts

    def _rotates_before(self, where: tuple[str, str], ts: int | None, now_ms: int) -> bool:
        commit = self.commit
        if ts is not None and commit.base_ts is not None and ts - commit.base_ts >= self._interval:
            return True
        if self._interval > 0 and self._on_partition_change and where != commit.current:
            return True
        if self._next_scheduled is not None and now_ms >= self._next_scheduled:
            self._next_scheduled = self._next_boundary(now_ms)
            return True
        return False

    def _needs_new_file(self, record: SinkRecord, file: OpenFile) -> bool:
        if self._check_keys and record.key_schema != file.key_schema:
            return True  # keys files have one schema too
        return self.s.compatibility.needs_new_file(record.value_schema, file.schema)

    def _write(self, record: SinkRecord, where: tuple[str, str], file: OpenFile | None, commit: OpenCommit) -> None:
        if self._check_keys and record.key is None:
            raise DataException("The record has no key (store.kafka.keys=true)")
        if self._check_headers and not record.headers:
            raise DataException("The record has no headers (store.kafka.headers=true)")
        if file is None:
            file = self._open(record, where, commit)
            try:
                file.write(record)
            except DataException:
                del commit.files[where]
                file.abort()
                raise
            return
        if self._project:
            record = self.s.compatibility.project(record, file.schema)
        file.write(record)

    def _open(self, record: SinkRecord, where: tuple[str, str], commit: OpenCommit) -> OpenFile:
        if not commit.files:
            commit.start = commit.end  # records before this one were skipped: a recovery may resume here
        s = self.s
        base = s.names.base(where[0], where[1], self.tp, record.original_kafka_offset)
        metadata = {COMMIT_START: str(commit.start)}
        outputs = []
        for view, fmt in s.outputs:
            out = ObjectUpload(s.uploader, self.token, base + view.suffix + fmt.extension, metadata, s.config.part_size)
            outputs.append((out, fmt.open(out, view, record, s.report)))
        file = commit.files[where] = OpenFile(outputs, record)
        return file

    def _rotate(self) -> OpenCommit:
        """Seal the open commit (its objects become visible after the commits before it) and begin the next."""
        commit = self.commit
        if commit.files:
            finishers = [f for file in commit.files.values() for f in file.seal()]
            self.sequence.add(Commit(commit.end, finishers))
        self.commit = OpenCommit(commit.end)
        return self.commit

    def tick(self, now_ms: int) -> None:
        """On every put: the wall-clock rotation, which must not wait for the next record."""
        boundary = self._next_scheduled
        if boundary is None or now_ms < boundary:
            return
        self._next_scheduled = self._next_boundary(now_ms)
        if self.commit.count:
            self._rotate()

    # -- offsets -----------------------------------------------------------------------------
    def committable(self) -> int:
        """The offset up to which every record is in S3 (or was skipped); raises a commit's fatal error."""
        for done in self.sequence.take_done():
            self.durable = done.end
        if not self.sequence.pending and not self.commit.files:
            self.durable = self.commit.end
        return self.durable

    def close(self) -> None:
        """Partition taken away or task stopping: stop its requests; what was not committed is read again."""
        self.s.uploader.abandon(self.token)
        for file in self.commit.files.values():
            file.abort()
        self.commit.files.clear()
