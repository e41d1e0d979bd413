"""The leader's incremental cooperative assignment (KIP-415), as Kafka Connect's IncrementalCooperativeAssignor.

Each rebalance the leader learns from every member's metadata what it runs, and answers with
what each member must start and what it must stop. Nothing moves unless it has to:

- new connectors and tasks go to the least loaded workers;
- deleted ones, and ones running twice, are revoked;
- when the load is uneven (a worker joined), the most loaded workers give up their surplus:
  it is revoked in this round and assigned in the next, once its old owner has stopped it;
- work that disappeared with a departed worker is "lost": it is held back for
  `scheduled.rebalance.max.delay.ms` (the worker may come back, e.g. a rolling restart), then
  given to the workers that joined meanwhile or, failing that, spread like new work.

Two revoking rounds in a row are spaced by an exponential backoff (1 ms * 40^n, capped at the
maximum delay), so members that keep joining and leaving cannot cause a revocation storm.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from connect.runtime.distributed.protocol import Assignment, AssignmentError, WorkerState
from connect.runtime.states import TaskId
from connect.storage.configs import ClusterConfigState

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(slots=True)
class WorkerLoad:
    """What one worker runs (or will run), in a stable order."""

    worker: str
    connectors: list[str] = field(default_factory=list)
    tasks: list[TaskId] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.connectors and not self.tasks


@dataclass(slots=True)
class Work:
    """A set of connectors and tasks."""

    connectors: set[str] = field(default_factory=set)
    tasks: set[TaskId] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.connectors or self.tasks)

    def minus(self, *others: Work) -> Work:
        out = Work(set(self.connectors), set(self.tasks))
        for other in others:
            out.connectors -= other.connectors
            out.tasks -= other.tasks
        return out

    def add(self, other: Work) -> None:
        self.connectors |= other.connectors
        self.tasks |= other.tasks


@dataclass(frozen=True, slots=True)
class ClusterAssignment:
    """Per worker: what it starts now, what it stops now, and everything it runs after this round."""

    assigned: Mapping[str, WorkerLoad]
    revoked: Mapping[str, Work]
    running: Mapping[str, WorkerLoad]


@dataclass(frozen=True, slots=True)
class LeaderState:
    """What the leader knows after assigning: each member's URL and who runs what (to forward requests)."""

    urls: Mapping[str, str]
    running: Mapping[str, WorkerLoad]

    def owner_url(self, connector: str, task: int | None = None) -> str | None:
        """The URL of the worker running the connector (or one of its tasks), if any does."""
        for member, load in self.running.items():
            owns = connector in load.connectors if task is None else TaskId(connector, task) in load.tasks
            if owns:
                return self.urls.get(member)
        return None


def _backoff(max_delay_ms: int) -> Callable[[int], int]:
    """Kafka's ExponentialBackoff(1, 40, max, no jitter): 40, 1600, 64000, ... ms, capped."""
    initial = min(max_delay_ms, 1)
    exp_max = math.log(max_delay_ms / max(initial, 1)) / math.log(40) if max_delay_ms > initial else 0.0

    def backoff(attempts: int) -> int:
        if exp_max == 0:
            return initial
        return min(int(initial * 40 ** min(attempts, exp_max)), max_delay_ms)

    return backoff


