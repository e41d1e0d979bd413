"""What every herder shares: answers read from the config and status stores, status recording, offsets, plugins.

A herder owns connector configs and target states (config store) and statuses (status store),
and decides what its Worker runs; a subclass (standalone now, distributed next) adds those
decisions. Calls are serialized by one lock, so when one returns its change has happened.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from importlib import metadata
from typing import Any

from connect.config.definition import password_keys
from connect.errors import BadRequestException, ConnectorConfigError, NotFoundException
from connect.plugins import PluginKind, PluginRegistry, plugin_version
from connect.runtime.connector_config import enriched_definition
from connect.runtime.herder import (
    ConnectorInfo,
    ConnectorStatus,
    InternalRequestSignature,
    PluginInfo,
    StateInfo,
    TaskInfo,
    WorkerInfo,
)
from connect.runtime.states import State, TargetState, TaskId
from connect.runtime.validation import plugin_definition, validate_connector_config
from connect.runtime.worker import Worker
from connect.runtime.worker_connector import ConnectorStatusListener
from connect.runtime.worker_task import StatusListener
from connect.secrets import mask_config, restore_masked
from connect.storage.configs import ClusterConfigState, ConfigBackingStore
from connect.storage.configs.base import Config
from connect.storage.statuses import Status, StatusBackingStore


def _version() -> str:
    try:
        return metadata.version("sluice")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def reverse_transform(connector_config: Config, task_configs: Sequence[Config]) -> list[dict[str, Any]]:
    """Task configs with every value the connector config holds as a provider reference put back as written,
    so stored and shown task configs never carry a resolved secret (the Worker resolves them again)."""
    references = {k: v for k, v in connector_config.items() if isinstance(v, str) and "${" in v}
    return [{k: references.get(k, v) for k, v in config.items()} for config in task_configs]


def start_connector(
    worker: Worker,
    snapshot: ClusterConfigState,
    name: str,
    request_reconfiguration: Callable[[str], None],
    record_connector: ConnectorStatusListener,
) -> bool:
    """Start the connector instance in its target state (a STOPPED one runs none: it is only recorded STOPPED).
    True when it runs STARTED, the only state in which Kafka Connect generates task configs (so a connector
    created PAUSED, or paused from STOPPED, has no tasks until resumed)."""
    config = snapshot.connector_config(name)
    target = snapshot.target_state(name) or TargetState.STARTED
    if config is None:
        return False
    if target is TargetState.STOPPED:
        record_connector(name, State.STOPPED, None)
        return False
    started = worker.start_connector(name, config, request_reconfiguration, record_connector, target)
    return started and target is TargetState.STARTED


def start_task(worker: Worker, snapshot: ClusterConfigState, task_id: TaskId, record_task: StatusListener) -> bool:
    """Start the task from its stored config in its connector's target state (a task started PAUSED is, as in
    Kafka Connect, not started by the runtime until resumed); False when its config is gone."""
    config, task_config = snapshot.connector_config(task_id.connector), snapshot.task_config(task_id)
    if config is None or task_config is None:
        return False
    target = snapshot.target_state(task_id.connector) or TargetState.STARTED
    worker.start_task(task_id, config, task_config, record_task, target)
    return True


def new_task_configs(
    worker: Worker, snapshot: ClusterConfigState, name: str, *, force: bool = False
) -> list[dict[str, Any]] | None:
    """The task configs the running connector generates now, as stored (provider references as written), when
    they differ from the stored ones (or `force`); None when unchanged, when the connector failed, or when it
    does not run STARTED: as in Kafka Connect, a PAUSED connector's tasks keep their configs until it resumes."""
    config = snapshot.connector_config(name)
    started = (snapshot.target_state(name) or TargetState.STARTED) is TargetState.STARTED
    if config is None or not started or not worker.is_running(name):
        return None
    try:
        configs = reverse_transform(config, worker.connector_task_configs(name))
    except Exception:
        return None  # the connector failed, and its status says why
    if configs == [dict(c) for c in snapshot.tasks(name)] and not force:
        return None
    return configs


