"""An in-memory Herder with the standalone herder's semantics, for REST tests without a worker."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connect.config.definition import mask_secrets
from connect.errors import (
    AlreadyExistsException,
    BadRequestException,
    ConnectorConfigError,
    NotFoundException,
)
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

WORKER_ID = "127.0.0.1:8083"
PLUGINS = {
    "datagen": ("connectors.datagen.connector.DatagenSourceConnector", "source"),
    "file": ("connectors.file.connector.FileSinkConnector", "sink"),
}
OTHER_PLUGINS = [
    PluginInfo("transforms.insert_field.InsertField", "transformation", "0.1.0"),
    PluginInfo("connect.converters.json.JsonConverter", "converter", "0.1.0"),
]
KEY_INFO = {
    "name": "kafka.topic",
    "type": "STRING",
    "required": True,
    "default_value": None,
    "importance": "HIGH",
    "documentation": "Topic the records are written to.",
    "group": "Datagen",
    "width": "NONE",
    "display_name": "kafka.topic",
    "dependents": [],
    "order": -1,
}


@dataclass
class _Connector:
    config: dict[str, Any]
    target: TargetState
    state: State
    tasks: list[State] = field(default_factory=list)
    offsets: list[dict[str, Any]] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    restarts: int = 0
    task_restarts: list[int] = field(default_factory=list)


class FakeHerder:
    """Connectors with `connector.class` datagen (source) or file (sink); `tasks.max` tasks each."""

    def __init__(self) -> None:
        self.connectors_: dict[str, _Connector] = {}
        self.started = True
        self.fail_with: Exception | None = None  # raised by connectors(), to test unexpected failures

    def _get(self, name: str) -> _Connector:
        if name not in self.connectors_:
            raise NotFoundException(f"Connector {name} not found")
        return self.connectors_[name]

    @staticmethod
    def _alias(config: Mapping[str, Any]) -> str | None:
        """The plugin named by `connector.class`, by alias or class name."""
        named = config.get("connector.class")
        return next((alias for alias, (cls, _) in PLUGINS.items() if named in (alias, cls)), None)

    def _type(self, config: Mapping[str, Any]) -> str:
        alias = self._alias(config)
        return PLUGINS[alias][1] if alias else "unknown"

    def worker_info(self) -> WorkerInfo:
        return WorkerInfo("0.1.0", "abc123", "cluster-1")

    def connectors(self) -> list[str]:
        if self.fail_with is not None:
            raise self.fail_with
        return sorted(self.connectors_)

    def connector_info(self, name: str) -> ConnectorInfo:
        c = self._get(name)
        return ConnectorInfo(
            name, mask_secrets(None, c.config), [TaskId(name, i) for i in range(len(c.tasks))], self._type(c.config)
        )

    def connector_config(self, name: str) -> dict[str, Any]:
        return mask_secrets(None, self._get(name).config)

    def validate_connector_config(self, config: Mapping[str, Any]) -> dict[str, Any]:
        configs = []
        cls, alias = config.get("connector.class"), self._alias(config)
        if alias is None:
            configs.append(
                {
                    "definition": None,
                    "value": {
                        "name": "connector.class",
                        "value": cls,
                        "recommended_values": [],
                        "visible": True,
                        "errors": [f"Unknown connector plugin {cls}"],
                    },
                }
            )
        elif alias == "datagen" and not config.get("kafka.topic"):
            configs.append(
                {
                    "definition": KEY_INFO,
                    "value": {
                        "name": "kafka.topic",
                        "value": None,
                        "recommended_values": [],
                        "visible": True,
                        "errors": ['Missing required configuration "kafka.topic" which has no default value.'],
                    },
                }
            )
        name = PLUGINS[alias][0] if alias else str(cls)
        return {"name": name, "error_count": len(configs), "groups": ["Common"], "configs": configs}

    def put_connector_config(
        self,
        name: str,
        config: Mapping[str, Any],
        *,
        allow_replace: bool,
        initial_state: TargetState = TargetState.STARTED,
    ) -> tuple[bool, ConnectorInfo]:
        if not name:
            raise BadRequestException("Connector name may not be empty")
        infos = self.validate_connector_config(config)
        if infos["error_count"]:
            raise ConnectorConfigError(infos)
        existing = self.connectors_.get(name)
        if existing is not None and not allow_replace:
            raise AlreadyExistsException(f"Connector {name} already exists")
        target = existing.target if existing else initial_state
        state = {
            TargetState.STARTED: State.RUNNING,
            TargetState.PAUSED: State.PAUSED,
            TargetState.STOPPED: State.STOPPED,
        }[target]
        tasks = [] if target is TargetState.STOPPED else [state] * int(config.get("tasks.max", 1))
        connector = _Connector(dict(config), target, state, tasks)
        if existing:
            connector.offsets, connector.topics = existing.offsets, existing.topics
        self.connectors_[name] = connector
        return existing is None, self.connector_info(name)

    def patch_connector_config(self, name: str, patch: Mapping[str, Any | None]) -> ConnectorInfo:
        config = dict(self._get(name).config)
        for k, v in patch.items():
            if v is None:
                config.pop(k, None)
            else:
                config[k] = v
        return self.put_connector_config(name, config, allow_replace=True)[1]

    def delete_connector(self, name: str) -> None:
        self._get(name)
        del self.connectors_[name]

    def connector_status(self, name: str) -> ConnectorStatus:
        c = self._get(name)
        tasks = [
            StateInfo(s, WORKER_ID, "Traceback: boom" if s is State.FAILED else None, id=i)
            for i, s in enumerate(c.tasks)
        ]
        return ConnectorStatus(name, StateInfo(c.state, WORKER_ID), tasks, self._type(c.config))

    def task_configs(self, name: str) -> list[TaskInfo]:
        c = self._get(name)
        return [
            TaskInfo(TaskId(name, i), mask_secrets(None, {**c.config, "task.id": str(i)})) for i in range(len(c.tasks))
        ]

    def task_status(self, name: str, task: int) -> StateInfo:
        for t in self.connector_status(name).tasks:
            if t.id == task:
                return t
        raise NotFoundException(f"Task {name}-{task} not found")

    def restart_connector(
        self, name: str, *, include_tasks: bool = False, only_failed: bool = False
    ) -> ConnectorStatus:
        c = self._get(name)
        c.restarts += 1
        if include_tasks:
            for i, s in enumerate(c.tasks):
                if not only_failed or s is State.FAILED:
                    c.tasks[i] = State.RUNNING
                    c.task_restarts.append(i)
        return self.connector_status(name)

    def restart_task(self, name: str, task: int) -> None:
        c = self._get(name)
        if not 0 <= task < len(c.tasks):
            raise NotFoundException(f"Task {name}-{task} not found")
        c.tasks[task] = State.RUNNING
        c.task_restarts.append(task)

    def _set_target(self, name: str, target: TargetState, state: State) -> None:
        c = self._get(name)
        c.target, c.state = target, state
        count = int(c.config.get("tasks.max", 1))
        c.tasks = [] if target is TargetState.STOPPED else [state] * count

    def pause_connector(self, name: str) -> None:
        self._set_target(name, TargetState.PAUSED, State.PAUSED)

    def resume_connector(self, name: str) -> None:
        self._set_target(name, TargetState.STARTED, State.RUNNING)

    def stop_connector(self, name: str) -> None:
        self._set_target(name, TargetState.STOPPED, State.STOPPED)

    def connector_active_topics(self, name: str) -> list[str]:
        return list(self._get(name).topics)

    def reset_connector_active_topics(self, name: str) -> None:
        self._get(name).topics = []

    def connector_offsets(self, name: str) -> list[dict[str, Any]]:
        return copy.deepcopy(self._get(name).offsets)

    def _require_stopped(self, name: str) -> _Connector:
        c = self._get(name)
        if c.target is not TargetState.STOPPED:
            raise BadRequestException("Connectors must be in the STOPPED state before their offsets can be modified.")
        return c

    def alter_connector_offsets(self, name: str, offsets: list[dict[str, Any]]) -> str:
        c = self._require_stopped(name)
        for item in offsets:
            c.offsets = [o for o in c.offsets if o["partition"] != item["partition"]]
            if item["offset"] is not None:
                c.offsets.append(copy.deepcopy(item))
        return "The offsets for this connector have been altered successfully"

    def reset_connector_offsets(self, name: str) -> str:
        self._require_stopped(name).offsets = []
        return "The offsets for this connector have been reset successfully"

    def connector_plugins(self, connectors_only: bool = True) -> list[PluginInfo]:
        found = [PluginInfo(cls, kind, "0.1.0") for cls, kind in PLUGINS.values()]
        return found if connectors_only else found + OTHER_PLUGINS

    def plugin_config(self, plugin: str, version: str | None = None) -> list[dict[str, Any]]:
        if version not in (None, "latest", "0.1.0"):
            raise BadRequestException(f"Plugin {plugin} not found that matches the version range {version}")
        for alias, (cls, _) in PLUGINS.items():
            if plugin in (alias, cls):
                return [dict(KEY_INFO)]
        raise NotFoundException(f"Unknown plugin {plugin}.")

    def health(self) -> dict[str, Any]:
        states = [c.state.value.lower() for c in self.connectors_.values()]
        return {
            "status": "healthy" if self.started else "starting",
            "message": "Worker has completed startup and is ready to handle requests."
            if self.started
            else "Worker is still starting up.",
            "connectors": {s: states.count(s) for s in set(states)},
            "tasks": {},
        }

    def put_task_configs(self, name: str, configs: list[dict[str, Any]], signature: Any) -> None:
        raise BadRequestException("This worker is not part of a cluster: it does not take task configs from others.")

    def fence_zombies(self, name: str, signature: Any) -> None:
        raise BadRequestException("This worker is not part of a cluster: it runs no exactly-once source connectors.")

    def refresh(self) -> None:
        pass
