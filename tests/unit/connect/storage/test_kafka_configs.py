"""The config topic's records, applied in log order: task configs count only with their commit, tombstones forget,
exactly-once task count records clear a pending fencing."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from connect.runtime.states import TargetState, TaskId
from connect.storage.configs.base import from_records, to_records
from connect.storage.configs.kafka import RestartRequest, _ConfigLog, target_state_value


def apply(log: _ConfigLog, records: list[tuple[str, object]]) -> list[tuple[str, object]]:
    events = []
    for offset, (key, value) in enumerate(records):
        event = log.apply(key, value)
        log.offset = offset + 1
        if event is not None:
            events.append(event)
    return events


def test_task_configs_take_effect_with_their_commit():
    log = _ConfigLog()
    events = apply(
        log,
        [
            ("connector-c", {"properties": {"name": "c"}}),
            ("task-c-0", {"properties": {"t": "0"}}),
            ("task-c-1", {"properties": {"t": "1"}}),
        ],
    )
    assert events == [("connector", "c")]
    assert log.snapshot().tasks("c") == ()
    assert apply(log, [("commit-c", {"tasks": 2})]) == [("tasks", [TaskId("c", 0), TaskId("c", 1)])]
    assert log.snapshot().tasks("c") == ({"t": "0"}, {"t": "1"})
    assert log.snapshot().offset == 1  # the offset of the last record applied, plus one (this log restarted)


def test_a_commit_missing_a_task_record_keeps_the_old_tasks_and_marks_the_connector():
    log = _ConfigLog()
    apply(
        log, [("connector-c", {"properties": {}}), ("task-c-0", {"properties": {"v": "1"}}), ("commit-c", {"tasks": 1})]
    )
    apply(log, [("task-c-1", {"properties": {"v": "2"}}), ("commit-c", {"tasks": 2})])  # task-c-0 compacted away
    assert log.snapshot().tasks("c") == ({"v": "1"},)
    assert log.inconsistent == {"c"}


def test_tombstones_forget_the_connector_and_its_tasks():
    log = _ConfigLog()
    apply(log, [("connector-c", {"properties": {}}), ("task-c-0", {"properties": {}}), ("commit-c", {"tasks": 1})])
    assert apply(log, [("connector-c", None), ("target-state-c", None)]) == [("removed", "c")]
    assert log.snapshot().connectors() == [] and log.snapshot().tasks("c") == ()


def test_target_states_read_v2_before_v1():
    log = _ConfigLog()
    apply(log, [("connector-c", {"properties": {}}), ("target-state-c", target_state_value(TargetState.STOPPED))])
    assert target_state_value(TargetState.STOPPED) == {"state": "PAUSED", "state.v2": "STOPPED"}
    assert log.snapshot().target_state("c") is TargetState.STOPPED
    apply(log, [("target-state-c", {"state": "PAUSED"})])  # a v1 writer
    assert log.snapshot().target_state("c") is TargetState.PAUSED


def test_a_task_count_record_clears_the_pending_fencing():
    log = _ConfigLog()
    apply(log, [("connector-c", {"properties": {}}), ("commit-c", {"tasks": 0})])
    assert "c" in log.pending_fencing
    apply(log, [("tasks-fencing-c", {"task-count": 0})])
    assert "c" not in log.pending_fencing and log.task_counts == {"c": 0}


def test_restart_requests_are_events():
    log = _ConfigLog()
    event = log.apply("restart-connector-c", {"include-tasks": True, "only-failed": False})
    assert event == ("restart", RestartRequest("c", include_tasks=True, only_failed=False))


NAMES = st.sampled_from(["a", "b-1", "c-2-3"])


@given(st.dictionaries(NAMES, st.lists(st.dictionaries(st.sampled_from("xyz"), st.text(max_size=3)), max_size=3)))
def test_the_log_reads_what_the_file_layout_writes(tasks):
    """The Kafka store and the file store agree on the layout: records written for a state read back as it."""
    state = from_records(
        {
            **{f"connector-{n}": {"properties": {"name": n}} for n in tasks},
            **{f"task-{n}-{i}": {"properties": c} for n, cs in tasks.items() for i, c in enumerate(cs)},
            **{f"commit-{n}": {"tasks": len(cs)} for n, cs in tasks.items()},
        }
    )
    log = _ConfigLog()
    apply(log, list(to_records(state).items()))
    snapshot = log.snapshot()
    assert snapshot.connector_configs == state.connector_configs
    assert {n: snapshot.tasks(n) for n in tasks} == {n: state.tasks(n) for n in tasks}
