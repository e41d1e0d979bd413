"""WorkerTask's start in a paused state: as Kafka Connect, the task itself is started only once resumed."""

from __future__ import annotations

import threading

from connect.runtime.herder import State, TaskId
from connect.runtime.worker_task import WorkerTask
from tests.support.kafka import wait_until


class Recording(WorkerTask):
    """A task that records its lifecycle calls and fails to start when told to."""

    def __init__(self, fail_start: bool) -> None:
        self.states: list[State] = []
        self.calls: list[str] = []
        self.fail_start = fail_start
        self.polled = threading.Event()
        super().__init__(TaskId("c", 0), lambda _id, state, _trace: self.states.append(state), start_paused=True)

    def initialize_task(self) -> None:
        self.calls.append("initialize")
        if self.fail_start:
            raise ValueError("cannot open the file")

    def iteration(self) -> None:
        self.polled.set()
        self._stopping.wait(0.01)

    def close_task(self, failed: bool) -> None:
        self.calls.append(f"close(failed={failed})")


def test_a_task_started_paused_is_started_only_on_resume():
    task = Recording(fail_start=False)
    task.start()
    wait_until(lambda: task.states == [State.PAUSED], message="PAUSED")
    assert task.calls == []
    task.resume()
    assert task.polled.wait(5)
    assert task.calls == ["initialize"] and task.states == [State.PAUSED, State.RUNNING]
    task.stop()
    assert task.await_stop(5)
    assert task.calls[-1] == "close(failed=False)" and task.states[-1] is State.UNASSIGNED


def test_a_task_that_cannot_start_fails_only_once_resumed():
    task = Recording(fail_start=True)
    task.start()
    wait_until(lambda: task.states == [State.PAUSED], message="PAUSED")
    task.resume()
    wait_until(lambda: task.states[-1] is State.FAILED, message="FAILED")
    assert task.states == [State.PAUSED, State.FAILED] and "cannot open the file" in (task.trace or "")


def test_a_task_stopped_before_it_was_resumed_is_never_started():
    task = Recording(fail_start=True)
    task.start()
    wait_until(lambda: task.states == [State.PAUSED], message="PAUSED")
    task.stop()
    assert task.await_stop(5)
    assert task.calls == ["close(failed=False)"] and task.states == [State.PAUSED, State.UNASSIGNED]
