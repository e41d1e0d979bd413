"""The outbox task: the Postgres source task on the outbox table, its events routed, published rows pruned."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from connect.data import SourceRecord
from connect.errors import ConfigException, ConnectException, DataException
from connect.spi import SourceOffset, SourceTask
from connectors.outbox.config import OutboxConfig
from connectors.outbox.prune import Pruner, PublishedRows
from connectors.postgres.source import PostgresSourceTask
from transforms.outbox_event_router import EventRouter

log = logging.getLogger(__name__)


class OutboxSourceTask(SourceTask):
    """Routes the outbox table's change events itself, so it knows which rows were published (for pruning).

    A malformed row goes to the runtime's error handling through the context's errant-record reporter:
    the task fails (`errors.tolerance=none`) or the row's change event is logged, counted and
    dead-lettered and the row skipped (`all`); a skipped row is never pruned. A record the router
    drops hands its offset to the record returned before it, so offsets still move.
    """

    def __init__(self) -> None:
        super().__init__()
        self._inner = PostgresSourceTask()
        self._router = EventRouter()
        self._id_column = "id"
        self._published: PublishedRows | None = None
        self._pruner: Pruner | None = None

    def start(self, props: Mapping[str, Any]) -> None:
        try:
            config = OutboxConfig.parse(props)
            self._router.configure(config.router_props())
        except ConfigException as exc:
            raise ConnectException(str(exc)) from exc
        self._id_column = config.id_column
        assert self.context is not None, "initialize(context) comes before start"
        self._inner.initialize(self.context)
        self._inner.start(config.postgres_props())
        if config.prune:
            schema, table = config.table
            self._published = PublishedRows()
            self._pruner = Pruner(
                config.postgres().conninfo(),
                schema,
                table,
                self._id_column,
                config.props["outbox.prune.batch.size"],
                config.props["outbox.prune.interval.ms"],
            )

    def poll(self) -> list[SourceRecord] | None:
        records = self._inner.poll()
        if not records:
            return records
        out: list[SourceRecord] = []
        ids: list[Any] | None = [] if self._published is not None else None
        apply = self._router.apply
        reporter = self.context.errant_record_reporter if self.context is not None else None
        for record in records:
            try:
                routed = apply(record)
            except DataException as exc:
                if reporter is None:
                    raise
                reporter.report(record, exc)  # raises under errors.tolerance=none
                log.warning("outbox row skipped, it stays in the table: %s", exc)
                routed = None
            if routed is None:
                if out:  # nothing to deliver for this record: the previous one's acknowledgement covers it
                    out[-1] = out[-1].replace(source_offset=record.source_offset)
                continue
            out.append(routed)
            if ids is not None and routed is not record:
                ids.append(record.value["after"][self._id_column])
        if self._published is not None and out:
            self._published.emitted(out[-1].source_offset, ids or [])
        return out

    def committed_offsets(self, offsets: Sequence[SourceOffset]) -> None:
        self._inner.committed_offsets(offsets)
        if self._published is None or self._pruner is None:
            return
        for _partition, offset in offsets:
            if offset is not None:
                self._pruner.release(self._published.committed(offset))

    def commit(self) -> None:
        self._inner.commit()
        if self._pruner is not None:
            self._pruner.run()

    def stop(self) -> None:
        try:
            self._inner.stop()
        finally:
            if self._pruner is not None:
                self._pruner.close()
