"""Config stores: a file store gives back after a restart what it was told, in Kafka Connect's record layout."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from connect.runtime.states import TargetState, TaskId
from connect.storage.configs import FileConfigBackingStore, MemoryConfigBackingStore

NAMES = st.sampled_from(["a", "b-1", "task-x", "c"])
CONFIGS = st.dictionaries(st.sampled_from(["k", "x.y", "tasks.max"]), st.text(max_size=5), max_size=3)
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("put"), NAMES, CONFIGS, st.none() | st.sampled_from(list(TargetState))),
        st.tuples(st.just("remove"), NAMES),
        st.tuples(st.just("tasks"), NAMES, st.lists(CONFIGS, max_size=3)),
        st.tuples(st.just("remove_tasks"), NAMES),
        st.tuples(st.just("target"), NAMES, st.sampled_from(list(TargetState))),
    ),
    max_size=12,
)


def apply(store, operations) -> None:
    for op, name, *args in operations:
        if op == "put":
            store.put_connector_config(name, *args)
        elif op == "remove":
            store.remove_connector_config(name)
        elif op == "tasks" and store.contains(name):
            store.put_task_configs(name, args[0])
        elif op == "remove_tasks":
            store.remove_task_configs(name)
        elif op == "target" and store.contains(name):
            store.put_target_state(name, args[0])


@settings(max_examples=60, deadline=None)
@given(operations=OPERATIONS)
def test_a_file_store_reopened_holds_what_memory_holds(tmp_path_factory, operations):
    path = tmp_path_factory.mktemp("configs") / "configs.json"
    memory, file = MemoryConfigBackingStore(), FileConfigBackingStore(path)
    file.start()
    apply(memory, operations)
    apply(file, operations)
    reopened = FileConfigBackingStore(path)
    reopened.start()
    expected, got = memory.snapshot(), reopened.snapshot()
    assert got.connectors() == expected.connectors()
    for name in expected.connectors():
        assert got.connector_config(name) == expected.connector_config(name)
        assert got.target_state(name) == expected.target_state(name)
        assert got.tasks(name) == expected.tasks(name)


def test_new_connectors_start_started_and_a_replaced_config_keeps_its_target_state():
    store = MemoryConfigBackingStore()
    store.put_connector_config("a", {"k": "1"})
    assert store.snapshot().target_state("a") is TargetState.STARTED
    store.put_target_state("a", TargetState.PAUSED)
    store.put_connector_config("a", {"k": "2"})
    assert store.snapshot().target_state("a") is TargetState.PAUSED
    store.put_connector_config("a", {"k": "3"}, TargetState.STOPPED)
    assert store.snapshot().target_state("a") is TargetState.STOPPED
    store.remove_connector_config("a")
    assert not store.contains("a") and store.snapshot().target_state("a") is None


def test_the_file_holds_kafka_connects_config_topic_records(tmp_path):
    path = tmp_path / "configs.json"
    store = FileConfigBackingStore(path)
    store.start()
    store.put_connector_config("orders", {"connector.class": "datagen", "db.password": "${env:PW}"})
    store.put_task_configs("orders", [{"t": "0"}, {"t": "1"}])
    store.put_target_state("orders", TargetState.STOPPED)
    assert json.loads(path.read_text()) == {
        "connector-orders": {"properties": {"connector.class": "datagen", "db.password": "${env:PW}"}},
        "task-orders-0": {"properties": {"t": "0"}},
        "task-orders-1": {"properties": {"t": "1"}},
        "commit-orders": {"tasks": 2},
        "target-state-orders": {"state": "PAUSED", "state.v2": "STOPPED"},
    }
    assert not list(tmp_path.glob(".configs.json.*"))  # no temp file left behind


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []

    def on_connector_config_update(self, connector: str) -> None:
        self.events.append(("update", connector))

    def on_connector_config_remove(self, connector: str) -> None:
        self.events.append(("remove", connector))

    def on_task_config_update(self, tasks) -> None:
        self.events.append(("tasks", list(tasks)))

    def on_connector_target_state_change(self, connector: str) -> None:
        self.events.append(("target", connector))


def test_the_update_listener_hears_every_change():
    store, recorder = MemoryConfigBackingStore(), Recorder()
    store.set_update_listener(recorder)
    store.put_connector_config("a", {})
    store.put_task_configs("a", [{}, {}])
    store.put_target_state("a", TargetState.PAUSED)
    store.remove_connector_config("a")
    assert recorder.events == [
        ("update", "a"),
        ("tasks", [TaskId("a", 0), TaskId("a", 1)]),
        ("target", "a"),
        ("remove", "a"),
    ]
