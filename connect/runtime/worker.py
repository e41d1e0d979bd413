"""The Worker runs connectors and tasks; a herder decides which, with what config and target state.

It owns the connector instances and task runners and their lifecycles (start, target state,
stop and await), the Kafka clients they use, and the offsets of its connectors. It reports
every state change to the listener the herder gave, and the topics tasks used to the status
store. Calls may come from several herder threads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Mapping
from typing import Any

from connect.config.providers import resolve
from connect.errors import ConfigException
from connect.plugins import PluginRegistry
from connect.runtime.connector_config import ConnectorConfig, connector_class, is_sink
from connect.runtime.connector_offsets import SinkOffsets, SourceOffsets
from connect.runtime.exactly_once import ExactlyOnceSettings
from connect.runtime.kafka_clients import KafkaClients
from connect.runtime.states import State, TargetState, TaskId
from connect.runtime.task_builder import TaskBuilder
from connect.runtime.worker_config import WorkerConfig
from connect.runtime.worker_connector import ConnectorStatusListener, WorkerConnector
from connect.runtime.worker_task import StatusListener, WorkerTask
from connect.secrets import format_exception
from connect.spi import Connector
from connect.storage.offsets import OffsetBackingStore
from connect.storage.statuses import StatusBackingStore, TopicStatus

log = logging.getLogger(__name__)


class Worker:
    def __init__(
        self,
        config: WorkerConfig,
        registry: PluginRegistry,
        offset_store: OffsetBackingStore,
        status_store: StatusBackingStore,
        worker_id: str | None = None,
        *,
        exactly_once: ExactlyOnceSettings | None = None,
    ) -> None:
        self.config = config
        self.registry = registry
        self.offset_store = offset_store
        self.status_store = status_store
        self.worker_id = worker_id or config.worker_id
        self.clients = KafkaClients(config)
        self._builder = TaskBuilder(registry, self.clients, offset_store, exactly_once)
        self._source_offsets = SourceOffsets(offset_store)
        self._sink_offsets = SinkOffsets(self.clients)
        self._shutdown_timeout = config.task_shutdown_graceful_timeout_ms / 1000
        self._connectors: dict[str, WorkerConnector] = {}
        self._tasks: dict[TaskId, WorkerTask] = {}
        self._lock = threading.Lock()  # guards the two maps, not the (slow) starts and stops

    # -- the worker ------------------------------------------------------------------------
    def start(self) -> None:
        self.offset_store.start()

    def stop(self) -> None:
        """Stop every task, then every connector, then the offset store."""
        self.stop_and_await_tasks(self.task_ids())
        for name in self.connector_names():
            self.stop_and_await_connector(name)
        self.offset_store.stop()

    def kafka_cluster_id(self, timeout: float = 10.0) -> str | None:
        return self.clients.cluster_id(timeout)

    # -- plugins ---------------------------------------------------------------------------
    def connector_class(self, config: Mapping[str, Any]) -> type[Connector]:
        return connector_class(self.registry, config)

    def connector_type(self, config: Mapping[str, Any]) -> str:
        """ "source", "sink", or "unknown" when the class cannot be loaded."""
        try:
            return "sink" if is_sink(self.connector_class(config)) else "source"
        except Exception:
            return "unknown"

    # -- connectors ------------------------------------------------------------------------
    def start_connector(
        self,
        name: str,
        config: Mapping[str, Any],
        request_reconfiguration: Callable[[str], None],
        listener: ConnectorStatusListener,
        target: TargetState,
    ) -> bool:
        """Start the connector instance (not its tasks); False, and FAILED reported, when it could not start."""
        try:
            parsed = ConnectorConfig.parse(self.registry, self.config, config)
        except Exception as exc:
            log.error("connector %s failed: %s", name, exc)
            listener(name, State.FAILED, format_exception(exc))
            return False
        connector = WorkerConnector(name, parsed, request_reconfiguration, listener)
        with self._lock:
            if name in self._connectors:
                raise ConfigException("name", name, "a connector of that name already runs in this worker")
            self._connectors[name] = connector
        if connector.start(target):
            return True
        with self._lock:
            del self._connectors[name]
        return False

    def connector_task_configs(self, name: str) -> list[dict[str, Any]]:
        """The connector's task configs (at most `tasks.max`); raises what the connector raised."""
        return self._connector(name).task_configs()

    def is_running(self, name: str) -> bool:
        with self._lock:
            return name in self._connectors

    def connector_names(self) -> list[str]:
        with self._lock:
            return list(self._connectors)

    def stop_and_await_connector(self, name: str) -> None:
        """Stop the connector instance (its tasks are stopped separately)."""
        with self._lock:
            connector = self._connectors.pop(name, None)
        if connector is not None:
            connector.stop()

    def set_target_state(self, name: str, target: TargetState) -> None:
        """Pause or resume the connector and its tasks."""
        with self._lock:
            connector = self._connectors.get(name)
            runners = [r for tid, r in self._tasks.items() if tid.connector == name]
        if connector is not None:
            connector.set_target_state(target)
        for runner in runners:
            if target is TargetState.PAUSED:
                runner.pause()
            elif target is TargetState.STARTED:
                runner.resume()

    def _connector(self, name: str) -> WorkerConnector:
        with self._lock:
            connector = self._connectors.get(name)
        if connector is None:
            raise KeyError(f"connector {name} is not running in this worker")
        return connector

    # -- tasks -----------------------------------------------------------------------------
    def start_task(
        self,
        task_id: TaskId,
        connector_config: Mapping[str, Any],
        task_config: Mapping[str, Any],
        listener: StatusListener,
        target: TargetState,
    ) -> bool:
        """Build and start a task runner; False, and FAILED reported, when it could not be built.

        Only the runner currently registered for `task_id` reports to `listener`: a runner being
        stopped (or replaced) stays silent.
        """
        if task_id in self.task_ids(task_id.connector):
            raise ConfigException("name", task_id.connector, f"task {task_id.task} already runs in this worker")
        listener(task_id, State.UNASSIGNED, None)
        registered: list[WorkerTask] = []

        def report(tid: TaskId, state: State, trace: str | None) -> None:
            with self._lock:
                current = bool(registered) and self._tasks.get(tid) is registered[0]
            if current:
                listener(tid, state, trace)

        try:
            runner = self._builder.build(
                task_id,
                ConnectorConfig.parse(self.registry, self.config, connector_config),
                resolve(task_config),
                report,
                start_paused=target is TargetState.PAUSED,
            )
        except Exception as exc:
            log.error("task %s-%d could not start: %s", task_id.connector, task_id.task, exc)
            listener(task_id, State.FAILED, format_exception(exc))
            return False
        with self._lock:
            self._tasks[task_id] = runner
            registered.append(runner)
        runner.start()
        return True

    def task_ids(self, connector: str | None = None) -> list[TaskId]:
        with self._lock:
            return [tid for tid in self._tasks if connector is None or tid.connector == connector]

    def task_details(self, task_id: TaskId) -> dict[str, Any]:
        """What the task reported about its progress (e.g. snapshot tables done); {} when it does not run here."""
        with self._lock:
            runner = self._tasks.get(task_id)
        return dict(runner.details) if runner is not None else {}

    def degraded_tasks(self) -> list[dict[str, Any]]:
        """The tasks waiting out an outage (see connect/spi/outages.py), for `GET /health`."""
        with self._lock:
            runners = sorted(self._tasks.items(), key=lambda item: (item[0].connector, item[0].task))
        out = []
        for task_id, runner in runners:
            info = runner.outage.current
            if info is not None:
                out.append({"connector": task_id.connector, "task": task_id.task, **info.to_json()})
        return out

    def stop_and_await_tasks(self, ids: Collection[TaskId]) -> None:
        """Stop the tasks, then wait for each within `task.shutdown.graceful.timeout.ms` (together)."""
        with self._lock:
            runners = [(tid, self._tasks.pop(tid)) for tid in ids if tid in self._tasks]
        for tid, runner in runners:
            self._record_topics(tid, runner)
            runner.stop()
        deadline = time.monotonic() + self._shutdown_timeout
        for tid, runner in runners:
            if not runner.await_stop(max(0.1, deadline - time.monotonic())):
                log.warning("task %s-%d did not stop within task.shutdown.graceful.timeout.ms", tid.connector, tid.task)

    # -- topics ----------------------------------------------------------------------------
    def record_active_topics(self, connector: str) -> None:
        """Put the topics the connector's running tasks use into the status store."""
        with self._lock:
            runners = [(tid, r) for tid, r in self._tasks.items() if tid.connector == connector]
        for tid, runner in runners:
            self._record_topics(tid, runner)

    def reset_active_topics(self, connector: str) -> None:
        """Forget the topics the connector's running tasks used so far (they are recorded again when used)."""
        with self._lock:
            runners = [r for tid, r in self._tasks.items() if tid.connector == connector]
        for runner in runners:
            runner.reset_active_topics()

    def _record_topics(self, task_id: TaskId, runner: WorkerTask) -> None:
        known = {t.topic for t in self.status_store.topics(task_id.connector)}
        now = int(time.time() * 1000)
        for topic in sorted(runner.active_topics - known):
            self.status_store.put_topic(TopicStatus(topic, task_id.connector, task_id.task, now))

    # -- offsets ---------------------------------------------------------------------------
    def _offsets(self, config: Mapping[str, Any]) -> SourceOffsets | SinkOffsets:
        return self._sink_offsets if self.connector_type(config) == "sink" else self._source_offsets

    def connector_offsets(self, name: str, config: Mapping[str, Any]) -> list[dict[str, Any]]:
        return self._offsets(config).read(name)

    def alter_connector_offsets(self, name: str, config: Mapping[str, Any], offsets: list[dict[str, Any]]) -> None:
        self._offsets(config).alter(name, offsets)

    def reset_connector_offsets(self, name: str, config: Mapping[str, Any]) -> None:
        self._offsets(config).reset(name)
