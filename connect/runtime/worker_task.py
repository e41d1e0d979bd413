"""A task's life in the worker: its thread, target state, status, and failure capture.

Subclasses implement `initialize_task()`, `iteration()` (one poll/put cycle) and
`close_task()`; this class owns pausing, stopping and reporting state changes.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from connect.runtime.herder import State, TaskId
from connect.secrets import format_exception

log = logging.getLogger(__name__)

StatusListener = Callable[[TaskId, State, "str | None"], None]


class WorkerTask(ABC):
    def __init__(self, task_id: TaskId, listener: StatusListener, start_paused: bool = False) -> None:
        self.id = task_id
        self.state = State.UNASSIGNED
        self.trace: str | None = None
        self.details: dict[str, Any] = {}
        self._listener = listener
        self._stopping = threading.Event()
        self._paused = threading.Event()
        if start_paused:
            self._paused.set()
        self._thread: threading.Thread | None = None

    # -- control (called from the herder's thread) ---------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"task-{self.id.connector}-{self.id.task}", daemon=True)
        self._thread.start()

    def pause(self) -> None:
        self._paused.set()
        if self.state is State.RUNNING:
            self._set_state(State.PAUSED)

    def resume(self) -> None:
        self._paused.clear()
        if self.state is State.PAUSED:
            self._set_state(State.RUNNING)

    def stop(self) -> None:
        self._stopping.set()
        self._paused.clear()

    def await_stop(self, timeout: float) -> bool:
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def active_topics(self) -> set[str]:
        """Topics the task produced to or consumed records from since it started or the last reset."""
        return set()

    def reset_active_topics(self) -> None:  # noqa: B027 - a task that tracks no topics has nothing to forget
        """Forget the active topics (`PUT /connectors/{name}/topics/reset`)."""

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    @property
    def paused(self) -> bool:
        return self._paused.is_set()

    # -- the task thread --------------------------------------------------------------------
    def _run(self) -> None:
        failed = False
        try:
            self.initialize_task()
            self._set_state(State.PAUSED if self.paused else State.RUNNING)
            while not self._stopping.is_set():
                if self._paused.is_set():
                    self.while_paused()
                    continue
                self.iteration()
        except BaseException as exc:
            failed = True
            self.fail(exc)
        finally:
            try:
                self.close_task(failed)
            except Exception as exc:
                log.warning("task %s did not close cleanly: %s", self.id, exc)
            if not failed:
                self._set_state(State.UNASSIGNED)

    def fail(self, exc: BaseException) -> None:
        log.error("task %s-%s failed: %s", self.id.connector, self.id.task, exc, exc_info=exc)
        self.trace = format_exception(exc)
        self._set_state(State.FAILED)

    def while_paused(self) -> None:
        """Called in a loop while paused; the default sleeps briefly (sinks keep polling instead)."""
        self._stopping.wait(0.1)

    def _set_state(self, state: State) -> None:
        self.state = state
        self._listener(self.id, state, self.trace if state is State.FAILED else None)

    def report_status(self, details: dict[str, Any]) -> None:
        self.details = dict(details)

    @abstractmethod
    def initialize_task(self) -> None: ...

    @abstractmethod
    def iteration(self) -> None: ...

    @abstractmethod
    def close_task(self, failed: bool) -> None: ...
