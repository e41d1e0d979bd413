"""StandaloneHerder: runs every connector and task in this process; offsets in a file.

It implements the Herder protocol the REST API and CLI use. Operations are serialized by
one lock and run synchronously (start/stop of tasks waits for them), which keeps the
standalone semantics simple: when a call returns, the change has happened.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from importlib import metadata
from typing import Any

from confluent_kafka import ConsumerGroupTopicPartitions, KafkaException
from confluent_kafka import TopicPartition as KafkaTopicPartition

from connect.config.definition import password_keys
from connect.config.providers import resolve
from connect.errors import (
    AlreadyExistsException,
    BadRequestException,
    ConfigException,
    ConnectorConfigError,
    NotFoundException,
)
from connect.plugins import PluginKind, PluginRegistry, default_registry, plugin_version
from connect.runtime.connector_config import enriched_definition
from connect.runtime.connector_state import ConnectorContextImpl, ConnectorState, degraded_tasks
from connect.runtime.herder import (
    ConnectorInfo,
    ConnectorStatus,
    PluginInfo,
    State,
    StateInfo,
    TargetState,
    TaskId,
    TaskInfo,
    WorkerInfo,
)
from connect.runtime.validation import plugin_definition, validate_connector_config
from connect.runtime.worker import Worker
from connect.runtime.worker_config import WORKER_CONFIG
from connect.secrets import format_exception, install_log_masking, mask_config, remember_config, restore_masked
from connect.storage.offsets import (
    FileOffsetBackingStore,
    MemoryOffsetBackingStore,
    OffsetBackingStore,
    OffsetStorageReaderImpl,
    encode_key,
)
from connect.storage.offsets.base import encode_value

log = logging.getLogger(__name__)


def _version() -> str:
    try:
        return metadata.version("sluice")
    except metadata.PackageNotFoundError:
        return "0.0.0"


class StandaloneHerder:
    def __init__(
        self,
        worker_props: Mapping[str, Any],
        registry: PluginRegistry | None = None,
        offset_store: OffsetBackingStore | None = None,
    ) -> None:
        install_log_masking()
        self.raw_props = dict(worker_props)
        self.props = WORKER_CONFIG.parse(worker_props)
        remember_config(self.raw_props, password_keys(WORKER_CONFIG))
        self.registry = registry or default_registry()
        if offset_store is None:
            path = self.props.get("offset.storage.file.filename")
            offset_store = FileOffsetBackingStore(path) if path else MemoryOffsetBackingStore()
        self.offset_store = offset_store
        self.worker = Worker(self.props, self.registry, offset_store)
        self._connectors: dict[str, ConnectorState] = {}
        self._lock = threading.RLock()
        self._cluster_id: str | None = None
        self._shutdown_timeout = int(self.props.get("task.shutdown.graceful.timeout.ms", 5000)) / 1000
        self._started = False
        self._reconfigurer = threading.Thread(target=self._reconfigure_loop, name="herder-reconfigure", daemon=True)
        self._stopping = threading.Event()

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        self.offset_store.start()
        self._cluster_id = self.worker.kafka_cluster_id()
        self._started = True
        self._reconfigurer.start()

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            for name in list(self._connectors):
                self._stop_connector(self._connectors[name])
        self.offset_store.stop()

    def worker_info(self) -> WorkerInfo:
        return WorkerInfo(_version(), "unknown", self._cluster_id)

    # -- reads -----------------------------------------------------------------------------
    def _get(self, name: str) -> ConnectorState:
        state = self._connectors.get(name)
        if state is None:
            raise NotFoundException(f"Connector {name} not found")
        return state

    def connectors(self) -> list[str]:
        with self._lock:
            return sorted(self._connectors)

    def _password_keys(self, state: ConnectorState) -> set[str]:
        try:
            definition, _ = enriched_definition(self.registry, state.connector_cls, state.config)
        except Exception:
            return set()
        return password_keys(definition)

    def _masked(self, state: ConnectorState, props: Mapping[str, Any]) -> dict[str, Any]:
        return mask_config(props, self._password_keys(state))

    def connector_info(self, name: str) -> ConnectorInfo:
        with self._lock:
            state = self._get(name)
            return ConnectorInfo(
                name,
                self._masked(state, state.config),
                [TaskId(name, i) for i in range(len(state.task_configs))],
                state.type,
            )

    def connector_config(self, name: str) -> dict[str, Any]:
        with self._lock:
            state = self._get(name)
            return self._masked(state, state.config)

    def connector_status(self, name: str) -> ConnectorStatus:
        with self._lock:
            state = self._get(name)
            worker_id = self.worker.worker_id
            version = plugin_version(state.connector_cls) if state.connector_cls is not None else None
            tasks = []
            for i in range(len(state.task_configs)):
                runner = state.tasks.get(i)
                task_state, trace = state.task_states.get(i, (State.UNASSIGNED, None))
                details = dict(runner.details) if runner is not None else {}
                tasks.append(StateInfo(task_state, worker_id, trace, id=i, details=details, version=version))
            connector = StateInfo(state.state, worker_id, state.trace, version=version)
            return ConnectorStatus(name, connector, tasks, state.type)

    def task_configs(self, name: str) -> list[TaskInfo]:
        with self._lock:
            state = self._get(name)
            return [
                TaskInfo(TaskId(name, i), self._masked(state, self._unresolved(state, cfg)))
                for i, cfg in enumerate(state.task_configs)
            ]

    @staticmethod
    def _unresolved(state: ConnectorState, task_config: Mapping[str, Any]) -> dict[str, Any]:
        """Show provider references as written, never the secret they resolved to."""
        out = dict(task_config)
        for k, v in state.config.items():
            if isinstance(v, str) and "${" in v and k in out:
                out[k] = v
        return out

    def task_status(self, name: str, task: int) -> StateInfo:
        status = self.connector_status(name)
        for t in status.tasks:
            if t.id == task:
                return t
        raise NotFoundException(f"Task {name}-{task} not found")

    # -- config changes ----------------------------------------------------------------------
    def validate_connector_config(self, config: Mapping[str, Any]) -> dict[str, Any]:
        return validate_connector_config(self.registry, config)

    def put_connector_config(
        self,
        name: str,
        config: Mapping[str, Any],
        *,
        allow_replace: bool,
        initial_state: TargetState = TargetState.STARTED,
    ) -> tuple[bool, ConnectorInfo]:
        config = {
            str(k): v if isinstance(v, str) or v is None else str(v).lower() if isinstance(v, bool) else str(v)
            for k, v in config.items()
        }
        config.setdefault("name", name)
        if config["name"] != name:
            raise BadRequestException(
                f"Connector name configuration ({config['name']}) doesn't match connector name in the URL ({name})"
            )
        with self._lock:
            existing = self._connectors.get(name)
        if existing is not None:
            # A value read back masked from the API and written unchanged keeps the secret it stands for.
            config = restore_masked(config, existing.config, self._password_keys(existing))
        infos = self.validate_connector_config(config)
        if infos["error_count"]:
            raise ConnectorConfigError(infos)
        with self._lock:
            existing = self._connectors.get(name)
            if existing is not None and not allow_replace:
                raise AlreadyExistsException(f"Connector {name} already exists")
            target = initial_state
            topics: set[str] = set()
            if existing is not None:
                target = existing.target
                self._stop_connector(existing)
                topics = existing.collect_topics()  # only a delete or a reset forgets them
            state = ConnectorState(name, config, target, active_topics=set(topics))
            self._connectors[name] = state
            if target is TargetState.STOPPED:  # as Kafka Connect: a new config does not start it
                state.connector_cls = self.worker.connector_class(config)
                state.state = State.STOPPED
            else:
                self._start_connector(state)
            return existing is None, self.connector_info(name)

    def patch_connector_config(self, name: str, patch: Mapping[str, Any | None]) -> ConnectorInfo:
        with self._lock:
            config = dict(self._get(name).config)
        for k, v in patch.items():
            if v is None:
                config.pop(k, None)
            else:
                config[k] = v
        return self.put_connector_config(name, config, allow_replace=True)[1]

    def delete_connector(self, name: str) -> None:
        with self._lock:
            state = self._get(name)
            self._stop_connector(state)
            del self._connectors[name]

    # -- target states -------------------------------------------------------------------------
    def pause_connector(self, name: str) -> None:
        with self._lock:
            state = self._get(name)
            if state.target is TargetState.STOPPED:
                self._start_connector(state, TargetState.PAUSED)
                return
            state.target = TargetState.PAUSED
            if state.state is State.RUNNING:
                state.state = State.PAUSED
            for runner in state.tasks.values():
                runner.pause()

    def resume_connector(self, name: str) -> None:
        with self._lock:
            state = self._get(name)
            if state.target is TargetState.STOPPED:
                self._start_connector(state, TargetState.STARTED)
                return
            state.target = TargetState.STARTED
            if state.state is State.PAUSED:
                state.state = State.RUNNING
            for runner in state.tasks.values():
                runner.resume()

    def stop_connector(self, name: str) -> None:
        with self._lock:
            state = self._get(name)
            self._stop_connector(state)
            state.target = TargetState.STOPPED
            state.state = State.STOPPED
            state.task_configs = []
            state.task_states.clear()

    def restart_connector(
        self, name: str, *, include_tasks: bool = False, only_failed: bool = False
    ) -> ConnectorStatus:
        with self._lock:
            state = self._get(name)
            restart_connector = not only_failed or state.state is State.FAILED
            # As Kafka Connect: the answer is the status before the restart, RESTARTING for what restarts.
            answer = self.connector_status(name)
            if restart_connector:
                answer.connector.state = State.RESTARTING
            for task in answer.tasks:
                if include_tasks and (not only_failed or task.state is State.FAILED):
                    task.state = State.RESTARTING
            if state.target is TargetState.STOPPED:  # a stopped connector stays stopped, with no tasks
                return answer
            if restart_connector and include_tasks and not only_failed:
                self._stop_connector(state)
                self._start_connector(state)
            elif restart_connector:
                self._restart_connector_only(state)
            if include_tasks and (only_failed or not restart_connector):
                for i, (task_state, _trace) in list(state.task_states.items()):
                    if not only_failed or task_state is State.FAILED:
                        self._restart_task(state, i)
            return answer

    def restart_task(self, name: str, task: int) -> None:
        with self._lock:
            state = self._get(name)
            if not 0 <= task < len(state.task_configs):
                raise NotFoundException(f"Task {name}-{task} not found")
            self._restart_task(state, task)

    # -- topics ----------------------------------------------------------------------------
    def connector_active_topics(self, name: str) -> list[str]:
        with self._lock:
            return sorted(self._get(name).collect_topics())

    def reset_connector_active_topics(self, name: str) -> None:
        with self._lock:
            state = self._get(name)
            state.active_topics = set()
            for runner in state.tasks.values():
                runner.reset_active_topics()

    # -- offsets ---------------------------------------------------------------------------
    def connector_offsets(self, name: str) -> list[dict[str, Any]]:
        with self._lock:
            state = self._get(name)
        if state.type == "sink":
            return self._sink_offsets(name)
        reader = OffsetStorageReaderImpl(self.offset_store, name)
        return [{"partition": p, "offset": o} for p, o in reader.connector_offsets()]

    def _sink_offsets(self, name: str) -> list[dict[str, Any]]:
        request = [ConsumerGroupTopicPartitions(f"connect-{name}")]
        try:
            result = self.worker.admin.list_consumer_group_offsets(request)[f"connect-{name}"].result(timeout=15)
        except KafkaException as exc:
            raise BadRequestException(f"cannot read the consumer group offsets of {name}: {exc}") from exc
        return [
            {
                "partition": {"kafka_topic": tp.topic, "kafka_partition": tp.partition},
                "offset": {"kafka_offset": tp.offset},
            }
            for tp in result.topic_partitions
            if tp.offset >= 0
        ]

    def _require_stopped(self, name: str) -> ConnectorState:
        state = self._get(name)
        if state.target is not TargetState.STOPPED:
            raise BadRequestException(
                "Connectors must be in the STOPPED state before their offsets can be "
                "modified. This can be done for the specified connector by issuing a "
                f"'PUT' request to the '/connectors/{name}/stop' endpoint"
            )
        return state

    def alter_connector_offsets(self, name: str, offsets: list[dict[str, Any]]) -> str:
        with self._lock:
            state = self._require_stopped(name)
            if not offsets:
                raise BadRequestException("The offsets to be altered may not be null or empty")
            if state.type == "sink":
                self._alter_sink_offsets(name, offsets)
            else:
                values = {}
                for item in offsets:
                    partition, offset = item.get("partition"), item.get("offset")
                    if not isinstance(partition, dict):
                        raise BadRequestException("Source partitions must be JSON objects")
                    if offset is not None and not isinstance(offset, dict):
                        raise BadRequestException("Source offsets must be JSON objects or null")
                    values[encode_key(name, partition)] = encode_value(offset)
                self.offset_store.set(values)
            return "The offsets for this connector have been altered successfully"

    def _alter_sink_offsets(self, name: str, offsets: list[dict[str, Any]]) -> None:
        alter, delete = [], []
        for item in offsets:
            partition, offset = item.get("partition") or {}, item.get("offset")
            topic, number = partition.get("kafka_topic"), partition.get("kafka_partition")
            if not isinstance(topic, str) or not isinstance(number, int):
                raise BadRequestException("Sink partitions need 'kafka_topic' (string) and 'kafka_partition' (int)")
            if offset is None:
                delete.append(KafkaTopicPartition(topic, number))
                continue
            value = offset.get("kafka_offset") if isinstance(offset, dict) else None
            if not isinstance(value, int) or value < 0:
                raise BadRequestException("Sink offsets need a non-negative integer 'kafka_offset'")
            alter.append(KafkaTopicPartition(topic, number, value))
        group = f"connect-{name}"
        admin = self.worker.admin
        try:
            if alter:
                admin.alter_consumer_group_offsets([ConsumerGroupTopicPartitions(group, alter)])[group].result(15)
            if delete:
                admin.delete_consumer_group_offsets([ConsumerGroupTopicPartitions(group, delete)])[group].result(15)
        except KafkaException as exc:
            raise BadRequestException(f"cannot alter the consumer group offsets of {name}: {exc}") from exc

    def reset_connector_offsets(self, name: str) -> str:
        with self._lock:
            state = self._require_stopped(name)
            if state.type == "sink":
                group = f"connect-{name}"
                try:
                    self.worker.admin.delete_consumer_groups([group])[group].result(15)
                except KafkaException as exc:
                    if "GROUP_ID_NOT_FOUND" not in str(exc):
                        raise BadRequestException(f"cannot reset the offsets of {name}: {exc}") from exc
            else:
                reader = OffsetStorageReaderImpl(self.offset_store, name)
                self.offset_store.set({encode_key(name, p): None for p, _ in reader.connector_offsets()})
            return "The offsets for this connector have been reset successfully"

    # -- plugins ---------------------------------------------------------------------------
    def connector_plugins(self, connectors_only: bool = True) -> list[PluginInfo]:
        kinds = [PluginKind.CONNECTOR] if connectors_only else list(PluginKind)
        return [PluginInfo(d.class_name, d.type, d.version) for kind in kinds for d in self.registry.describe(kind)]

    def plugin_config(self, plugin: str, version: str | None = None) -> list[dict[str, Any]]:
        return plugin_definition(self.registry, plugin, version)

    def health(self) -> dict[str, Any]:
        with self._lock:
            states = [s.state for s in self._connectors.values()]
            tasks = [ts for s in self._connectors.values() for ts, _ in s.task_states.values()]
            degraded = degraded_tasks(self._connectors.values())
        report = {
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

    # -- internals -------------------------------------------------------------------------
    def _task_listener(self, name: str) -> Any:
        def on_state(task_id: TaskId, state: State, trace: str | None) -> None:
            current = self._connectors.get(name)
            if current is not None and task_id.task in current.tasks:
                current.task_states[task_id.task] = (state, trace)

        return on_state

    def _start_connector(self, state: ConnectorState, target: TargetState | None = None) -> None:
        if target is not None:
            state.target = target
        try:
            self._launch_instance(state)
            max_tasks = int(state.config.get("tasks.max", 1))
            state.task_configs = [dict(c) for c in state.instance.task_configs(max_tasks)][:max_tasks]
        except Exception as exc:
            state.fail(exc)
            state.task_configs = []
            return
        for i in range(len(state.task_configs)):
            self._start_task(state, i)

    def _start_task(self, state: ConnectorState, index: int) -> None:
        assert state.connector_cls is not None
        task_id = TaskId(state.name, index)
        state.task_states[index] = (State.UNASSIGNED, None)
        try:
            runner = self.worker.build_task(
                task_id,
                state.connector_cls,
                state.config,
                resolve(state.task_configs[index]),
                self._task_listener(state.name),
                start_paused=state.target is TargetState.PAUSED,
            )
        except Exception as exc:
            state.task_states[index] = (State.FAILED, format_exception(exc))
            log.error("task %s-%d could not start: %s", state.name, index, exc)
            return
        state.tasks[index] = runner
        runner.start()

    def _stop_tasks(self, state: ConnectorState, indexes: list[int]) -> None:
        runners = [(i, state.tasks.pop(i)) for i in indexes if i in state.tasks]
        for _, runner in runners:
            runner.stop()
        deadline = time.monotonic() + self._shutdown_timeout
        for i, runner in runners:
            state.collect_topics()
            if not runner.await_stop(max(0.1, deadline - time.monotonic())):
                log.warning("task %s-%d did not stop within task.shutdown.graceful.timeout.ms", state.name, i)

    def _restart_task(self, state: ConnectorState, index: int) -> None:
        self._stop_tasks(state, [index])
        self._start_task(state, index)

    def _restart_connector_only(self, state: ConnectorState) -> None:
        if state.instance is not None:
            try:
                state.instance.stop()
            except Exception as exc:
                log.warning("connector %s did not stop cleanly: %s", state.name, exc)
        try:
            self._launch_instance(state)
        except Exception as exc:
            state.fail(exc)

    def _launch_instance(self, state: ConnectorState) -> None:
        """Create, initialize and start the connector instance (config providers resolved here only)."""
        state.connector_cls = self.worker.connector_class(state.config)
        instance = state.connector_cls()
        instance.initialize(ConnectorContextImpl(self, state.name))
        instance.start(resolve(state.config))
        state.instance = instance
        state.trace = None
        state.state = State.PAUSED if state.target is TargetState.PAUSED else State.RUNNING

    def _stop_connector(self, state: ConnectorState) -> None:
        self._stop_tasks(state, list(state.tasks))
        if state.instance is not None:
            try:
                state.instance.stop()
            except Exception as exc:
                log.warning("connector %s did not stop cleanly: %s", state.name, exc)
            state.instance = None

    def request_task_reconfiguration(self, name: str) -> None:
        state = self._connectors.get(name)
        if state is not None:
            state.reconfigure_requested = True

    def connector_failed(self, name: str, error: Exception) -> None:
        with self._lock:
            state = self._connectors.get(name)
            if state is not None:
                state.fail(error)

    def _reconfigure_loop(self) -> None:
        while not self._stopping.wait(1.0):
            with self._lock:
                for state in list(self._connectors.values()):
                    if state.reconfigure_requested and state.instance is not None:
                        state.reconfigure_requested = False
                        self._reconfigure(state)

    def _reconfigure(self, state: ConnectorState) -> None:
        assert state.instance is not None
        try:
            configs = [dict(c) for c in state.instance.task_configs(int(state.config.get("tasks.max", 1)))]
        except Exception as exc:
            state.fail(exc)
            return
        if configs != state.task_configs:
            self._stop_tasks(state, list(state.tasks))
            state.task_configs = configs
            state.task_states.clear()
            for i in range(len(configs)):
                self._start_task(state, i)

    def wait_for(self, name: str, predicate: Any, timeout: float = 30.0) -> ConnectorStatus:
        """Poll the status until `predicate(status)` holds (tests, CLI); raise TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            status = self.connector_status(name)
            if predicate(status):
                return status
            if time.monotonic() > deadline:
                raise TimeoutError(f"connector {name} did not reach the expected state: {status.to_json()}")
            time.sleep(0.05)


def running(status: ConnectorStatus) -> bool:
    """Connector and all its tasks RUNNING."""
    return (
        status.connector.state is State.RUNNING
        and bool(status.tasks)
        and all(t.state is State.RUNNING for t in status.tasks)
    )


__all__ = ["ConfigException", "StandaloneHerder", "running"]
