"""What a value or event the connector cannot read becomes: Debezium's two failure handling modes.

`event.converting.failure.handling.mode` (fail | warn | skip, default warn) decides for a column
value that cannot be converted: fail the task, or write null (with a warning naming the table,
column and position, or silently). `event.processing.failure.handling.mode` (fail | warn | skip |
ignore, default fail) decides for an event that cannot be emitted at all (a pgoutput message that
does not decode, a NOT NULL column whose value failed): fail the task, or skip the event. A failed
task names the key that lets a restart get past the value.
"""

from __future__ import annotations

import logging
from typing import Any

from connect.errors import ConnectException
from connectors.postgres.rows import ConversionFailed

log = logging.getLogger(__name__)

CONVERTING_KEY = "event.converting.failure.handling.mode"
PROCESSING_KEY = "event.processing.failure.handling.mode"


class FailurePolicy:
    """Applies the two modes; `where` names the position (an LSN, or the snapshot of a table)."""

    def __init__(self, converting: str = "warn", processing: str = "fail") -> None:
        self.converting = converting.lower()
        self.processing = processing.lower()

    def row(self, failed: ConversionFailed, where: str) -> dict[str, Any] | None:
        """The row to emit after `failed` (null in the failed columns), or None when the event is skipped."""
        if failed.required:
            columns = ", ".join(failed.required)
            self.event(ConnectException(f"{failed} (NOT NULL column {columns} cannot be null)"), where)
            return None
        if self.converting == "fail":
            raise ConnectException(
                f"{failed} at {where}. Set {CONVERTING_KEY}=warn (or skip) to write null for values that cannot be "
                f"converted"
            ) from failed
        if self.converting == "warn":
            log.warning("%s at %s: written as null", failed, where)
        return failed.row

    def event(self, error: Exception, where: str) -> None:
        """An event that cannot be emitted: fail the task, or skip it (logged with `warn`)."""
        if self.processing == "fail":
            raise ConnectException(
                f"cannot process the event at {where}: {error}. Set {PROCESSING_KEY}=warn (or skip) to skip such events"
            ) from error
        if self.processing == "warn":
            log.warning("skipping the event at %s: %s", where, error)
        else:
            log.debug("skipping the event at %s: %s", where, error)
