"""One connector instance in the Worker: created, started, told its target state, stopped.

A connector does no data work (its tasks do): pausing it only changes the state it reports.
Its context sends `raise_error` here (the connector FAILED) and task reconfiguration requests
to the herder that started it (`request_reconfiguration(name)`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from connect.runtime.connector_config import ConnectorConfig
from connect.runtime.states import State, TargetState
from connect.secrets import format_exception
from connect.spi import Connector

log = logging.getLogger(__name__)

ConnectorStatusListener = Callable[[str, State, "str | None"], None]
"""Told (connector name, state, trace) whenever a connector's state changes."""


class WorkerConnector:
    def __init__(
        self,
        name: str,
        config: ConnectorConfig,
        request_reconfiguration: Callable[[str], None],
        listener: ConnectorStatusListener,
    ) -> None:
        self.name = name
        self.config = config
        self.request_reconfiguration = request_reconfiguration
        self._listener = listener
        self.instance: Connector | None = None
        self.state = State.UNASSIGNED

    def start(self, target: TargetState) -> bool:
        """Create, initialize and start the instance; False if it failed."""
        try:
            instance = self.config.connector_class()
            instance.initialize(_Context(self))
            instance.start(self.config.props)
        except Exception as exc:
            self.fail(exc)
            return False
        self.instance = instance
        self._report(State.PAUSED if target is TargetState.PAUSED else State.RUNNING)
        return True

    def task_configs(self) -> list[dict[str, Any]]:
        """At most `tasks.max` task configs; what the connector raised fails it, and is raised again."""
        assert self.instance is not None, "the connector is not running"
        max_tasks = self.config.tasks_max
        try:
            return [dict(c) for c in self.instance.task_configs(max_tasks)][:max_tasks]
        except Exception as exc:
            self.fail(exc)
            raise

    def set_target_state(self, target: TargetState) -> None:
        if target is TargetState.PAUSED and self.state is State.RUNNING:
            self._report(State.PAUSED)
        elif target is TargetState.STARTED and self.state is State.PAUSED:
            self._report(State.RUNNING)

    def fail(self, exc: BaseException) -> None:
        log.error("connector %s failed: %s", self.name, exc)
        self._report(State.FAILED, format_exception(exc))

    def stop(self) -> None:
        instance, self.instance = self.instance, None
        if instance is not None:
            try:
                instance.stop()
            except Exception as exc:
                log.warning("connector %s did not stop cleanly: %s", self.name, exc)

    def _report(self, state: State, trace: str | None = None) -> None:
        self.state = state
        self._listener(self.name, state, trace)


class _Context:
    """The SPI's ConnectorContext of one running connector."""

    def __init__(self, connector: WorkerConnector) -> None:
        self._connector = connector

    def request_task_reconfiguration(self) -> None:
        self._connector.request_reconfiguration(self._connector.name)

    def raise_error(self, error: Exception) -> None:
        if self._connector.instance is not None:
            self._connector.fail(error)