class HerderBase:
    def __init__(
        self,
        worker: Worker,
        config_store: ConfigBackingStore,
        status_store: StatusBackingStore,
        registry: PluginRegistry,
    ) -> None:
        self.worker = worker
        self.configs = config_store
        self.statuses = status_store
        self.registry = registry
        self._lock = threading.RLock()
        self._started = False
        self._cluster_id: str | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start_worker(self) -> None:
        """Load the stores and start the worker (no connector yet)."""
        self.statuses.start()
        self.configs.start()
        self.worker.start()
        self._cluster_id = self.worker.kafka_cluster_id()
        self._started = True

    def stop(self) -> None:
        with self._lock:
            self.worker.stop()
            self.configs.stop()
            self.statuses.stop()

    def worker_info(self) -> WorkerInfo:
        return WorkerInfo(_version(), "unknown", self._cluster_id)

    # -- reads -----------------------------------------------------------------------------
    def _config(self, name: str, snapshot: ClusterConfigState | None = None) -> Config:
        config = (snapshot or self.configs.snapshot()).connector_config(name)
        if config is None:
            raise NotFoundException(f"Connector {name} not found")
        return config

    def connectors(self) -> list[str]:
        with self._lock:
            return self.configs.snapshot().connectors()

    def _connector_class(self, config: Config) -> type | None:
        try:
            return self.worker.connector_class(config)
        except Exception:
            return None

    def _password_keys(self, config: Config) -> set[str]:
        try:
            definition, _ = enriched_definition(self.registry, self._connector_class(config), config)
        except Exception:
            return set()
        return password_keys(definition)

    def _masked(self, config: Config, props: Mapping[str, Any]) -> dict[str, Any]:
        return mask_config(props, self._password_keys(config))

    def connector_info(self, name: str) -> ConnectorInfo:
        with self._lock:
            snapshot = self.configs.snapshot()
            config = self._config(name, snapshot)
            return ConnectorInfo(
                name, self._masked(config, config), snapshot.task_ids(name), self.worker.connector_type(config)
            )

    def connector_config(self, name: str) -> dict[str, Any]:
        with self._lock:
            config = self._config(name)
            return self._masked(config, config)

    def connector_status(self, name: str) -> ConnectorStatus:
        with self._lock:
            snapshot = self.configs.snapshot()
            config = self._config(name, snapshot)
            connector_cls = self._connector_class(config)
            version = plugin_version(connector_cls) if connector_cls is not None else None
            unassigned = Status(State.UNASSIGNED, self.worker.worker_id)
            connector = self.statuses.connector(name) or unassigned
            statuses = self.statuses.tasks(name)
            tasks = []
            for task_id in snapshot.task_ids(name):
                s = statuses.get(task_id.task, unassigned)
                details = self.worker.task_details(task_id)
                tasks.append(
                    StateInfo(s.state, s.worker_id, s.trace, id=task_id.task, details=details, version=version)
                )
            return ConnectorStatus(
                name,
                StateInfo(connector.state, connector.worker_id, connector.trace, version=version),
                tasks,
                self.worker.connector_type(config),
            )

    def task_configs(self, name: str) -> list[TaskInfo]:
        with self._lock:
            snapshot = self.configs.snapshot()
            config = self._config(name, snapshot)
            return [TaskInfo(TaskId(name, i), self._masked(config, c)) for i, c in enumerate(snapshot.tasks(name))]

    def _patched(self, name: str, patch: Mapping[str, Any | None]) -> dict[str, Any]:
        """The connector's config with `patch` merged in (a None value removes the key)."""
        with self._lock:
            config = dict(self._config(name))
        for key, value in patch.items():
            if value is None:
                config.pop(key, None)
            else:
                config[key] = value
        return config

    def _restart_plan(self, name: str, include_tasks: bool, only_failed: bool) -> tuple[ConnectorStatus, bool]:
        """As Kafka Connect answers a restart: the status before it, RESTARTING for what restarts; and whether the
        connector itself restarts."""
        status = self.statuses.connector(name)
        restart_connector = not only_failed or (status is not None and status.state is State.FAILED)
        answer = self.connector_status(name)
        if restart_connector:
            answer.connector.state = State.RESTARTING
        for task in answer.tasks:
            if include_tasks and (not only_failed or task.state is State.FAILED):
                task.state = State.RESTARTING
        return answer, restart_connector

    def task_status(self, name: str, task: int) -> StateInfo:
        status = self.connector_status(name)
        for t in status.tasks:
            if t.id == task:
                return t
        raise NotFoundException(f"Task {name}-{task} not found")

    # -- topics ----------------------------------------------------------------------------
    def connector_active_topics(self, name: str) -> list[str]:
        with self._lock:
            self._config(name)
            self.worker.record_active_topics(name)
            return sorted({t.topic for t in self.statuses.topics(name)})

    def reset_connector_active_topics(self, name: str) -> None:
        with self._lock:
            self._config(name)
            for topic in self.statuses.topics(name):
                self.statuses.delete_topic(name, topic.topic)
            self.worker.reset_active_topics(name)

    # -- offsets ---------------------------------------------------------------------------
    def connector_offsets(self, name: str) -> list[dict[str, Any]]:
        with self._lock:
            config = self._config(name)
        return self.worker.connector_offsets(name, config)

    def _require_stopped(self, name: str) -> Config:
        snapshot = self.configs.snapshot()
        config = self._config(name, snapshot)
        if snapshot.target_state(name) is not TargetState.STOPPED:
            raise BadRequestException(
                "Connectors must be in the STOPPED state before their offsets can be "
                "modified. This can be done for the specified connector by issuing a "
                f"'PUT' request to the '/connectors/{name}/stop' endpoint"
            )
        return config

    def alter_connector_offsets(self, name: str, offsets: list[dict[str, Any]]) -> str:
        with self._lock:
            config = self._require_stopped(name)
            if not offsets:
                raise BadRequestException("The offsets to be altered may not be null or empty")
            self.worker.alter_connector_offsets(name, config, offsets)
            return "The offsets for this connector have been altered successfully"

    def reset_connector_offsets(self, name: str) -> str:
        with self._lock:
            config = self._require_stopped(name)
            self.worker.reset_connector_offsets(name, config)
            return "The offsets for this connector have been reset successfully"

    # -- configs, plugins ------------------------------------------------------------------
    def validate_connector_config(self, config: Mapping[str, Any]) -> dict[str, Any]:
        return validate_connector_config(self.registry, config)

    def _checked(self, name: str, config: Mapping[str, Any]) -> dict[str, Any]:
        """The config as stored (string values, `name` set), once it validated; raises what a PUT answers."""
        checked = {
            str(k): v if isinstance(v, str) or v is None else str(v).lower() if isinstance(v, bool) else str(v)
            for k, v in config.items()
        }
        checked.setdefault("name", name)
        if checked["name"] != name:
            raise BadRequestException(
                f"Connector name configuration ({checked['name']}) doesn't match connector name in the URL ({name})"
            )
        stored = self.configs.snapshot().connector_config(name)
        if stored is not None:
            # A value read back masked from the API and written unchanged keeps the secret it stands for.
            checked = restore_masked(checked, stored, self._password_keys(stored))
        infos = self.validate_connector_config(checked)
        if infos["error_count"]:
            raise ConnectorConfigError(infos)
        return checked

    def connector_plugins(self, connectors_only: bool = True) -> list[PluginInfo]:
        kinds = [PluginKind.CONNECTOR] if connectors_only else list(PluginKind)
        return [PluginInfo(d.class_name, d.type, d.version) for kind in kinds for d in self.registry.describe(kind)]

    def plugin_config(self, plugin: str, version: str | None = None) -> list[dict[str, Any]]:
        return plugin_definition(self.registry, plugin, version)

    def health(self) -> dict[str, Any]:
        names = self.configs.snapshot().connectors()
        states = [(self.statuses.connector(n) or Status(State.UNASSIGNED, "")).state for n in names]
        tasks = [s.state for n in names for s in self.statuses.tasks(n).values()]
        degraded = self.worker.degraded_tasks()
        report: dict[str, Any] = {
            "status": "healthy" if self._started else "starting",
            "message": "Worker has completed startup and is ready to handle requests."
            if self._started
            else "Worker is still starting up.",
            "connectors": {st.value.lower(): states.count(st) for st in set(states)},
            "tasks": {st.value.lower(): tasks.count(st) for st in set(tasks)},
        }
        if degraded and self._started:
            report["status"] = "degraded"
            report["message"] = f"{len(degraded)} task(s) wait for a system that is unreachable."
            report["degraded"] = degraded
        return report

    def refresh(self) -> None:
        """Nothing to catch up with: a standalone worker's writes are its own."""

    # -- internal requests: a cluster's (standalone has none) ----------------------------------
    def put_task_configs(
        self, name: str, configs: list[dict[str, Any]], signature: InternalRequestSignature | None
    ) -> None:
        raise BadRequestException("This worker is not part of a cluster: it does not take task configs from others.")

    def fence_zombies(self, name: str, signature: InternalRequestSignature | None) -> None:
        raise BadRequestException("This worker is not part of a cluster: it runs no exactly-once source connectors.")

    # -- statuses, as the Worker reports them ------------------------------------------------
    def _record_connector(self, name: str, state: State, trace: str | None) -> None:
        self.statuses.put_connector(name, Status(state, self.worker.worker_id, trace))

    def _record_task(self, task_id: TaskId, state: State, trace: str | None) -> None:
        self.statuses.put_task(task_id, Status(state, self.worker.worker_id, trace))

    def wait_for(
        self, name: str, predicate: Callable[[ConnectorStatus], bool], timeout: float = 30.0
    ) -> ConnectorStatus:
        """Poll the status until `predicate(status)` holds (tests, CLI); raise TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            status = self.connector_status(name)
            if predicate(status):
                return status
            if time.monotonic() > deadline:
                raise TimeoutError(f"connector {name} did not reach the expected state: {status.to_json()}")
            time.sleep(0.05)
