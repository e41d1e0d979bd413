"""The incremental cooperative assignor: work spreads evenly, moves only when it must, never runs twice.

A simulated cluster runs rebalance rounds as the real one does: each member reports what it
runs, the leader answers, members stop what was revoked and start what was assigned, and a
round with revocations or a scheduled delay is followed by another.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from connect.runtime.distributed.assignor import IncrementalCooperativeAssignor, WorkerLoad
from connect.runtime.distributed.protocol import AssignmentError, WorkerState
from connect.runtime.states import TaskId
from connect.storage.configs import ClusterConfigState

DELAY_MS = 1000


@dataclass
class Cluster:
    assignor: IncrementalCooperativeAssignor = field(init=False)
    now: float = 0.0
    generation: int = 0
    connectors: dict[str, int] = field(default_factory=dict)  # name -> task count
    running: dict[str, WorkerLoad] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.assignor = IncrementalCooperativeAssignor(DELAY_MS, clock=lambda: self.now)

    def snapshot(self) -> ClusterConfigState:
        return ClusterConfigState(
            {n: {"name": n} for n in self.connectors},
            {n: tuple({"t": i} for i in range(k)) for n, k in self.connectors.items()},
            {},
        )

    def join(self, member: str) -> None:
        self.running[member] = WorkerLoad(member)

    def leave(self, member: str) -> None:
        del self.running[member]

    def round(self) -> bool:
        """One rebalance; True when another must follow (revocations, or a scheduled delay)."""
        self.generation += 1
        loads = {m: WorkerLoad(m, list(w.connectors), list(w.tasks)) for m, w in self.running.items()}
        result = self.assignor.compute(self.snapshot(), self.generation - 1, self.generation, loads)
        for member, work in result.revoked.items():
            load = self.running[member]
            load.connectors = [c for c in load.connectors if c not in work.connectors]
            load.tasks = [t for t in load.tasks if t not in work.tasks]
        elsewhere_c = {c for w in self.running.values() for c in w.connectors}
        elsewhere_t = {t for w in self.running.values() for t in w.tasks}
        for member, add in result.assigned.items():
            assert not set(add.connectors) & elsewhere_c, "a connector assigned while it still runs elsewhere"
            assert not set(add.tasks) & elsewhere_t, "a task assigned while it still runs elsewhere"
            self.running[member].connectors += add.connectors
            self.running[member].tasks += add.tasks
        return bool(result.revoked) or self.assignor.delay > 0

    def settle(self) -> int:
        """Rounds until nothing is pending; the clock moves on by each scheduled delay. Returns the rounds run."""
        for rounds in range(1, 30):
            pending = self.round()
            if self.assignor.delay > 0:
                self.now += self.assignor.delay / 1000
            if not pending:
                return rounds
        raise AssertionError("the assignment did not settle in 30 rounds")

    def owners(self) -> dict[object, str]:
        out: dict[object, str] = {}
        for member, load in self.running.items():
            for item in [*load.connectors, *load.tasks]:
                assert item not in out, f"{item} runs on {out[item]} and {member}"
                out[item] = member
        return out

    def check_complete_and_balanced(self) -> None:
        owners = self.owners()
        wanted = set(self.connectors) | {TaskId(n, i) for n, k in self.connectors.items() for i in range(k)}
        assert set(owners) == wanted
        if self.running:
            for count in (lambda w: len(w.connectors), lambda w: len(w.tasks)):
                sizes = [count(w) for w in self.running.values()]
                assert max(sizes) - min(sizes) <= 1, f"unbalanced: {self.running}"


def cluster_of(workers: int, connectors: dict[str, int]) -> Cluster:
    cluster = Cluster(connectors=dict(connectors))
    for i in range(workers):
        cluster.join(f"w{i}")
    cluster.settle()
    return cluster


SIX = {f"c{i}": 3 for i in range(6)}


def test_three_workers_share_six_connectors_evenly() -> None:
    cluster = cluster_of(3, SIX)
    cluster.check_complete_and_balanced()
    assert sorted(len(w.tasks) for w in cluster.running.values()) == [6, 6, 6]


def test_a_fourth_worker_takes_only_a_fair_share() -> None:
    cluster = cluster_of(3, SIX)
    before = cluster.owners()
    cluster.join("w3")
    cluster.settle()
    cluster.check_complete_and_balanced()
    after = cluster.owners()
    moved = {item for item in before if after[item] != before[item]}
    assert moved == {item for item, owner in after.items() if owner == "w3"}  # only what the new worker took
    assert len([m for m in moved if isinstance(m, TaskId)]) in (4, 5)  # 18 tasks / 4 workers


def test_a_departed_workers_work_waits_for_the_delay_then_moves() -> None:
    cluster = cluster_of(3, SIX)
    gone = set(cluster.running["w1"].tasks)
    cluster.leave("w1")
    assert cluster.round()  # held back: a delay is scheduled
    assert cluster.assignor.delay == DELAY_MS
    assert not gone & {t for w in cluster.running.values() for t in w.tasks}
    cluster.now += 0.4
    cluster.round()
    assert 0 < cluster.assignor.delay <= 600  # what is left of the delay
    cluster.now += 1.0
    cluster.settle()
    cluster.check_complete_and_balanced()


def test_a_worker_back_within_the_delay_gets_its_share_again() -> None:
    cluster = cluster_of(3, SIX)
    cluster.leave("w1")
    cluster.round()
    cluster.join("w1")  # restarted: empty, a candidate for the lost work
    cluster.now += DELAY_MS / 1000
    cluster.settle()
    cluster.check_complete_and_balanced()
    assert len(cluster.running["w1"].tasks) == 6


def test_a_behind_leader_asks_everyone_to_resync() -> None:
    assignor = IncrementalCooperativeAssignor(DELAY_MS)
    members = {"a": WorkerState("http://a", 10), "b": WorkerState("http://b", 12)}
    assignments, leader_state = assignor.perform_assignment("a", 1, members, ClusterConfigState(offset=10), 1, 0)
    assert leader_state is None
    assert {a.error for a in assignments.values()} == {AssignmentError.CONFIG_MISMATCH}
    assert {a.config_offset for a in assignments.values()} == {12}


def test_leader_state_knows_the_owners() -> None:
    assignor = IncrementalCooperativeAssignor(DELAY_MS)
    snapshot = ClusterConfigState({"c": {}}, {"c": ({}, {})}, {}, offset=3)
    members = {"a": WorkerState("http://a", 3), "b": WorkerState("http://b", 3)}
    assignments, leader_state = assignor.perform_assignment("a", 1, members, snapshot, 1, 0)
    assert leader_state is not None
    owner = leader_state.owner_url("c")
    assert owner in ("http://a", "http://b")
    assert {leader_state.owner_url("c", 0), leader_state.owner_url("c", 1)} == {"http://a", "http://b"}
    assert leader_state.owner_url("c", 2) is None
    assert all(a.leader_url == "http://a" for a in assignments.values())


EVENTS = st.lists(
    st.one_of(
        st.tuples(st.just("join"), st.integers(0, 5)),
        st.tuples(st.just("leave"), st.integers(0, 5)),
        st.tuples(st.just("create"), st.integers(0, 7), st.integers(0, 4)),
        st.tuples(st.just("delete"), st.integers(0, 7)),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 4), EVENTS)
def test_any_history_settles_complete_balanced_and_never_runs_twice(workers: int, events: list[tuple]) -> None:
    cluster = cluster_of(workers, {"c0": 2})
    for kind, *args in events:
        name = f"w{args[0]}" if kind in ("join", "leave") else f"c{args[0]}"
        if kind == "join" and name not in cluster.running:
            cluster.join(name)
        elif kind == "leave" and name in cluster.running and len(cluster.running) > 1:
            cluster.leave(name)
        elif kind == "create":
            cluster.connectors[name] = args[1]
        elif kind == "delete":
            cluster.connectors.pop(name, None)
        cluster.settle()
        cluster.check_complete_and_balanced()
