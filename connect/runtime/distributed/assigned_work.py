"""AssignedWork: this worker's share of the cluster, kept in step with assignments and config changes.

One thread ("work") applies, in order, everything that changes what the Worker runs: a new
assignment (stop what it revokes, then start what it adds), a config change read from the
config topic, a restart request, a connector asking for new task configs. It is the only
thread that starts or stops connectors and tasks in a distributed worker, and it never serves
REST: reads are answered from the stores, writes by the leader's REST threads.

What each config change does here (the leader's rebalance does the rest):

    connector created / deleted   rejoin, so the leader assigns or revokes it (deleted: stop it now)
    connector config changed      the owner restarts it; it regenerates its task configs
    task configs committed        stop the connector's local tasks and rejoin; they restart
                                  with the new configs when (re)assigned
    target state changed          pause/resume here; STOPPED stops the connector instance
    restart-connector-<name>      restart what this worker runs of it (RESTARTING, as asked)
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Collection, Iterable
from concurrent.futures import Future
from typing import Any, Protocol

from connect.runtime.distributed.protocol import Assignment
from connect.runtime.herder_base import new_task_configs, start_connector, start_task
from connect.runtime.states import State, TargetState, TaskId
from connect.runtime.worker import Worker
from connect.runtime.worker_connector import ConnectorStatusListener
from connect.runtime.worker_task import StatusListener
from connect.storage.configs.kafka import KafkaConfigBackingStore, RestartRequest
from connect.storage.statuses import StatusBackingStore

log = logging.getLogger(__name__)

RETRY_SECONDS = 1.0


class Cluster(Protocol):
    """What the work thread needs from the herder and the group."""

    def request_rejoin(self, reason: str) -> None: ...

    def revocations_applied(self) -> None: ...

    def publish_task_configs(self, connector: str, configs: list[dict[str, Any]]) -> None:
        """Have the leader write them (raises when it could not: retried later)."""
        ...

    def after_assignment(self) -> None:
        """Leader duties once an assignment is applied (status cleanup, session key)."""
        ...

    def periodic(self) -> None:
        """Called about every second (the leader rotates its session key)."""
        ...


class AssignedWork:
    def __init__(
        self,
        worker: Worker,
        configs: KafkaConfigBackingStore,
        statuses: StatusBackingStore,
        cluster: Cluster,
        record_connector: ConnectorStatusListener,
        record_task: StatusListener,
        sync_timeout: float,
    ) -> None:
        self.worker = worker
        self.configs = configs
        self.statuses = statuses
        self.cluster = cluster
        self._record_connector = record_connector
        self._record_task = record_task
        self._sync_timeout = sync_timeout
        self.assignment: Assignment | None = None
        self.generation = -1
        self._connectors: set[str] = set()  # started here (running, paused, stopped or failed)
        self._tasks: set[TaskId] = set()
        self._known: set[str] = set()  # connectors in the config when last looked
        self._republish: set[str] = set()  # task configs still to hand to the leader
        self._events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="work", daemon=True)

    # -- from other threads ----------------------------------------------------------------
    def start(self) -> None:
        self._known = set(self.configs.snapshot().connectors())
        self._thread.start()

    def stop(self) -> None:
        """Stop every connector and task here, then the thread."""
        self._call("stop_all")
        self._events.put(("quit", None))
        self._thread.join(30)

    def post(self, kind: str, arg: Any = None) -> None:
        self._events.put((kind, arg))

    def _call(self, kind: str, arg: Any = None, timeout: float | None = None) -> Any:
        """Run on the work thread and wait for it (the caller is never the work thread)."""
        done: Future[Any] = Future()
        self._events.put((kind, (arg, done)))
        return done.result(timeout)

    def lose_all(self) -> None:
        """Membership lost: stop everything, and forget the assignment."""
        self._call("stop_all")

    def restart_task(self, task: TaskId) -> None:
        self._call("restart_task", task, timeout=120)

    def runs_task(self, task: TaskId) -> bool:
        assignment = self.assignment
        return assignment is not None and task in assignment.tasks

    def runs_connector(self, name: str) -> bool:
        assignment = self.assignment
        return assignment is not None and name in assignment.connectors

    def request_reconfiguration(self, connector: str) -> None:
        """A running connector asks for new task configs (its context)."""
        self.post("reconfigure", connector)

    # -- the work thread ---------------------------------------------------------------------
    def _run(self) -> None:
        handlers: dict[str, Callable[[Any], None]] = {
            "assignment": lambda a: self._apply(*a),
            "connector": self._on_connector,
            "removed": self._on_removed,
            "tasks": self._on_tasks,
            "target": self._on_target,
            "restart": self._on_restart,
            "reconfigure": self._reconfigure,
            "stop_all": self._stop_all,
            "restart_task": self._restart_task,
        }
        next_periodic = time.monotonic() + RETRY_SECONDS
        while True:
            if time.monotonic() >= next_periodic:
                self._periodic()
                next_periodic = time.monotonic() + RETRY_SECONDS
            try:
                kind, arg = self._events.get(timeout=max(0.0, next_periodic - time.monotonic()))
            except queue.Empty:
                continue
            if kind == "quit":
                return
            done: Future[Any] | None = None
            if isinstance(arg, tuple) and len(arg) == 2 and isinstance(arg[1], Future):
                arg, done = arg
            try:
                result = handlers[kind](arg)
                if done is not None:
                    done.set_result(result)
            except BaseException as exc:
                log.exception("applying %s failed", kind)
                if done is not None:
                    done.set_exception(exc)

    def _periodic(self) -> None:
        for name in list(self._republish):
            self._reconfigure(name)
        for name in {t.connector for t in self._tasks}:  # topics first used here, for GET .../topics anywhere
            self.worker.record_active_topics(name)
        try:
            self.cluster.periodic()
        except Exception as exc:
            log.warning("periodic cluster duty failed: %s", exc)

    # -- assignments --------------------------------------------------------------------------
    def _apply(self, assignment: Assignment, generation: int) -> None:
        self._stop(assignment.revoked_connectors, assignment.revoked_tasks)
        if assignment.revokes:
            self._flush_statuses()
            self.cluster.revocations_applied()
        if assignment.failed:
            self.configs.read_to_end(self._sync_timeout)
            self.cluster.request_rejoin("the leader was behind the config topic")
            return
        if self.configs.snapshot().offset < assignment.config_offset and not self.configs.read_to_end(
            self._sync_timeout
        ):
            self.cluster.request_rejoin("behind the config topic")
            return
        self.assignment, self.generation = assignment, generation
        self._known = set(self.configs.snapshot().connectors())
        for name in assignment.connectors:
            if name not in self._connectors:
                self._start_connector(name)
        for task in assignment.tasks:
            if task not in self._tasks:
                self._start_task(task)
        if self.configs.snapshot().offset > assignment.config_offset:
            # The config changed after the leader assigned (a request to rejoin made while this join completed
            # is lost with it): as Kafka Connect, rejoin so the leader assigns from the newer config.
            self.cluster.request_rejoin("the config changed during the rebalance")
        self.cluster.after_assignment()

    def _stop(self, connectors: Iterable[str], tasks: Collection[TaskId]) -> None:
        mine = [t for t in tasks if t in self._tasks]
        if mine:
            log.info("stopping task(s) %s", ", ".join(f"{t.connector}-{t.task}" for t in mine))
        self.worker.stop_and_await_tasks(mine)
        self._tasks.difference_update(tasks)
        for name in connectors:
            self.worker.stop_and_await_connector(name)
            self._connectors.discard(name)
            self._republish.discard(name)

    def _stop_all(self, _: Any = None) -> None:
        self._stop(list(self._connectors), list(self._tasks))
        self._flush_statuses()
        self.assignment = None

    def _flush_statuses(self) -> None:
        try:
            self.statuses.flush()
        except Exception as exc:
            log.warning("status flush failed: %s", exc)

    def _start_connector(self, name: str) -> None:
        snapshot = self.configs.snapshot()
        if not snapshot.contains(name):
            return
        self._connectors.add(name)
        if start_connector(self.worker, snapshot, name, self.request_reconfiguration, self._record_connector):
            self._reconfigure(name)

    def _start_task(self, task: TaskId) -> None:
        log.info("starting task %s-%d", task.connector, task.task)
        if start_task(self.worker, self.configs.snapshot(), task, self._record_task):
            self._tasks.add(task)  # else gone meanwhile: the next rebalance revokes it

    # -- task configs --------------------------------------------------------------------------
    def _reconfigure(self, name: str) -> None:
        """Hand the leader the connector's task configs when they differ from the stored ones."""
        self._republish.discard(name)
        if not self.runs_connector(name):
            return
        configs = new_task_configs(
            self.worker, self.configs.snapshot(), name, force=name in self.configs.inconsistent()
        )
        if configs is None:
            return
        try:
            self.cluster.publish_task_configs(name, configs)
        except Exception as exc:
            log.warning("task configs of %s not handed to the leader yet (retrying): %s", name, exc)
            self._republish.add(name)

    # -- config changes ------------------------------------------------------------------------
    def _on_connector(self, name: str) -> None:
        if name not in self._known:
            self._known.add(name)
            self.cluster.request_rejoin(f"connector {name} created")
        elif name in self._connectors:
            log.info("connector %s reconfigured: restarting it", name)
            self._stop([name], [])
            self._start_connector(name)

    def _on_removed(self, name: str) -> None:
        self._known.discard(name)
        self._stop([name], [t for t in self._tasks if t.connector == name])
        self.cluster.request_rejoin(f"connector {name} deleted")

    def _on_tasks(self, tasks: list[TaskId]) -> None:
        names = {t.connector for t in tasks}
        self._stop([], [t for t in self._tasks if t.connector in names])
        self.cluster.request_rejoin("task configs changed")

    def _on_target(self, name: str) -> None:
        target = self.configs.snapshot().target_state(name)
        if target is None:
            return
        if name in self._connectors:
            running = self.worker.is_running(name)
            if target is TargetState.STOPPED:
                self.worker.stop_and_await_connector(name)
                self._record_connector(name, State.STOPPED, None)
                return
            if not running:
                self._connectors.discard(name)
                self._start_connector(name)
                return
        self.worker.set_target_state(name, target)
        if target is TargetState.STARTED:
            self._reconfigure(name)  # a config change while paused takes effect now

    def _on_restart(self, request: RestartRequest) -> None:
        def wanted(status: Any) -> bool:
            return not request.only_failed or (status is not None and status.state is State.FAILED)

        name = request.connector
        if name in self._connectors and wanted(self.statuses.connector(name)):
            self._record_connector(name, State.RESTARTING, None)
            self._stop([name], [])
            self._start_connector(name)
        if request.include_tasks:
            for task in [t for t in self._tasks if t.connector == name]:
                if wanted(self.statuses.task(task)):
                    self._restart_task(task)

    def _restart_task(self, task: TaskId) -> None:
        self._record_task(task, State.RESTARTING, None)
        self._stop([], [task])
        self._start_task(task)
