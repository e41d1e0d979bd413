"""The dead-letter topic reporter: original bytes, original headers, `__connect.errors.*` context (secrets masked)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from connect.runtime.errors.context import ErrorContext, RawMessage
from connect.secrets import mask_text

log = logging.getLogger(__name__)

PREFIX = "__connect.errors."
H_TOPIC = PREFIX + "topic"
H_PARTITION = PREFIX + "partition"
H_OFFSET = PREFIX + "offset"
H_CONNECTOR = PREFIX + "connector.name"
H_TASK = PREFIX + "task.id"
H_STAGE = PREFIX + "stage"
H_CLASS = PREFIX + "class.name"
H_EXC_CLASS = PREFIX + "exception.class.name"
H_EXC_MESSAGE = PREFIX + "exception.message"
H_EXC_STACK = PREFIX + "exception.stacktrace"


class DeadLetterQueueReporter:
    """Produces each failed record to `errors.deadletterqueue.topic.name`.

    `produce` is the worker producer's `produce` method; `to_raw` serializes, with the task's
    converters, a record with no consumed bytes: a sink record that failed after conversion (e.g.
    in the sink's put) or a source record that failed before reaching Kafka.
    """

    def __init__(
        self,
        topic: str,
        connector: str,
        task_id: int,
        context_headers: bool,
        produce: Callable[..., Any],
        to_raw: Callable[[Any], RawMessage] | None = None,
    ) -> None:
        self.topic = topic
        self._connector = connector
        self._task_id = str(task_id).encode()
        self._context_headers = context_headers
        self._produce = produce
        self._to_raw = to_raw
        self.reported = 0

    def report(self, ctx: ErrorContext) -> bool:
        """Whether the failed record was written to the dead-letter topic."""
        raw = ctx.consumed
        if raw is None and ctx.record is not None and self._to_raw is not None:
            try:
                raw = self._to_raw(ctx.record)
            except Exception as exc:  # the record cannot be serialized (often the very failure reported)
                log.warning(
                    "dead-letter queue skipped a record its converters cannot serialize (%s): %s", exc, ctx.error
                )
                return False
        if raw is None:
            log.warning("dead-letter queue skipped a failure with no consumed record: %s", ctx.error)
            return False
        headers = list(raw.headers)
        if self._context_headers:
            headers += [
                (H_TOPIC, raw.topic.encode()),
                (H_PARTITION, str(raw.partition).encode()),
                (H_OFFSET, str(raw.offset).encode()),
                (H_CONNECTOR, mask_text(self._connector).encode()),
                (H_TASK, self._task_id),
                (H_STAGE, str(ctx.stage).encode()),
                (H_CLASS, ctx.executing_class.encode()),
                (H_EXC_CLASS, ctx.error_class.encode()),
                (H_EXC_MESSAGE, mask_text(str(ctx.error)).encode()),
                (H_EXC_STACK, ctx.stack_trace.encode()),
            ]
        self._produce(self.topic, value=raw.value, key=raw.key, headers=headers)
        self.reported += 1
        return True
