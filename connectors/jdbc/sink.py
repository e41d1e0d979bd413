"""The SQL sink task: each `put` batch → changes → one transaction, committed before `put` returns.

Because `put` returns only after the transaction committed, the default `pre_commit` (every offset
put so far) never commits an offset whose row is not in the database. Transient failures are
retried here `max.retries` times; after that `put` raises RetriableException and the worker owns
the longer wait. Records the database refuses are reported after the commit, so a batch offered
again after a retriable failure never reports a record twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

from connect.data import SinkRecord
from connect.errors import ConnectException, DataException, RetriableException
from connect.spi import SinkTask
from connectors.jdbc.config import JdbcSinkConfig
from connectors.jdbc.convert import Change, RecordConverter
from connectors.jdbc.dialects import Dialect, Fault, Session, dialect_for
from connectors.jdbc.tables import TableManager
from connectors.jdbc.writer import BatchWriter, Transient

log = logging.getLogger(__name__)


def open_session(dialect: Dialect) -> Session:
    """A new session; Transient when the database is unreachable, ConnectException when it refuses us."""
    try:
        return dialect.connect()
    except Exception as exc:
        fault = dialect.fault(exc)
        if fault is None:
            raise
        config = dialect.config
        who = f"{dialect.name} at {config.url.where} as {config.user!r}"
        if fault is Fault.RETRIABLE:
            raise Transient(f"cannot connect to {who}: {str(exc).strip()}") from exc
        raise ConnectException(f"{who} refused the connection: {str(exc).strip()}") from exc


def where(record: SinkRecord) -> str:
    return f"{record.original_topic}-{record.original_kafka_partition}@{record.original_kafka_offset}"


class JdbcSinkTask(SinkTask):
    """Writes records as table rows; see JdbcSinkConnector for the behaviour users see."""

    def __init__(self) -> None:
        super().__init__()
        self._session: Session | None = None
        self._stopping = threading.Event()

    def start(self, props: Mapping[str, Any]) -> None:
        self.config = config = JdbcSinkConfig.parse(props)
        self.dialect: Dialect = dialect_for(config)
        self._converter = RecordConverter(config, self.dialect)
        self._tables = TableManager(config, self.dialect)
        self._writer = BatchWriter(config, self.dialect, self._tables)
        self._stopping.clear()
        self._session = self._connect_at_start()

    def _connect_at_start(self) -> Session | None:
        """A few quick attempts; a database still unreachable after them is an outage the worker waits out
        (put raises RetriableException until it answers), not a reason to fail the task."""
        attempts = self.config.connection_attempts
        for attempt in range(1, attempts + 1):
            try:
                return self._connect()
            except Transient as exc:
                if attempt == attempts or self._stopping.is_set():
                    log.warning("%s (after %d connection attempts; waiting for it)", exc, attempts)
                    return None
                log.warning("%s; connection attempt %d of %d", exc, attempt, attempts)
                self._stopping.wait(self.config.connection_backoff_ms / 1000)
        return None

    def _connect(self) -> Session:
        return open_session(self.dialect)

    # -- put --------------------------------------------------------------------------------
    def put(self, records: list[SinkRecord]) -> None:
        if not records:
            return
        changes: list[Change] = []
        invalid: list[tuple[SinkRecord, DataException]] = []
        convert = self._converter.convert
        for record in records:
            try:
                change = convert(record)
            except DataException as exc:
                invalid.append((record, exc))
                continue
            if change is not None:
                changes.append(change)
        rejected = self._write(changes) if changes else []
        for record, error in sorted([*invalid, *rejected], key=lambda item: item[0].kafka_offset):
            self._report(record, error)

    def _write(self, changes: list[Change]) -> list[tuple[SinkRecord, DataException]]:
        """Write the batch. A failure while the database answers (deadlock, serialization failure, a session
        lost mid-batch) is retried here up to max.retries times; a database that does not answer is an outage:
        RetriableException at once, and the worker's outage rule waits (backoff, status, metrics)."""
        retries = self.config.max_retries
        for attempt in range(retries + 1):
            try:
                session = self._session or self._connect()
            except Transient as exc:
                raise RetriableException(f"{exc}; the worker will offer the batch again") from exc
            self._session = session
            try:
                return self._writer.write(session, changes)
            except Transient as exc:
                self._drop_session()
                if attempt == retries or self._stopping.is_set():
                    raise RetriableException(
                        f"{exc} (after {retries} retries; the worker will offer the batch again)"
                    ) from exc
                log.warning("%s; retry %d of %d in %d ms", exc, attempt + 1, retries, self.config.retry_backoff_ms)
                self._stopping.wait(self.config.retry_backoff_ms / 1000)
        raise AssertionError("unreachable")

    def _drop_session(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def _report(self, record: SinkRecord, error: DataException) -> None:
        """Hand a record to the error handling (dead-letter topic or task failure, per errors.tolerance)."""
        reporter = self.context.errant_record_reporter if self.context is not None else None
        if reporter is None:
            raise ConnectException(f"record {where(record)}: {error}") from error
        reporter.report(record, error)

    def stop(self) -> None:
        self._stopping.set()
        self._drop_session()
