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
from connect.runtime.herder_base import HerderBase, reverse_transform
from connect.runtime.states import State, TargetState, TaskId
from connect.runtime.worker import Worker
from connect.runtime.worker_config import WORKER_CONFIG, WorkerConfig
from connect.secrets import install_log_masking, remember_config
from connect.storage.configs import ConfigBackingStore, FileConfigBackingStore, MemoryConfigBackingStore
from connect.storage.offsets import FileOffsetBackingStore, MemoryOffsetBackingStore, OffsetBackingStore
from connect.storage.statuses import FileStatusBackingStore, MemoryStatusBackingStore, StatusBackingStore

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
        """Start every stored connector that does not run yet (a file config store keeps them across restarts)."""
        with self._lock:
            snapshot = self.configs.snapshot()
            for name in snapshot.connectors():
                if self.worker.is_running(name):
                    continue
                target = snapshot.target_state(name)
                if target is TargetState.STOPPED:
                    self._record_connector(name, State.STOPPED, None)
                else:
                    self._start_connector(name, target or TargetState.STARTED)

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
            target = snapshot.target_state(name) or initial_state
            if existing:
                self._stop_connector(name)
                self.statuses.remove_tasks(name)  # active topics stay: only a delete or a reset forgets them
            self.configs.put_connector_config(name, checked, target)
            if target is TargetState.STOPPED:  # as Kafka Connect: a new config does not start it
                self.configs.put_task_configs(name, [])
                self._record_connector(name, State.STOPPED, None)
            else:
                self._start_connector(name, target)
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
            if stopped:
                self._start_connector(name, target)
            else:
                self.worker.set_target_state(name, target)

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
            if restart_connector and include_tasks and not only_failed:
                self._stop_connector(name)
                self._start_connector(name, target)
            elif restart_connector:
                self.worker.stop_and_await_connector(name)
                self._start_instance(name, target)
            if include_tasks and (only_failed or not restart_connector):
                for i, task_status in list(self.statuses.tasks(name).items()):
                    if not only_failed or task_status.state is State.FAILED:
                        self._restart_task(TaskId(name, i))
            return answer

    def restart_task(self, name: str, task: int) -> None:
        with self._lock:
            snapshot = self.configs.snapshot()
            self._config(name, snapshot)
            if snapshot.task_config(TaskId(name, task)) is None:
                raise NotFoundException(f"Task {name}-{task} not found")
            self._restart_task(TaskId(name, task))

    # -- deciding what the worker runs ---------------------------------------------------------
    def _start_instance(self, name: str, target: TargetState) -> bool:
        config = self._config(name)
        return self.worker.start_connector(
            name, config, self.request_task_reconfiguration, self._record_connector, target
        )

    def _task_configs(self, name: str) -> list[dict[str, Any]]:
        """The running connector's task configs as stored (provider references as written)."""
        return reverse_transform(self._config(name), self.worker.connector_task_configs(name))

    def _start_connector(self, name: str, target: TargetState) -> None:
        """Start the connector, then as many tasks as it asks for (none when it failed)."""
        configs: list[dict[str, Any]] = []
        if self._start_instance(name, target):
            try:
                configs = self._task_configs(name)
            except Exception:
                configs = []  # the connector failed, and its status says why
        self.configs.put_task_configs(name, configs)
        for task_id in self.configs.snapshot().task_ids(name):
            self._start_task(task_id)

    def _start_task(self, task_id: TaskId) -> None:
        snapshot = self.configs.snapshot()
        config, task_config = self._config(task_id.connector, snapshot), snapshot.task_config(task_id)
        assert task_config is not None
        target = snapshot.target_state(task_id.connector)
        self.worker.start_task(task_id, config, task_config, self._record_task, target or TargetState.STARTED)

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
                    if self.worker.is_running(name) and self.configs.contains(name):
                        self._reconfigure(name)

    def _reconfigure(self, name: str) -> None:
        try:
            configs = self._task_configs(name)
        except Exception:
            return  # the connector failed, and says so in its status
        if configs != list(self.configs.snapshot().tasks(name)):
            self.worker.stop_and_await_tasks(self.worker.task_ids(name))
            self.configs.put_task_configs(name, configs)
            self.statuses.remove_tasks(name)
            for task_id in self.configs.snapshot().task_ids(name):
                self._start_task(task_id)


def running(status: ConnectorStatus) -> bool:
    """Connector and all its tasks RUNNING."""
    return (
        status.connector.state is State.RUNNING
        and bool(status.tasks)
        and all(t.state is State.RUNNING for t in status.tasks)
    )


__all__ = ["ConfigException", "StandaloneHerder", "running"]
