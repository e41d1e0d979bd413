"""ExactlyOnceWorkerSourceTask: a source task whose records and offsets are committed in one Kafka transaction.

KIP-618, as Kafka Connect's ExactlyOnceWorkerSourceTask:

1. Before anything else, the cluster's leader fences the producers of the connector's former
   tasks (`preflight`), then the task's producer initializes its transactional id
   (`<group.id>-<connector>-<task>`), which fences any older producer of the same task: a
   zombie left on a worker that lost its assignment can no longer commit.
2. A transaction opens with the first record of a batch; at its boundary (`transaction.boundary`:
   after each polled batch, or every `transaction.boundary.interval.ms`) the source offsets the
   records reached are written to the offsets topic by the same producer, and the transaction
   commits. A crash before the commit aborts both: the task resumes from the last committed
   offsets, and a `read_committed` consumer sees each record once.
3. A transaction that cannot commit is aborted and fails the task (its status names why);
   fencing is reported as such.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import orjson
from confluent_kafka import KafkaException

from connect.data import SourceRecord
from connect.errors import ConnectException
from connect.runtime.exactly_once import ExactlyOnceSettings
from connect.runtime.source_task import WorkerSourceTask

log = logging.getLogger(__name__)

TRANSACTION_TIMEOUT = 60.0
PREFLIGHT_TIMEOUT = 120.0


class ExactlyOnceWorkerSourceTask(WorkerSourceTask):
    def __init__(
        self,
        *args: Any,
        exactly_once: ExactlyOnceSettings,
        boundary: str,
        boundary_interval_ms: int,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._eos = exactly_once
        self._per_poll = boundary == "poll"
        # The base loop commits every _flush_interval: here, the transaction boundary's interval.
        self._flush_interval = boundary_interval_ms / 1000
        self._next_flush = time.monotonic() + self._flush_interval
        self._in_transaction = False

    def initialize_task(self) -> None:
        self._fence_predecessors()
        try:
            self._producer.init_transactions(TRANSACTION_TIMEOUT)
        except KafkaException as exc:
            raise ConnectException(f"task {self.id} could not initialize its transactional producer: {exc}") from exc
        super().initialize_task()

    def _fence_predecessors(self) -> None:
        """The leader fences the connector's former tasks; retried while a rebalance leaves no leader known."""
        deadline = time.monotonic() + PREFLIGHT_TIMEOUT
        while True:
            try:
                self._eos.preflight(self.id.connector)
                return
            except ConnectException as exc:
                if self.stopping or time.monotonic() >= deadline:
                    raise ConnectException(f"task {self.id} could not have its predecessors fenced: {exc}") from exc
                log.info("task %s waits for zombie fencing: %s", self.id, exc)
                self._stopping.wait(1.0)

    def send(self, records: list[SourceRecord]) -> None:
        """A batch opens the transaction (if none is open); with `transaction.boundary=poll` it also closes it."""
        if not self._in_transaction:
            self._producer.begin_transaction()
            self._in_transaction = True
        super().send(records)
        if self._per_poll:
            self.commit_offsets()

    def commit_offsets(self, timeout: float | None = None) -> bool:
        """Write the offsets the transaction's records reached, then commit records and offsets together."""
        self._next_flush = time.monotonic() + self._flush_interval
        if not self._in_transaction:
            return True
        started = time.monotonic()
        if self._submitted.error is not None:
            self._abort()
            raise ConnectException(f"Kafka did not accept a record of this task: {self._submitted.error}")
        offsets, records = self._submitted.take()
        try:
            for key, offset in offsets.items():
                self._producer.produce(self._eos.offsets_topic, None if offset is None else orjson.dumps(offset), key)
            self._producer.commit_transaction(TRANSACTION_TIMEOUT if timeout is None else timeout)
        except KafkaException as exc:
            self._abort()
            error = exc.args[0]
            fenced = "fenced" in str(error).lower() or getattr(error, "fatal", lambda: False)()
            reason = "was fenced out by a newer instance of this task" if fenced else f"could not commit: {error}"
            raise ConnectException(f"task {self.id}'s transaction {reason}") from exc
        self._in_transaction = False
        self._committed(offsets, records, started)
        return True

    def _abort(self) -> None:
        if not self._in_transaction:
            return
        self._in_transaction = False
        try:
            self._producer.abort_transaction(TRANSACTION_TIMEOUT)
        except KafkaException as exc:
            log.warning("task %s could not abort its transaction: %s", self.id, exc)

    def close_task(self, failed: bool) -> None:
        if failed:
            self._abort()
        super().close_task(failed)
