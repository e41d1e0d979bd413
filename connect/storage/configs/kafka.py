"""Config store on a Kafka topic (`config.storage.topic`): one compacted, single-partition log every worker reads.

Records follow Kafka Connect's layout (base.py), plus the records distributed mode adds:

    restart-connector-<name>   {"include-tasks": bool, "only-failed": bool}   a restart every worker acts on
    tasks-fencing-<name>       {"task-count": n}   exactly-once: producers of n tasks were fenced
    session-key                {"key": base64, "algorithm": "HmacSHA256", "creation-timestamp": ms}

Task configs take effect only when their `commit-<name>` record is read, so a reader never
mixes two generations of task configs. The single partition orders every write; `offset`
(the log position after the last record applied) is what workers compare in a rebalance.
Only the leader writes (the herder enforces it); with exactly-once source support the leader
writes through a transactional producer (`connect-cluster-<group.id>`) that fences a former
leader still writing.
"""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import orjson
from confluent_kafka import Message, Producer

from connect.errors import ConnectException
from connect.runtime.states import TargetState, TaskId
from connect.storage.configs.base import (
    COMMIT_PREFIX,
    CONNECTOR_PREFIX,
    TARGET_STATE_PREFIX,
    TASK_PREFIX,
    ClusterConfigState,
    Config,
    ConfigUpdateListener,
)
from connect.storage.kafka_log import KafkaBasedLog, decode_record

log = logging.getLogger(__name__)

RESTART_PREFIX = "restart-connector-"
TASK_COUNT_PREFIX = "tasks-fencing-"
SESSION_KEY = "session-key"


@dataclass(frozen=True, slots=True)
class RestartRequest:
    connector: str
    include_tasks: bool = False
    only_failed: bool = False


@dataclass(frozen=True, slots=True)
class SessionKey:
    key: bytes
    algorithm: str
    created_ms: int


class DistributedConfigListener(ConfigUpdateListener, Protocol):
    """What a distributed herder hears besides config changes."""

    def on_restart_request(self, request: RestartRequest) -> None: ...

    def on_session_key_update(self, key: SessionKey) -> None: ...


def target_state_value(state: TargetState) -> dict[str, str]:
    """v1 readers know only STARTED and PAUSED: STOPPED reads as PAUSED to them."""
    v1 = TargetState.PAUSED if state is TargetState.STOPPED else state
    return {"state": v1.value, "state.v2": state.value}


