"""Status stores: what workers put is what herders read, and a file store keeps it across a restart."""

from __future__ import annotations

import json

from connect.runtime.states import State, TaskId
from connect.storage.statuses import FileStatusBackingStore, MemoryStatusBackingStore, Status, TopicStatus


def fill(store) -> None:
    store.put_connector("orders", Status(State.RUNNING, "w1:8083"))
    store.put_task(TaskId("orders", 0), Status(State.FAILED, "w1:8083", "Traceback ...", generation=3))
    store.put_task(TaskId("orders", 1), Status(State.RUNNING, "w1:8083"))
    store.put_topic(TopicStatus("orders.public.t", "orders", 0, 1_700_000_000_000))
    store.put_connector("other", Status(State.PAUSED, "w1:8083"))


def test_reads_give_back_the_latest_puts_and_removes_forget():
    store = MemoryStatusBackingStore()
    fill(store)
    store.put_task(TaskId("orders", 1), Status(State.PAUSED, "w2:8083"))
    assert store.connector("orders") == Status(State.RUNNING, "w1:8083")
    assert store.task(TaskId("orders", 1)) == Status(State.PAUSED, "w2:8083")
    assert sorted(store.tasks("orders")) == [0, 1]
    assert [t.topic for t in store.topics("orders")] == ["orders.public.t"]
    store.delete_topic("orders", "orders.public.t")
    assert store.topics("orders") == []
    store.remove_tasks("orders")
    assert store.tasks("orders") == {} and store.connector("orders") is not None
    store.remove("orders")
    assert store.connector("orders") is None and store.connectors() == {"other"}


def test_a_file_store_survives_a_restart_in_the_status_topic_layout(tmp_path):
    path = tmp_path / "status.json"
    store = FileStatusBackingStore(path)
    store.start()
    fill(store)
    reopened = FileStatusBackingStore(path)
    reopened.start()
    assert reopened.connectors() == {"orders", "other"}
    assert reopened.tasks("orders") == store.tasks("orders")
    assert reopened.topics("orders") == store.topics("orders")
    records = json.loads(path.read_text())
    assert records["status-task-orders-0"] == {
        "state": "FAILED",
        "trace": "Traceback ...",
        "worker_id": "w1:8083",
        "generation": 3,
    }
    assert records["status-topic-orders.public.t:connector-orders"] == {
        "topic": {"name": "orders.public.t", "connector": "orders", "task": 0, "discoverTimestamp": 1_700_000_000_000}
    }
