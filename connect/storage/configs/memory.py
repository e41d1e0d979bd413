"""In-memory config store (standalone mode without a file; tests; the base of the file store)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from connect.runtime.states import TargetState, TaskId
from connect.storage.configs.base import ClusterConfigState, Config, ConfigUpdateListener

V = TypeVar("V")


class MemoryConfigBackingStore:
    def __init__(self) -> None:
        self._state = ClusterConfigState()
        self._lock = threading.Lock()
        self._listener: ConfigUpdateListener | None = None

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def set_update_listener(self, listener: ConfigUpdateListener) -> None:
        self._listener = listener

    def snapshot(self) -> ClusterConfigState:
        return self._state

    def contains(self, connector: str) -> bool:
        return self._state.contains(connector)

    def put_connector_config(self, connector: str, config: Config, target_state: TargetState | None = None) -> None:
        def change(s: ClusterConfigState) -> ClusterConfigState:
            target = target_state or s.target_states.get(connector, TargetState.STARTED)
            return ClusterConfigState(
                {**s.connector_configs, connector: dict(config)},
                s.task_configs,
                {**s.target_states, connector: target},
            )

        self._update(change)
        if self._listener is not None:
            self._listener.on_connector_config_update(connector)

    def remove_connector_config(self, connector: str) -> None:
        self._update(
            lambda s: ClusterConfigState(
                _without(s.connector_configs, connector),
                _without(s.task_configs, connector),
                _without(s.target_states, connector),
            )
        )
        if self._listener is not None:
            self._listener.on_connector_config_remove(connector)

    def put_task_configs(self, connector: str, configs: Sequence[Config]) -> None:
        tasks = tuple(dict(c) for c in configs)
        self._update(
            lambda s: ClusterConfigState(s.connector_configs, {**s.task_configs, connector: tasks}, s.target_states)
        )
        if self._listener is not None:
            self._listener.on_task_config_update([TaskId(connector, i) for i in range(len(tasks))])

    def remove_task_configs(self, connector: str) -> None:
        self._update(
            lambda s: ClusterConfigState(s.connector_configs, _without(s.task_configs, connector), s.target_states)
        )
        if self._listener is not None:
            self._listener.on_task_config_update([])

    def put_target_state(self, connector: str, state: TargetState) -> None:
        self._update(
            lambda s: ClusterConfigState(s.connector_configs, s.task_configs, {**s.target_states, connector: state})
        )
        if self._listener is not None:
            self._listener.on_connector_target_state_change(connector)

    def _update(self, change: Callable[[ClusterConfigState], ClusterConfigState]) -> None:
        with self._lock:
            self._state = change(self._state)
            self._persist(self._state)

    def _persist(self, state: ClusterConfigState) -> None:
        """Called under the lock after every change (the file store writes its file here)."""


def _without(mapping: Mapping[str, V], key: str) -> dict[str, V]:
    return {k: v for k, v in mapping.items() if k != key}
