"""StandaloneHerder: one worker process runs every connector; configs, statuses and offsets in memory or files.

It implements the Herder protocol the REST API and CLI use (reads in herder_base.py) and
decides what its Worker runs. Operations are serialized by one lock and run synchronously
(start/stop of tasks waits for them): when a call returns, the change has happened.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

from connect.config.definition import password_keys
from connect.errors import AlreadyExistsException, ConfigException, NotFoundException
from connect.plugins import PluginRegistry, default_registry
from connect.runtime.herder import ConnectorInfo, ConnectorStatus
from connect.runtime.herder_base import HerderBase, new_task_configs, start_connector, start_task
from connect.runtime.states import State, TargetState, TaskId
from connect.runtime.worker import Worker
from connect.runtime.worker_config import WORKER_CONFIG, WorkerConfig
from connect.secrets import install_log_masking, remember_config
from connect.storage.configs import ConfigBackingStore, FileConfigBackingStore, MemoryConfigBackingStore
from connect.storage.offsets import FileOffsetBackingStore, MemoryOffsetBackingStore, OffsetBackingStore
from connect.storage.statuses import FileStatusBackingStore, MemoryStatusBackingStore, Status, StatusBackingStore

log = logging.getLogger(__name__)


class StandaloneHerder(HerderBase):
    def __init__(
        self,
        worker_props: Mapping[str, Any],
        registry: PluginRegistry | None = None,
        offset_store: OffsetBackingStore | None = None,
        config_store: ConfigBackingStore | None = None,
        status_store: StatusBackingStore | None = None,
    ) -> None:
        install_log_masking()
        self.config = WorkerConfig.parse(worker_props)
        remember_config(self.config.originals, password_keys(WORKER_CONFIG))
        registry = registry or default_registry()
        if offset_store is None:
            path = self.config.offset_storage_file
            offset_store = FileOffsetBackingStore(path) if path else MemoryOffsetBackingStore()
        if config_store is None:
            path = self.config.config_storage_file
            config_store = FileConfigBackingStore(path) if path else MemoryConfigBackingStore()
        if status_store is None:
            path = self.config.status_storage_file
            status_store = FileStatusBackingStore(path) if path else MemoryStatusBackingStore()
        worker = Worker(self.config, registry, offset_store, status_store)
        super().__init__(worker, config_store, status_store, registry)
        self._reconfigure_requested: set[str] = set()
        self._reconfigurer = threading.Thread(target=self._reconfigure_loop, name="herder-reconfigure", daemon=True)
        self._stopping = threading.Event()

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Load the stores, start the worker, then every connector the config store holds."""
        self.start_worker()
        self.start_connectors()

    def start_worker(self) -> None:
        super().start_worker()
        configured = set(self.configs.snapshot().connectors())
        for name in self.statuses.connectors() - configured:  # left from connectors deleted before a restart
            self.statuses.remove(name)
        self._reconfigurer.start()

    def start_connectors(self) -> None:
        """Start every stored connector that does not run yet (a file config store keeps them across restarts),
        and its stored tasks."""
        with self._lock:
            for name in self.configs.snapshot().connectors():
                if not self.worker.is_running(name):
                    self._start_connector(name)
                    self._start_tasks(name)

    def stop(self) -> None:
        self._stopping.set()
        super().stop()

    # -- config changes ----------------------------------------------------------------------
    def put_connector_config(
        self,
        name: str,
        config: Mapping[str, Any],
        *,
        allow_replace: bool,
        initial_state: TargetState = TargetState.STARTED,
    ) -> tuple[bool, ConnectorInfo]:
        checked = self._checked(name, config)
        with self._lock:
            snapshot = self.configs.snapshot()
            existing = snapshot.contains(name)
            if existing and not allow_replace:
                raise AlreadyExistsException(f"Connector {name} already exists")
            if existing:
                # As Kafka Connect: the connector restarts; its tasks keep running as they are until it generates
                # other task configs, which it does only once STARTED (a PAUSED one's on resume).
                self.worker.stop_and_await_connector(name)
            self.configs.put_connector_config(name, checked, None if existing else initial_state)
            self._start_connector(name)
            return not existing, self.connector_info(name)

    def patch_connector_config(self, name: str, patch: Mapping[str, Any | None]) -> ConnectorInfo:
        return self.put_connector_config(name, self._patched(name, patch), allow_replace=True)[1]

    def delete_connector(self, name: str) -> None:
        with self._lock:
            self._config(name)
            self._stop_connector(name)
            self.configs.remove_connector_config(name)
            self.statuses.remove(name)

    # -- target states -------------------------------------------------------------------------
    def pause_connector(self, name: str) -> None:
        self._set_target_state(name, TargetState.PAUSED)

    def resume_connector(self, name: str) -> None:
        self._set_target_state(name, TargetState.STARTED)

    def _set_target_state(self, name: str, target: TargetState) -> None:
        with self._lock:
            snapshot = self.configs.snapshot()
            self._config(name, snapshot)
            stopped = snapshot.target_state(name) is TargetState.STOPPED
            self.configs.put_target_state(name, target)
            if stopped:  # no instance, no tasks: started in the new state (with tasks only if STARTED)
                self._start_connector(name)
            else:
                self.worker.set_target_state(name, target)
                self._reconfigure(name)  # on resume: a config change made while PAUSED reaches the tasks now

    def stop_connector(self, name: str) -> None:
        with self._lock:
            self._config(name)
            self._stop_connector(name)
            self.configs.put_target_state(name, TargetState.STOPPED)
            self.configs.put_task_configs(name, [])
            self._record_connector(name, State.STOPPED, None)
            self.statuses.remove_tasks(name)

    def restart_connector(
        self, name: str, *, include_tasks: bool = False, only_failed: bool = False
    ) -> ConnectorStatus:
        with self._lock:
            snapshot = self.configs.snapshot()
            self._config(name, snapshot)
            target = snapshot.target_state(name) or TargetState.STARTED
            answer, restart_connector = self._restart_plan(name, include_tasks, only_failed)
            if target is TargetState.STOPPED:  # a stopped connector stays stopped, with no tasks
                return answer
            statuses = self.statuses.tasks(name)
            tasks = [
                task_id
                for task_id in snapshot.task_ids(name)
                if include_tasks and (not only_failed or _failed(statuses.get(task_id.task)))
            ]
            if restart_connector:
                self.worker.stop_and_await_connector(name)
            self.worker.stop_and_await_tasks(tasks)
            if restart_connector:
                self._start_connector(name)
            self._start_tasks(name, tasks)
            return answer

    def restart_task(self, name: str, task: int) -> None:
        with self._lock:
            snapshot = self.configs.snapshot()
            self._config(name, snapshot)
            if snapshot.task_config(TaskId(name, task)) is None:
                raise NotFoundException(f"Task {name}-{task} not found")
            self._restart_task(TaskId(name, task))

    # -- deciding what the worker runs ---------------------------------------------------------
    def _start_connector(self, name: str) -> None:
        """Start the connector instance in its target state; when it runs STARTED, its task configs are generated
        (and its tasks restarted if they changed)."""
        snapshot = self.configs.snapshot()
        if start_connector(self.worker, snapshot, name, self.request_task_reconfiguration, self._record_connector):
            self._reconfigure(name)

    def _start_tasks(self, name: str, only: list[TaskId] | None = None) -> None:
        """Start the connector's stored tasks (or those of `only`) that do not run, in its target state."""
        running = set(self.worker.task_ids(name))
        for task_id in self.configs.snapshot().task_ids(name):
            if task_id not in running and (only is None or task_id in only):
                self._start_task(task_id)

    def _start_task(self, task_id: TaskId) -> None:
        start_task(self.worker, self.configs.snapshot(), task_id, self._record_task)

    def _restart_task(self, task_id: TaskId) -> None:
        self.worker.stop_and_await_tasks([task_id])
        self._start_task(task_id)

    def _stop_connector(self, name: str) -> None:
        self.worker.stop_and_await_tasks(self.worker.task_ids(name))
        self.worker.stop_and_await_connector(name)

    # -- task reconfiguration ------------------------------------------------------------------
    def request_task_reconfiguration(self, name: str) -> None:
        """A connector asks for new task configs (its context's request_task_reconfiguration); done within 1 s."""
        self._reconfigure_requested.add(name)

    def _reconfigure_loop(self) -> None:
        while not self._stopping.wait(1.0):
            with self._lock:
                for name in list(self._reconfigure_requested):
                    self._reconfigure_requested.discard(name)
                    self._reconfigure(name)

    def _reconfigure(self, name: str) -> None:
        """Store and start the task configs the connector generates when they changed (only while it runs
        STARTED); as Kafka Connect, its former tasks are stopped and forgotten first."""
        configs = new_task_configs(self.worker, self.configs.snapshot(), name)
        if configs is None:
            return
        self.worker.stop_and_await_tasks(self.worker.task_ids(name))
        self.statuses.remove_tasks(name)  # active topics stay: only a delete or a reset forgets them
        self.configs.put_task_configs(name, configs)
        self._start_tasks(name)


def _failed(status: Status | None) -> bool:
    return status is not None and status.state is State.FAILED


def running(status: ConnectorStatus) -> bool:
    """Connector and all its tasks RUNNING."""
    return (
        status.connector.state is State.RUNNING
        and bool(status.tasks)
        and all(t.state is State.RUNNING for t in status.tasks)
    )


__all__ = ["ConfigException", "StandaloneHerder", "running"]
