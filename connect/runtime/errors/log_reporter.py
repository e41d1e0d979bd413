"""Logs failed operations when `errors.log.enable` is true."""

from __future__ import annotations

import logging

from connect.runtime.errors.context import ErrorContext

log = logging.getLogger("connect.errors")


class LogReporter:
    def __init__(self, connector: str, task_id: int, include_messages: bool) -> None:
        self._where = f"{connector}-{task_id}"
        self._include_messages = include_messages

    def report(self, ctx: ErrorContext) -> None:
        message = (
            f"Error encountered in task {self._where}. Executing stage '{ctx.stage}' with class '{ctx.executing_class}'"
        )
        if self._include_messages and ctx.consumed is not None:
            c = ctx.consumed
            message += f", where consumed record is {{topic='{c.topic}', partition={c.partition}, offset={c.offset}}}"
        elif self._include_messages and ctx.record is not None:
            r = ctx.record
            message += f", where source record is {{topic='{r.topic}', key={r.key!r}, value={r.value!r}}}"
        log.error("%s: %s: %s", message, ctx.error_class, ctx.error)
