"""Pydantic request and response models: Kafka Connect's REST entities, so /docs shows their real shapes."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Kafka Connect reads configs as Map<String, String> but coerces JSON scalars to strings, so clients
# that send `"tasks.max": 1` keep working; nested values are rejected.
ConfigScalar = str | int | float | bool
ConnectorConfig = dict[str, ConfigScalar]
ConfigPatch = dict[str, ConfigScalar | None]


def as_string(value: ConfigScalar) -> str:
    """A config value as Kafka Connect's JSON reader makes it: `true`, `1`, `1.5`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class ErrorMessage(_Model):
    error_code: int = Field(description="The HTTP status code, repeated.")
    message: str


class Message(_Model):
    message: str


class ServerInfo(_Model):
    version: str
    commit: str
    kafka_cluster_id: str | None


class InitialState(StrEnum):
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    STOPPED = "STOPPED"


class CreateConnectorRequest(_Model):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "orders-gen",
                    "config": {"connector.class": "datagen", "kafka.topic": "orders", "tasks.max": "1"},
                }
            ]
        }
    )

    name: str = Field(description="Connector name; leading and trailing whitespace is removed.")
    config: ConnectorConfig = Field(
        description="Connector configuration (provider references such as `${file:/path:key}` are stored as written)."
    )
    initial_state: InitialState | None = Field(None, description="RUNNING (default), PAUSED or STOPPED.")

    @field_validator("initial_state", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


class TaskId(_Model):
    connector: str
    task: int


class ConnectorInfo(_Model):
    name: str
    config: dict[str, str | None] = Field(description="The configuration, password values masked.")
    tasks: list[TaskId]
    type: str = Field(description="source, sink or unknown.")


class StateInfo(_Model):
    state: str = Field(description="UNASSIGNED, RUNNING, PAUSED, STOPPED, FAILED or RESTARTING.")
    worker_id: str
    trace: str | None = None
    details: dict[str, Any] | None = None


class TaskState(StateInfo):
    id: int


class ConnectorStatus(_Model):
    name: str
    connector: StateInfo
    tasks: list[TaskState]
    type: str


class TaskInfo(_Model):
    id: TaskId
    config: dict[str, str | None]


class ActiveTopics(_Model):
    topics: list[str]


class ConnectorOffset(_Model):
    partition: dict[str, Any] = Field(description="Source partition, or {kafka_topic, kafka_partition} for sinks.")
    offset: dict[str, Any] | None = Field(description="Source offset, or {kafka_offset} for sinks; null removes it.")


class ConnectorOffsets(_Model):
    offsets: list[ConnectorOffset] | None = None


class ConnectorExpansion(_Model):
    status: ConnectorStatus | None = None
    info: ConnectorInfo | None = None


class PluginInfo(_Model):
    class_: str = Field(alias="class")
    type: str
    version: str


class ConfigKeyInfo(_Model):
    name: str
    type: str
    required: bool
    default_value: str | None
    importance: str
    documentation: str | None
    group: str | None
    width: str
    display_name: str
    dependents: list[str]
    order: int


class ConfigValueInfo(_Model):
    name: str
    value: str | None
    recommended_values: list[str]
    errors: list[str]
    visible: bool


class ConfigInfo(_Model):
    definition: ConfigKeyInfo | None
    value: ConfigValueInfo


class ConfigInfos(_Model):
    name: str
    error_count: int
    groups: list[str]
    configs: list[ConfigInfo]


class LoggerLevel(_Model):
    level: str = Field(description="TRACE, DEBUG, INFO, WARN, ERROR, FATAL or OFF.")
    last_modified: int | None = Field(description="When the level was last set through this API (ms since epoch).")


class LoggerLevelRequest(_Model):
    level: str | None = None


class DegradedTask(_Model):
    connector: str
    task: int
    reason: str = Field(description="What the task waits for (its system or Kafka unreachable, and why).")
    since: str = Field(description="When the outage began (ISO 8601, UTC).")
    attempts: int = Field(description="Attempts made since then.")


class WorkerHealth(_Model):
    status: str = Field(
        description="healthy, degraded (up, but some task waits for a system that is down: see `degraded`), "
        "starting or unhealthy."
    )
    message: str
    connectors: dict[str, int] | None = Field(None, description="Connectors per state.")
    tasks: dict[str, int] | None = Field(None, description="Tasks per state.")
    degraded: list[DegradedTask] | None = Field(None, description="Tasks waiting out an outage: why, since when.")
