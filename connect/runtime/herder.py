"""The herder: the worker's public interface, the only thing the REST API and the CLI talk to.

Standalone and distributed herders implement the same protocol; data shapes below are
the Kafka Connect REST shapes, so REST resources only serialize them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from connect.runtime.states import State, TargetState, TaskId


@dataclass(slots=True)
class ConnectorInfo:
    """`GET /connectors/{name}`: name, (masked) config, tasks, type."""

    name: str
    config: dict[str, Any]
    tasks: list[TaskId]
    type: str  # "source" | "sink" | "unknown"

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "config": self.config, "tasks": [t.to_json() for t in self.tasks], "type": self.type}


@dataclass(slots=True)
class StateInfo:
    state: State
    worker_id: str
    trace: str | None = None
    id: int | None = None  # task id for tasks
    details: dict[str, Any] = field(default_factory=dict)  # e.g. snapshot progress
    version: str | None = None  # the plugin's version (Kafka Connect 4.x shows it; none when unknown)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"state": self.state.value, "worker_id": self.worker_id}
        if self.id is not None:
            out = {"id": self.id, **out}
        if self.version is not None:
            out["version"] = self.version
        if self.trace:
            out["trace"] = self.trace
        if self.details:
            out["details"] = self.details
        return out


@dataclass(slots=True)
class ConnectorStatus:
    """`GET /connectors/{name}/status`."""

    name: str
    connector: StateInfo
    tasks: list[StateInfo]
    type: str

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "connector": self.connector.to_json(),
            "tasks": [t.to_json() for t in self.tasks],
            "type": self.type,
        }


@dataclass(slots=True)
class TaskInfo:
    """`GET /connectors/{name}/tasks` item."""

    id: TaskId
    config: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id.to_json(), "config": self.config}


@dataclass(slots=True)
class PluginInfo:
    class_name: str
    type: str
    version: str

    def to_json(self) -> dict[str, Any]:
        return {"class": self.class_name, "type": self.type, "version": self.version}


@dataclass(frozen=True, slots=True)
class InternalRequestSignature:
    """A request one cluster worker sent another, signed with the leader's session key (KIP-507)."""

    algorithm: str  # X-Connect-Request-Signature-Algorithm, e.g. HmacSHA256
    signature: bytes  # X-Connect-Authorization, base64-decoded
    body: bytes


@dataclass(slots=True)
class WorkerInfo:
    version: str
    commit: str
    kafka_cluster_id: str | None


class Herder(Protocol):
    """Operations on connectors. Errors: NotFoundException (404), AlreadyExistsException (409),
    BadRequestException (400/409), ConfigException and ConnectorConfigError (400)."""

    def worker_info(self) -> WorkerInfo: ...

    def connectors(self) -> list[str]: ...

    def connector_info(self, name: str) -> ConnectorInfo: ...

    def connector_config(self, name: str) -> dict[str, Any]: ...

    def put_connector_config(
        self,
        name: str,
        config: Mapping[str, Any],
        *,
        allow_replace: bool,
        initial_state: TargetState = TargetState.STARTED,
    ) -> tuple[bool, ConnectorInfo]:
        """Create or replace; returns (created, info). Raises ConnectorConfigError when invalid."""
        ...

    def patch_connector_config(self, name: str, patch: Mapping[str, Any | None]) -> ConnectorInfo:
        """Merge `patch` into the config; a None value removes the key."""
        ...

    def delete_connector(self, name: str) -> None: ...

    def connector_status(self, name: str) -> ConnectorStatus: ...

    def task_configs(self, name: str) -> list[TaskInfo]: ...

    def task_status(self, name: str, task: int) -> StateInfo: ...

    def restart_connector(
        self, name: str, *, include_tasks: bool = False, only_failed: bool = False
    ) -> ConnectorStatus: ...

    def restart_task(self, name: str, task: int) -> None: ...

    def pause_connector(self, name: str) -> None: ...

    def resume_connector(self, name: str) -> None: ...

    def stop_connector(self, name: str) -> None: ...

    def connector_active_topics(self, name: str) -> list[str]: ...

    def reset_connector_active_topics(self, name: str) -> None: ...

    def connector_offsets(self, name: str) -> list[dict[str, Any]]:
        """[{"partition": {...}, "offset": {...}}] for sources; for sinks partition is
        {"kafka_topic", "kafka_partition"} and offset {"kafka_offset"} (Kafka Connect's shape)."""
        ...

    def alter_connector_offsets(self, name: str, offsets: list[dict[str, Any]]) -> str:
        """Only on a STOPPED connector (else BadRequestException); returns the success message."""
        ...

    def reset_connector_offsets(self, name: str) -> str: ...

    def validate_connector_config(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """Kafka Connect's ConfigInfos JSON: name, error_count, groups, configs[definition, value]."""
        ...

    def connector_plugins(self, connectors_only: bool = True) -> list[PluginInfo]: ...

    def plugin_config(self, plugin: str, version: str | None = None) -> list[dict[str, Any]]:
        """Config definitions of one plugin (ConfigKeyInfo JSON list); `version` is a requirement such as
        `latest`, `1.2.0` or `[1.0,2.0)`: BadRequestException when it does not parse or the plugin's version
        is outside it."""
        ...

    def health(self) -> dict[str, Any]: ...

    def refresh(self) -> None:
        """Make reads reflect every config change accepted so far (a cluster worker reads the config topic to
        its end; after a write it forwarded to the leader, so it reads its own write)."""
        ...

    # -- internal: requests one worker of a cluster sends another -----------------------------------
    def put_task_configs(
        self, name: str, configs: list[dict[str, Any]], signature: InternalRequestSignature | None
    ) -> None:
        """`POST /connectors/{name}/tasks`: the connector's owner hands the leader new task configs."""
        ...

    def fence_zombies(self, name: str, signature: InternalRequestSignature | None) -> None:
        """`PUT /connectors/{name}/fence`: the leader fences the former tasks' producers (exactly-once source)."""
        ...
