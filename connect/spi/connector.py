"""Connectors: validate a config, split it into task configs, and name their task class.

Lifecycle, in call order: initialize(context) → validate(props) → start(props) →
task_configs(max_tasks) → ... → stop().

    class EchoSource(SourceConnector):
        config_def = ConfigDef().define("topic", Type.STRING, NO_DEFAULT, Importance.HIGH, "Target.")
        task_class = EchoTask
        def start(self, props): self.props = dict(props)
        def task_configs(self, max_tasks): return [self.props]
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar, Protocol

from connect.config import ConfigValue
from connect.spi.plugin import Plugin


class ConnectorContext(Protocol):
    """What the runtime offers a running connector."""

    def request_task_reconfiguration(self) -> None: ...

    def raise_error(self, error: Exception) -> None: ...


class Connector(Plugin, ABC):
    """Base for source and sink connectors."""

    task_class: ClassVar[type]

    def __init__(self) -> None:
        self.context: ConnectorContext | None = None

    def initialize(self, context: ConnectorContext) -> None:
        self.context = context

    def validate(self, props: Mapping[str, Any]) -> dict[str, ConfigValue]:
        """Per-key results; override to add cross-key checks (append to `errors`)."""
        return self.config_def.validate(props)

    @abstractmethod
    def start(self, props: Mapping[str, Any]) -> None:
        """Start with the connector's full (provider-resolved) config."""

    @abstractmethod
    def task_configs(self, max_tasks: int) -> list[dict[str, Any]]:
        """At most `max_tasks` configs, one per task to run."""

    def stop(self) -> None:
        """Stop; tasks are stopped separately by the runtime."""


class SourceConnector(Connector, ABC):
    """A connector whose tasks read from a system and write to Kafka."""

    #: True when the connector can define transaction boundaries (exactly-once sources).
    supports_exactly_once: ClassVar[bool] = False


class SinkConnector(Connector, ABC):
    """A connector whose tasks read from Kafka and write to a system."""
