"""A task's life in the worker: its thread, target state, status, and failure capture.

Subclasses implement `initialize_task()`, `iteration()` (one poll/put cycle) and
`close_task()`; this class owns pausing, stopping and reporting state changes, including an outage
(see outage.py): the task stays RUNNING and its status carries a trace saying what it waits for.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from connect.errors import RetriableException
from connect.runtime.herder import State, TaskId
from connect.runtime.outage import Outage, OutageInfo
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
        self._initialized = False
        self._thread: threading.Thread | None = None
        self.outage = Outage(task_id.connector, task_id.task, self._on_outage)

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
        if self.state is State.PAUSED and self._initialized:  # else RUNNING once started (see _await_unpause)
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
            if not self._await_unpause() or not self._initialize():
                return
            self._initialized = True
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
            self.outage.close()
            if not failed:
                self._set_state(State.UNASSIGNED)

    def _await_unpause(self) -> bool:
        """As Kafka Connect: a task started paused is PAUSED and not started (initialize_task) until resumed, so a
        config it cannot start with fails it only then. False: stopped first."""
        if self._paused.is_set():
            self._set_state(State.PAUSED)
            while self._paused.is_set():
                self._stopping.wait(0.1)
        return not self._stopping.is_set()

    def _initialize(self) -> bool:
        """Start the task; a system that is not up yet is waited for, as any outage. False: stopped first."""
        while True:
            try:
                self.initialize_task()
                self.outage.progress()
                return True
            except RetriableException as exc:
                delay = self.outage.failed(f"could not start: {exc}")
                if self._stopping.wait(delay):
                    return False

    def fail(self, exc: BaseException) -> None:
        log.error("task %s-%s failed: %s", self.id.connector, self.id.task, exc, exc_info=exc)
        self.trace = format_exception(exc)
        self._set_state(State.FAILED)

    def while_paused(self) -> None:
        """Called in a loop while paused; the default sleeps briefly (sinks keep polling instead)."""
        self._stopping.wait(0.1)

    def wait_out(self, seconds: float) -> None:
        """Sleep through an outage backoff; stopping cuts it short. Sources keep their producer served."""
        self._stopping.wait(seconds)

    def _set_state(self, state: State) -> None:
        self.state = state
        self._listener(self.id, state, self._trace_for(state))

    def _trace_for(self, state: State) -> str | None:
        if state is State.FAILED:
            return self.trace
        if state in (State.RUNNING, State.UNASSIGNED) and self.outage.current is not None:
            return self.outage.current.trace()
        return None

    def _on_outage(self, info: OutageInfo | None) -> None:
        # A new dict each time: the herder copies `details` from its own thread.
        details = {k: v for k, v in self.details.items() if k != "outage"}
        self.details = details if info is None else {**details, "outage": info.to_json()}
        if self.state in (State.RUNNING, State.UNASSIGNED):
            self._listener(self.id, self.state, self._trace_for(self.state))

    def report_status(self, details: dict[str, Any]) -> None:
        outage = self.details.get("outage")
        self.details = dict(details) if outage is None else {**details, "outage": outage}

    @abstractmethod
    def initialize_task(self) -> None: ...

    @abstractmethod
    def iteration(self) -> None: ...

    @abstractmethod
    def close_task(self, failed: bool) -> None: ...
