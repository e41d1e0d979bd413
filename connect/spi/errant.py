"""The reporter through which a task hands a record it cannot handle to the runtime's error handling."""

from __future__ import annotations

from typing import Protocol

from connect.data import ConnectRecord, RecordPosition


class ErrantRecordReporter(Protocol):
    """Send one record the task rejected (the target refused it, or the source row is malformed) to the
    error handling: error metrics, the log, the dead-letter topic.

    A sink task that kept only what its writes need gives the record's position (`SinkRecord.position`)
    instead: the runtime reads the record's original bytes from Kafka again for the dead-letter topic.
    Raises when `errors.tolerance` is `none`: the task then fails.
    """

    def report(self, record: ConnectRecord | RecordPosition, error: BaseException) -> None: ...
