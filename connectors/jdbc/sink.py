"""The SQL sink task: each `put` batch → changes → one transaction, committed before `put` returns.

A BatchingSinkTask: because `write` returns only after the transaction committed, the default
`pre_commit` (every offset put so far) never commits an offset whose row is not in the database.
Transient failures are retried here `max.retries` times (connect/spi/outages.py's Retries); after
that `put` raises RetriableException and the worker owns the longer wait. Records the database
refuses are returned to the base, which reports them after the commit.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

from connect.data import SinkRecord
from connect.errors import ConnectException, DataException, RetriableException
from connect.spi.batching import BatchingSinkTask, Rejected
from connect.spi.outages import Retries
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


class JdbcSinkTask(BatchingSinkTask):
    """Writes records as table rows; see JdbcSinkConnector for the behaviour users see."""

    target = "the database"

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
        self._retries = Retries(f"writes to {self.dialect.name}", config.retry_backoff_ms, config.max_retries + 1)
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

    # -- write ------------------------------------------------------------------------------
    def write(self, batch: list[SinkRecord]) -> list[Rejected]:
        changes: list[Change] = []
        invalid: list[Rejected] = []
        convert = self._converter.convert
        for record in batch:
            try:
                change = convert(record)
            except DataException as exc:
                invalid.append((record, exc))
                continue
            if change is not None:
                changes.append(change)
        return [*invalid, *self._write(changes)] if changes else invalid

    def _write(self, changes: list[Change]) -> list[Rejected]:
        """Write the changes. A failure while the database answers (deadlock, serialization failure, a session
        lost mid-batch) is retried here up to max.retries times; a database that does not answer is an outage:
        RetriableException at once, and the worker's outage rule waits (backoff, status, metrics)."""
        retries = self.config.max_retries
        with self._retries.attempts() as attempt:
            while True:
                try:
                    session = self._session or self._connect()
                except Transient as exc:
                    raise RetriableException(f"{exc}; the worker will offer the batch again") from exc
                self._session = session
                try:
                    return list(self._writer.write(session, changes))
                except Transient as exc:
                    self._drop_session()
                    if attempt.count >= retries or self._stopping.is_set():
                        raise RetriableException(
                            f"{exc} (after {retries} retries; the worker will offer the batch again)"
                        ) from exc
                    delay = attempt.failed(str(exc))
                    log.warning("%s; retry %d of %d in %.0f ms", exc, attempt.count, retries, delay * 1000)
                    self._stopping.wait(delay)

    def _drop_session(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def stop(self) -> None:
        self._stopping.set()
        self._drop_session()
