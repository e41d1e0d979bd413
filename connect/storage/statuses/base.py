"""The status store protocol and Kafka Connect's status-topic record layout.

Workers put the state of the connectors and tasks they run, and the topics each connector
used; any herder reads them back to answer `GET /connectors/{name}/status` and `/topics`.

Record layout (the status topic's keys and JSON values, also the file store's format):

    status-connector-<name>               {"state": "RUNNING", "trace": null, "worker_id": "host:8083", "generation": 0}
    status-task-<name>-<n>                (the same fields)
    status-topic-<topic>:connector-<name> {"topic": {"name", "connector", "task", "discoverTimestamp"}}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from connect.runtime.states import State, TaskId

CONNECTOR_PREFIX = "status-connector-"
TASK_PREFIX = "status-task-"
TOPIC_PREFIX = "status-topic-"
TOPIC_SEPARATOR = ":connector-"


@dataclass(frozen=True, slots=True)
class Status:
    """A connector's or task's state as the worker running it reported it."""

    state: State
    worker_id: str
    trace: str | None = None
    generation: int = 0  # the rebalance generation it was reported in (distributed mode)


@dataclass(frozen=True, slots=True)
class TopicStatus:
    """A topic a connector's task read or wrote, since when (ms)."""

    topic: str
    connector: str
    task: int
    discover_timestamp: int


class StatusBackingStore(Protocol):
    """Where statuses live (memory, file, Kafka topic). Writes replace; removes forget."""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def flush(self) -> None:
        """Make every put so far durable (a Kafka store waits for its producer)."""
        ...

    def put_connector(self, connector: str, status: Status) -> None: ...

    def put_task(self, task: TaskId, status: Status) -> None: ...

    def put_topic(self, status: TopicStatus) -> None: ...

    def connector(self, connector: str) -> Status | None: ...

    def task(self, task: TaskId) -> Status | None: ...

    def tasks(self, connector: str) -> dict[int, Status]:
        """Task number → status, for the tasks of `connector` that have one."""
        ...

    def topics(self, connector: str) -> list[TopicStatus]: ...

    def delete_topic(self, connector: str, topic: str) -> None: ...

    def remove_tasks(self, connector: str) -> None: ...

    def remove(self, connector: str) -> None:
        """Forget the connector: its status, its tasks' and its topics."""
        ...

    def connectors(self) -> set[str]:
        """Connectors with a status."""
        ...


def encode_status(status: Status) -> dict[str, Any]:
    return {
        "state": status.state.value,
        "trace": status.trace,
        "worker_id": status.worker_id,
        "generation": status.generation,
    }


def decode_status(value: Mapping[str, Any]) -> Status:
    return Status(State(value["state"]), str(value["worker_id"]), value.get("trace"), int(value.get("generation", 0)))


def task_key(task: TaskId) -> str:
    return f"{TASK_PREFIX}{task.connector}-{task.task}"


def topic_key(topic: str, connector: str) -> str:
    return f"{TOPIC_PREFIX}{topic}{TOPIC_SEPARATOR}{connector}"


def encode_topic(status: TopicStatus) -> dict[str, Any]:
    return {
        "topic": {
            "name": status.topic,
            "connector": status.connector,
            "task": status.task,
            "discoverTimestamp": status.discover_timestamp,
        }
    }


def decode_topic(value: Mapping[str, Any]) -> TopicStatus:
    t = value["topic"]
    return TopicStatus(str(t["name"]), str(t["connector"]), int(t["task"]), int(t["discoverTimestamp"]))