class _ConfigLog:
    """The state the config records describe so far, applied one record at a time (not thread-safe)."""

    def __init__(self) -> None:
        self.connectors: dict[str, Config] = {}
        self.targets: dict[str, TargetState] = {}
        self.tasks: dict[str, tuple[Config, ...]] = {}
        self.pending: dict[str, dict[int, Config]] = {}
        self.task_counts: dict[str, int] = {}
        self.pending_fencing: set[str] = set()  # task configs committed after the last task count record
        self.inconsistent: set[str] = set()
        self.session_key: SessionKey | None = None
        self.offset = -1

    def snapshot(self) -> ClusterConfigState:
        return ClusterConfigState(
            dict(self.connectors),
            {n: t for n, t in self.tasks.items() if n in self.connectors},
            {n: self.targets.get(n, TargetState.STARTED) for n in self.connectors},
            self.offset,
        )

    def apply(self, key: str, value: Any) -> tuple[str, Any] | None:
        """Apply one record; returns the event to tell the listener, if any."""
        if key.startswith(CONNECTOR_PREFIX):
            name = key[len(CONNECTOR_PREFIX) :]
            if value is None:
                self.connectors.pop(name, None)
                self.tasks.pop(name, None)
                self.pending.pop(name, None)
                self.targets.pop(name, None)
                return "removed", name
            self.connectors[name] = dict(value["properties"])
            return "connector", name
        if key.startswith(TARGET_STATE_PREFIX):
            name = key[len(TARGET_STATE_PREFIX) :]
            if value is None:
                self.targets.pop(name, None)
                return None
            self.targets[name] = TargetState(value.get("state.v2") or value["state"])
            return "target", name
        if key.startswith(COMMIT_PREFIX):
            return None if value is None else self._commit(key[len(COMMIT_PREFIX) :], int(value["tasks"]))
        if key.startswith(TASK_COUNT_PREFIX):
            name = key[len(TASK_COUNT_PREFIX) :]
            if value is None:
                self.task_counts.pop(name, None)
            else:
                self.task_counts[name] = int(value["task-count"])
                self.pending_fencing.discard(name)
            return None
        if key.startswith(RESTART_PREFIX):
            if value is None:
                return None
            name = key[len(RESTART_PREFIX) :]
            return "restart", RestartRequest(name, bool(value.get("include-tasks")), bool(value.get("only-failed")))
        if key == SESSION_KEY:
            if value is None:
                return None
            self.session_key = SessionKey(
                base64.b64decode(value["key"]), str(value["algorithm"]), int(value["creation-timestamp"])
            )
            return "session", self.session_key
        if key.startswith(TASK_PREFIX) and value is not None:
            name, _, index = key[len(TASK_PREFIX) :].rpartition("-")
            if index.isdigit():
                self.pending.setdefault(name, {})[int(index)] = dict(value["properties"])
        return None

    def _commit(self, name: str, count: int) -> tuple[str, Any] | None:
        pending = self.pending.pop(name, {})
        if any(i not in pending for i in range(count)):
            # Compaction removed a task record this commit needs: the connector must regenerate its tasks.
            log.warning("config log: task configs of connector %s are incomplete at their commit", name)
            self.inconsistent.add(name)
            return None
        self.inconsistent.discard(name)
        self.pending_fencing.add(name)
        self.tasks[name] = tuple(pending[i] for i in range(count))
        return "tasks", [TaskId(name, i) for i in range(count)]


