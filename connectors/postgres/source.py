"""The Postgres source task: start/poll/commit/stop around the coordinator (snapshot, then streaming)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from connect.data import SourceRecord
from connect.errors import ConfigException, ConnectException
from connect.spi import SourceOffset, SourceTask
from connectors.postgres.config import PostgresConfig
from connectors.postgres.coordinator import Coordinator

log = logging.getLogger(__name__)

VERSION = "0.1.0"


class PostgresSourceTask(SourceTask):
    """Streams committed row changes of one database as Debezium change events."""

    def __init__(self) -> None:
        super().__init__()
        self._coordinator: Coordinator | None = None

    def start(self, props: Mapping[str, Any]) -> None:
        try:
            config = PostgresConfig.parse(props)
        except ConfigException as exc:
            raise ConnectException(str(exc)) from exc
        assert self.context is not None, "initialize(context) comes before start"
        partition = {"server": config.prefix}
        stored = self.context.offset_reader.offset(partition)
        self._coordinator = Coordinator(
            config, stored, VERSION, self.context.report_status, getattr(self.context, "task_id", 0)
        )
        try:
            self._coordinator.start()
        except BaseException:
            self._coordinator.stop()
            raise

    def poll(self) -> list[SourceRecord] | None:
        assert self._coordinator is not None, "start comes before poll"
        return self._coordinator.poll()

    def committed_offsets(self, offsets: Sequence[SourceOffset]) -> None:
        if self._coordinator is None:
            return
        for partition, offset in offsets:  # this task has one partition: {"server": <topic.prefix>}
            if offset is not None and partition == self._coordinator.partition:
                self._coordinator.committed(offset)

    def stop(self) -> None:
        if self._coordinator is not None:
            self._coordinator.stop()