class IncrementalCooperativeAssignor:
    def __init__(self, max_delay_ms: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_delay = max_delay_ms
        self._clock = clock
        self._backoff = _backoff(max_delay_ms)
        self.previous = Work()
        self._previous_revocation = Work()
        self._revoked_in_previous = False
        self._candidates: list[str] = []  # workers that joined while lost work was held back
        self.scheduled_rebalance = 0  # ms on our clock; 0 = none
        self.delay = 0
        self._previous_generation = -1
        self._previous_members: set[str] = set()
        self._successive_revocations = 0
        self.last_active = Work()  # what the members said they ran in the last round

    def _now(self) -> int:
        return int(self._clock() * 1000)

    # -- the JoinGroup answer ------------------------------------------------------------------
    def perform_assignment(
        self,
        leader: str,
        version: int,
        members: Mapping[str, WorkerState],
        snapshot: ClusterConfigState,
        generation: int,
        last_completed_generation: int,
    ) -> tuple[dict[str, Assignment], LeaderState | None]:
        """Every member's assignment; a CONFIG_MISMATCH for all when this leader is behind the config log."""
        max_offset = max(m.config_offset for m in members.values())
        leader_url = members[leader].url
        if snapshot.offset < max_offset:
            log.info(
                "leader behind the config log (%d < %d): asking every member to resync", snapshot.offset, max_offset
            )
            failed = Assignment(leader, leader_url, max_offset, error=AssignmentError.CONFIG_MISMATCH, version=version)
            return dict.fromkeys(members, failed), None
        loads = {
            member: WorkerLoad(
                member,
                list(state.assignment.connectors) if state.assignment else [],
                list(state.assignment.tasks) if state.assignment else [],
            )
            for member, state in members.items()
        }
        cluster = self.compute(snapshot, last_completed_generation, generation, loads)
        out = {}
        for member in members:
            add, revoke = cluster.assigned.get(member), cluster.revoked.get(member, Work())
            out[member] = Assignment(
                leader,
                leader_url,
                snapshot.offset,
                tuple(add.connectors) if add else (),
                tuple(add.tasks) if add else (),
                tuple(sorted(revoke.connectors)),
                tuple(sorted(revoke.tasks, key=_task_order)),
                self.delay,
                version=version,
            )
        return out, LeaderState({m: s.url for m, s in members.items()}, cluster.running)

    # -- the assignment proper -----------------------------------------------------------------
    def compute(
        self,
        snapshot: ClusterConfigState,
        last_completed_generation: int,
        generation: int,
        members: Mapping[str, WorkerLoad],
    ) -> ClusterAssignment:
        if self._previous_generation != last_completed_generation:
            # The leader missed a round (or is new): what it remembers may be stale.
            self.previous = Work()
        configured = Work(
            set(snapshot.connectors()), {t for name in snapshot.connectors() for t in snapshot.task_ids(name)}
        )
        active = Work(
            {c for w in members.values() for c in w.connectors}, {t for w in members.values() for t in w.tasks}
        )
        self.last_active = active
        if self._previous_revocation:
            revoked = self._previous_revocation
            if revoked.connectors & active.connectors or revoked.tasks & active.tasks:
                self.previous = Work(set(active.connectors), set(active.tasks))  # the revocation did not happen
            self._previous_revocation = Work()

        deleted = self.previous.minus(configured)
        duplicated = _duplicated(members.values())
        lost = self.previous.minus(active, deleted)
        created = configured.minus(self.previous, active)
        current = {m: _without(w, deleted) for m, w in members.items()}

        to_revoke: dict[str, Work] = {}
        deleted_to_revoke = _intersection(deleted, members)
        duplicated_to_revoke = _intersection(duplicated, members)
        _add_all(to_revoke, deleted_to_revoke)
        _add_all(to_revoke, duplicated_to_revoke)

        upcoming = [WorkerLoad(m, list(w.connectors), list(w.tasks)) for m, w in members.items()]
        _remove_all(upcoming, deleted_to_revoke)
        _remove_all(upcoming, duplicated_to_revoke)

        lost_to_reassign = self._handle_lost(lost, upcoming)

        if self.delay == 0:
            balancing = _balancing_revocations(configured, upcoming)
            if self._revoked_in_previous and balancing:
                self._successive_revocations += 1
                self.delay = self._backoff(self._successive_revocations)
                if self.delay:
                    self.scheduled_rebalance = self._now() + self.delay
                else:
                    _add_all(to_revoke, balancing)
                    _remove_all(upcoming, balancing)
            elif balancing:
                _add_all(to_revoke, balancing)
                _remove_all(upcoming, balancing)
                self._revoked_in_previous = True
            elif self._revoked_in_previous:
                self._revoked_in_previous = False  # balanced: reset the backoff
                self._successive_revocations = 0
        else:
            self._revoked_in_previous = False

        new_connectors = _ordered(sorted(created.connectors), sorted(lost_to_reassign.connectors))
        new_tasks = _ordered(sorted(created.tasks, key=_task_order), sorted(lost_to_reassign.tasks, key=_task_order))
        _assign(upcoming, new_connectors, lambda w: w.connectors)
        _assign(upcoming, new_tasks, lambda w: w.tasks)

        assigned = {
            w.worker: WorkerLoad(
                w.worker,
                [c for c in w.connectors if c not in current[w.worker].connectors],
                [t for t in w.tasks if t not in current[w.worker].tasks],
            )
            for w in upcoming
        }
        running = {w.worker: w for w in upcoming}
        self.previous = self._remember(to_revoke, upcoming, lost)
        self._previous_generation = generation
        self._previous_members = set(members)
        return ClusterAssignment(assigned, to_revoke, running)

    def _remember(self, revoked: Mapping[str, Work], upcoming: Sequence[WorkerLoad], lost: Work) -> Work:
        previous = Work({c for w in upcoming for c in w.connectors}, {t for w in upcoming for t in w.tasks})
        for work in revoked.values():
            previous.connectors -= work.connectors
            previous.tasks -= work.tasks
            self._previous_revocation.add(work)
        previous.add(lost)  # still lost (held back), not new
        return previous

    def _handle_lost(self, lost: Work, upcoming: list[WorkerLoad]) -> Work:
        """The lost work to spread as if new now; work held back, or given to candidates, is not in it."""
        if not lost and not self._revoked_in_previous:
            self._reset_delay()
            return Work()
        now = self._now()
        active = {w.worker for w in upcoming}
        if self.scheduled_rebalance <= 0 and active >= self._previous_members:
            return lost  # nobody left: members just missed an assignment
        if self.max_delay == 0:
            return lost
        if 0 < self.scheduled_rebalance <= now:
            by_name = {w.worker: w for w in upcoming}
            candidates = [by_name[c] for c in self._candidates if c in by_name]
            self._reset_delay()
            self._revoked_in_previous = False
            if not candidates:
                return lost
            for i, connector in enumerate(sorted(lost.connectors)):
                candidates[i % len(candidates)].connectors.append(connector)
            for i, task in enumerate(sorted(lost.tasks, key=_task_order)):
                candidates[i % len(candidates)].tasks.append(task)
            return Work()
        for w in upcoming:
            if w.empty and w.worker not in self._candidates:
                self._candidates.append(w.worker)
        if now < self.scheduled_rebalance:
            self.delay = min(self.scheduled_rebalance - now, self.max_delay)
        else:
            self.delay = self.max_delay
        self.scheduled_rebalance = now + self.delay
        return Work()

    def _reset_delay(self) -> None:
        self._candidates.clear()
        self.scheduled_rebalance = 0
        self.delay = 0


def _task_order(task: TaskId) -> tuple[str, int]:
    return task.connector, task.task


def _ordered(*groups: Iterable[T]) -> list[T]:
    return list(dict.fromkeys(item for group in groups for item in group))


def _without(load: WorkerLoad, work: Work) -> WorkerLoad:
    return WorkerLoad(
        load.worker,
        [c for c in load.connectors if c not in work.connectors],
        [t for t in load.tasks if t not in work.tasks],
    )


def _duplicated(loads: Iterable[WorkerLoad]) -> Work:
    seen, twice = Work(), Work()
    for load in loads:
        for c in load.connectors:
            (twice.connectors if c in seen.connectors else seen.connectors).add(c)
        for t in load.tasks:
            (twice.tasks if t in seen.tasks else seen.tasks).add(t)
    return twice


def _intersection(work: Work, members: Mapping[str, WorkerLoad]) -> dict[str, Work]:
    return {
        m: Work(set(w.connectors) & work.connectors, set(w.tasks) & work.tasks)
        for m, w in members.items()
        if set(w.connectors) & work.connectors or set(w.tasks) & work.tasks
    }


def _add_all(base: dict[str, Work], more: Mapping[str, Work]) -> None:
    for member, work in more.items():
        base.setdefault(member, Work()).add(work)


def _remove_all(loads: Iterable[WorkerLoad], remove: Mapping[str, Work]) -> None:
    for load in loads:
        work = remove.get(load.worker)
        if work:
            load.connectors[:] = [c for c in load.connectors if c not in work.connectors]
            load.tasks[:] = [t for t in load.tasks if t not in work.tasks]


def _balancing_revocations(configured: Work, workers: Sequence[WorkerLoad]) -> dict[str, Work]:
    """What to take from each worker so none runs more than a perfectly balanced share."""
    if all(w.empty for w in workers) or not configured:
        return {}
    out: dict[str, Work] = {}
    for member, connectors in _surplus(len(configured.connectors), workers, lambda w: w.connectors).items():
        out.setdefault(member, Work()).connectors.update(connectors)
    for member, tasks in _surplus(len(configured.tasks), workers, lambda w: w.tasks).items():
        out.setdefault(member, Work()).tasks.update(tasks)
    return out


def _surplus(
    total: int, workers: Sequence[WorkerLoad], allocation: Callable[[WorkerLoad], list[T]]
) -> dict[str, list[T]]:
    minimum, extras = divmod(total, len(workers))
    sizes = [len(allocation(w)) for w in workers]
    at_minimum, at_extra = sizes.count(minimum), sizes.count(minimum + 1)
    if at_extra == extras and at_minimum + at_extra == len(workers):
        return {}
    out: dict[str, list[T]] = {}
    given_extra = 0
    for worker, size in zip(workers, sizes, strict=True):
        if size <= minimum:
            continue
        if given_extra < extras:
            given_extra += 1
            if size == minimum + 1:
                continue
            keep = minimum + 1
        else:
            keep = minimum
        out[worker.worker] = allocation(worker)[: size - keep]
    return out


def _assign(workers: list[WorkerLoad], items: Sequence[T], allocation: Callable[[WorkerLoad], list[T]]) -> None:
    """Round-robin over the least loaded workers, level by level (Kafka Connect's assignConnectors/Tasks)."""
    if not items or not workers:
        return
    workers.sort(key=lambda w: (len(allocation(w)), w.worker))
    first = workers[0]
    index = 0
    while index < len(items):
        level = len(allocation(first))
        up_to = next((i for i, w in enumerate(workers) if len(allocation(w)) > level), len(workers))
        for worker in workers[:up_to]:
            allocation(worker).append(items[index])
            index += 1
            if index == len(items):
                break
