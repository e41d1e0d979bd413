"""The config store protocol, the snapshot it hands out, and Kafka Connect's config-topic record layout.

A herder writes connector configs, task configs and target states here and reads them back as
a `ClusterConfigState`. A store tells its update listener what changed: the memory and file
stores as soon as they applied a write, a Kafka-topic store when it reads a record back.

Record layout (the config topic's keys and JSON values, also the file store's format):

    connector-<name>        {"properties": {<connector config>}}
    task-<name>-<n>         {"properties": {<task config>}}
    commit-<name>           {"tasks": <count>}      task configs take effect only with their commit
    target-state-<name>     {"state": "PAUSED", "state.v2": "STOPPED"}   (v1 readers see STOPPED as PAUSED)
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from connect.runtime.states import TargetState, TaskId

Config = Mapping[str, Any]

CONNECTOR_PREFIX = "connector-"
TASK_PREFIX = "task-"
COMMIT_PREFIX = "commit-"
TARGET_STATE_PREFIX = "target-state-"


@dataclass(frozen=True, slots=True)
class ClusterConfigState:
    """An immutable view of every connector's config, task configs and target state."""

    connector_configs: Mapping[str, Config] = field(default_factory=dict)
    task_configs: Mapping[str, tuple[Config, ...]] = field(default_factory=dict)
    target_states: Mapping[str, TargetState] = field(default_factory=dict)
    offset: int = -1  # position in the config log this reflects (-1: not backed by a log)

    def connectors(self) -> list[str]:
        return sorted(self.connector_configs)

    def contains(self, connector: str) -> bool:
        return connector in self.connector_configs

    def connector_config(self, connector: str) -> Config | None:
        return self.connector_configs.get(connector)

    def target_state(self, connector: str) -> TargetState | None:
        return self.target_states.get(connector) if connector in self.connector_configs else None

    def tasks(self, connector: str) -> tuple[Config, ...]:
        return self.task_configs.get(connector, ())

    def task_ids(self, connector: str) -> list[TaskId]:
        return [TaskId(connector, i) for i in range(len(self.tasks(connector)))]

    def task_config(self, task_id: TaskId) -> Config | None:
        tasks = self.tasks(task_id.connector)
        return tasks[task_id.task] if 0 <= task_id.task < len(tasks) else None


class ConfigUpdateListener(Protocol):
    """Told what changed in a config store (a distributed herder reacts; a standalone one acts on its writes)."""

    def on_connector_config_update(self, connector: str) -> None: ...

    def on_connector_config_remove(self, connector: str) -> None: ...

    def on_task_config_update(self, tasks: Collection[TaskId]) -> None: ...

    def on_connector_target_state_change(self, connector: str) -> None: ...


class ConfigBackingStore(Protocol):
    """Where connector configs, task configs and target states live (memory, file, Kafka topic)."""

    def start(self) -> None:
        """Load what is stored (a Kafka store reads its topic to the end)."""
        ...

    def stop(self) -> None: ...

    def snapshot(self) -> ClusterConfigState: ...

    def contains(self, connector: str) -> bool: ...

    def put_connector_config(self, connector: str, config: Config, target_state: TargetState | None = None) -> None:
        """Create or replace; `target_state` None keeps the current one (STARTED for a new connector)."""
        ...

    def remove_connector_config(self, connector: str) -> None:
        """Forget the connector: its config, task configs and target state."""
        ...

    def put_task_configs(self, connector: str, configs: Sequence[Config]) -> None: ...

    def remove_task_configs(self, connector: str) -> None: ...

    def put_target_state(self, connector: str, state: TargetState) -> None: ...

    def set_update_listener(self, listener: ConfigUpdateListener) -> None: ...


def to_records(state: ClusterConfigState) -> dict[str, Any]:
    """The config-topic records that describe `state`, key → JSON value."""
    records: dict[str, Any] = {}
    for name, config in state.connector_configs.items():
        records[CONNECTOR_PREFIX + name] = {"properties": dict(config)}
        target = state.target_states.get(name, TargetState.STARTED)
        v1 = TargetState.PAUSED if target is TargetState.STOPPED else target
        records[TARGET_STATE_PREFIX + name] = {"state": v1.value, "state.v2": target.value}
    for name, tasks in state.task_configs.items():
        for i, config in enumerate(tasks):
            records[f"{TASK_PREFIX}{name}-{i}"] = {"properties": dict(config)}
        records[COMMIT_PREFIX + name] = {"tasks": len(tasks)}
    return records


def from_records(records: Mapping[str, Any]) -> ClusterConfigState:
    """The state config-topic records describe (the latest value per key; None deletes)."""
    connectors: dict[str, Config] = {}
    targets: dict[str, TargetState] = {}
    task_records: dict[str, dict[int, Config]] = {}
    commits: dict[str, int] = {}
    for key, value in records.items():
        if value is None:
            continue
        if key.startswith(CONNECTOR_PREFIX):
            connectors[key[len(CONNECTOR_PREFIX) :]] = dict(value["properties"])
        elif key.startswith(TARGET_STATE_PREFIX):
            targets[key[len(TARGET_STATE_PREFIX) :]] = TargetState(value.get("state.v2") or value["state"])
        elif key.startswith(COMMIT_PREFIX):
            commits[key[len(COMMIT_PREFIX) :]] = int(value["tasks"])
        elif key.startswith(TASK_PREFIX):
            name, _, index = key[len(TASK_PREFIX) :].rpartition("-")
            task_records.setdefault(name, {})[int(index)] = dict(value["properties"])
    tasks = {
        name: tuple(task_records[name][i] for i in range(count))
        for name, count in commits.items()
        if name in connectors and all(i in task_records.get(name, {}) for i in range(count))
    }
    return ClusterConfigState(connectors, tasks, {name: targets.get(name, TargetState.STARTED) for name in connectors})