class KafkaConfigBackingStore:
    def __init__(self, log_factory: Any, *, fencing_producer_props: dict[str, Any] | None = None) -> None:
        """`log_factory(on_record)` builds the KafkaBasedLog; `fencing_producer_props` (with a transactional.id)
        makes leader writes transactional (exactly-once source support)."""
        self._state = _ConfigLog()
        self._lock = threading.Lock()
        self._listener: DistributedConfigListener | None = None
        self._log: KafkaBasedLog = log_factory(self._on_record)
        self._fencing_props = fencing_producer_props
        self._fenced_writer: Producer | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        self._log.start()

    def stop(self) -> None:
        self._log.stop()

    def set_update_listener(self, listener: ConfigUpdateListener) -> None:
        self._listener = listener  # type: ignore[assignment]

    def read_to_end(self, timeout: float) -> bool:
        return self._log.read_to_end(timeout)

    # -- reads -----------------------------------------------------------------------------
    def snapshot(self) -> ClusterConfigState:
        with self._lock:
            return self._state.snapshot()

    def contains(self, connector: str) -> bool:
        with self._lock:
            return connector in self._state.connectors

    def task_count_record(self, connector: str) -> int | None:
        """The task count whose producers were last fenced (exactly-once source), if any."""
        with self._lock:
            return self._state.task_counts.get(connector)

    def pending_fencing(self, connector: str) -> bool:
        """Task configs were committed since the last task count record: their predecessors need fencing."""
        with self._lock:
            return connector in self._state.pending_fencing

    def inconsistent(self) -> set[str]:
        with self._lock:
            return set(self._state.inconsistent)

    def session_key(self) -> SessionKey | None:
        with self._lock:
            return self._state.session_key

    def _on_record(self, message: Message) -> None:
        try:
            key, value = decode_record(message)
            with self._lock:
                self._state.offset = message.offset() + 1
                event = self._state.apply(key, value)
        except (KeyError, TypeError, ValueError) as exc:
            log.error("config log: skipping a malformed record at offset %d: %s", message.offset(), exc)
            return
        if event is not None and self._listener is not None:
            self._notify(*event)

    def _notify(self, kind: str, arg: Any) -> None:
        listener = self._listener
        assert listener is not None
        if kind == "connector":
            listener.on_connector_config_update(arg)
        elif kind == "removed":
            listener.on_connector_config_remove(arg)
        elif kind == "target":
            listener.on_connector_target_state_change(arg)
        elif kind == "tasks":
            listener.on_task_config_update(arg)
        elif kind == "restart":
            listener.on_restart_request(arg)
        elif kind == "session":
            listener.on_session_key_update(arg)

    # -- writes (the leader's) ---------------------------------------------------------------
    def claim_write_privileges(self) -> None:
        """With a transactional writer: a new one, whose initialization fences out any former leader's writer."""
        if self._fencing_props is None:
            return
        if self._fenced_writer is not None:
            self._fenced_writer.flush(5)
        writer = Producer(self._fencing_props)
        writer.init_transactions(30)
        self._fenced_writer = writer

    def _write(self, records: list[tuple[str, Any]], timeout: float = 30.0) -> None:
        """Write the records (as one transaction when fenced) and wait until this store has read them back."""
        encoded = [(k, None if v is None else orjson.dumps(v)) for k, v in records]
        if self._fenced_writer is not None:
            writer = self._fenced_writer
            written: dict[int, int] = {}

            def delivered(err: Any, msg: Message) -> None:
                if err is None:
                    written[msg.partition()] = max(written.get(msg.partition(), -1), msg.offset())

            try:
                writer.begin_transaction()
                for key, value in encoded:
                    writer.produce(self._log.spec.name, value, key, on_delivery=delivered)
                writer.commit_transaction(timeout)
            except Exception as exc:
                raise ConnectException(f"writing to the config topic failed (fenced out?): {exc}") from exc
        else:
            written = self._log.send_and_wait(list(encoded), timeout)
        if not self._log.wait_applied(written, timeout):
            raise ConnectException("the config topic write was not read back in time")

    def put_connector_config(self, connector: str, config: Config, target_state: TargetState | None = None) -> None:
        records: list[tuple[str, Any]] = []
        if target_state is not None:
            records.append((TARGET_STATE_PREFIX + connector, target_state_value(target_state)))
        records.append((CONNECTOR_PREFIX + connector, {"properties": dict(config)}))
        self._write(records)

    def remove_connector_config(self, connector: str) -> None:
        with self._lock:
            count = len(self._state.tasks.get(connector, ()))
        records: list[tuple[str, Any]] = [(CONNECTOR_PREFIX + connector, None), (TARGET_STATE_PREFIX + connector, None)]
        records += [(f"{TASK_PREFIX}{connector}-{i}", None) for i in range(count)]
        records += [(COMMIT_PREFIX + connector, None), (TASK_COUNT_PREFIX + connector, None)]
        self._write(records)

    def put_task_configs(self, connector: str, configs: Sequence[Config]) -> None:
        records: list[tuple[str, Any]] = [
            (f"{TASK_PREFIX}{connector}-{i}", {"properties": dict(c)}) for i, c in enumerate(configs)
        ]
        records.append((COMMIT_PREFIX + connector, {"tasks": len(configs)}))
        self._write(records)

    def remove_task_configs(self, connector: str) -> None:
        self.put_task_configs(connector, [])

    def put_target_state(self, connector: str, state: TargetState) -> None:
        self._write([(TARGET_STATE_PREFIX + connector, target_state_value(state))])

    def put_restart_request(self, request: RestartRequest) -> None:
        value = {"include-tasks": request.include_tasks, "only-failed": request.only_failed}
        self._write([(RESTART_PREFIX + request.connector, value)])

    def put_task_count_record(self, connector: str, count: int) -> None:
        self._write([(TASK_COUNT_PREFIX + connector, {"task-count": count})])

    def put_session_key(self, key: SessionKey) -> None:
        value = {
            "key": base64.b64encode(key.key).decode(),
            "algorithm": key.algorithm,
            "creation-timestamp": key.created_ms,
        }
        self._write([(SESSION_KEY, value)])
