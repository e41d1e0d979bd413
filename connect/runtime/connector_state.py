"""One connector's live state in a herder: its config, instance, task runners and statuses."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from connect.runtime.herder import State, TargetState
from connect.runtime.worker_task import WorkerTask
from connect.secrets import format_exception
from connect.spi import Connector

log = logging.getLogger(__name__)


@dataclass
class ConnectorState:
    name: str
    config: dict[str, Any]
    target: TargetState = TargetState.STARTED
    connector_cls: type[Connector] | None = None
    instance: Connector | None = None
    state: State = State.UNASSIGNED
    trace: str | None = None
    task_configs: list[dict[str, Any]] = field(default_factory=list)
    tasks: dict[int, WorkerTask] = field(default_factory=dict)
    task_states: dict[int, tuple[State, str | None]] = field(default_factory=dict)
    active_topics: set[str] = field(default_factory=set)
    reconfigure_requested: bool = False

    @property
    def type(self) -> str:
        if self.connector_cls is None:
            return "unknown"
        from connect.runtime.connector_config import is_sink

        return "sink" if is_sink(self.connector_cls) else "source"

    def fail(self, exc: BaseException) -> None:
        self.state = State.FAILED
        self.trace = format_exception(exc)
        log.error("connector %s failed: %s", self.name, exc)

    def collect_topics(self) -> set[str]:
        for runner in self.tasks.values():
            self.active_topics |= runner.active_topics
        return self.active_topics


def degraded_tasks(connectors: Iterable[ConnectorState]) -> list[dict[str, Any]]:
    """The tasks waiting out an outage (see connect/spi/outages.py), for `GET /health`."""
    out = []
    for state in connectors:
        for index, runner in sorted(state.tasks.items()):
            info = runner.outage.current
            if info is not None:
                out.append({"connector": state.name, "task": index, **info.to_json()})
    return out


class ConnectorContextImpl:
    """The SPI's ConnectorContext for one connector of a herder."""

    def __init__(self, herder: Any, name: str) -> None:
        self._herder = herder
        self._name = name

    def request_task_reconfiguration(self) -> None:
        self._herder.request_task_reconfiguration(self._name)

    def raise_error(self, error: Exception) -> None:
        self._herder.connector_failed(self._name, error)
