"""An unchanged Kafka Connect client (`kafka-connect-py`) drives the whole lifecycle over HTTP.

Real RestServer + StandaloneHerder + Kafka, with the datagen source and the file sink, and basic
auth on. kafka-connect-py has no offsets calls, so those go through `requests` (its HTTP library)
with the same credentials.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
import requests
from kafka_connect import KafkaConnect
from requests.exceptions import HTTPError

from tests.support.kafka import read_topic, wait_until

USER, PASSWORD = "alice", "s3cret"
RECORDS = 200


PROPS = {
    "key.converter.schemas.enable": "false",
    "value.converter.schemas.enable": "false",
    "offset.flush.interval.ms": "100",
    "rest.auth.basic.users": f"{USER}:{PASSWORD}",
}


@pytest.fixture(params=["standalone", "cluster"])
def worker(request, rest_worker) -> Any:
    """A standalone worker, or the second worker of a two-worker cluster (its writes are forwarded to the
    leader); both have a `url`."""
    if request.param == "cluster":
        return request.getfixturevalue("cluster_worker")(**PROPS)
    return rest_worker(**PROPS)


class Offsets:
    """The offsets endpoints, which kafka-connect-py lacks."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.auth = (USER, PASSWORD)

    def get(self, name: str) -> list[dict[str, Any]]:
        r = requests.get(f"{self.url}/connectors/{name}/offsets", auth=self.auth, timeout=30)
        r.raise_for_status()
        return r.json()["offsets"]

    def alter(self, name: str, offsets: list[dict[str, Any]]) -> requests.Response:
        return requests.patch(
            f"{self.url}/connectors/{name}/offsets", json={"offsets": offsets}, auth=self.auth, timeout=30
        )

    def reset(self, name: str) -> requests.Response:
        return requests.delete(f"{self.url}/connectors/{name}/offsets", auth=self.auth, timeout=30)


def seqs(bootstrap: str, topic: str, at_least: int) -> list[int]:
    messages = read_topic(bootstrap, topic, lambda ms: len(ms) >= at_least)
    return sorted(orjson.loads(m.value())["seq"] for m in messages)


def test_kafka_connect_client_drives_the_lifecycle(worker: Any, services, unique_name: str, tmp_path: Path):
    kc = KafkaConnect(url=worker.url, auth=f"{USER}:{PASSWORD}")
    offsets = Offsets(worker.url)
    topic, src, sink = unique_name, f"{unique_name}-gen", f"{unique_name}-file"
    out = tmp_path / "out.jsonl"
    source_config = {
        "connector.class": "datagen",
        "kafka.topic": topic,
        "max.records": str(RECORDS),
        "key.cardinality": "10",
        "topic.creation.default.partitions": "1",
        "topic.creation.default.replication.factor": "1",
        "datagen.secret.password": "hunter2",
        "datagen.note": "${env:HOME}",
    }

    with pytest.raises(HTTPError, match="401"):
        KafkaConnect(url=worker.url).list_connectors()
    info = kc.get_cluster_info()
    assert info["version"] and info["kafka_cluster_id"]
    assert "connectors.datagen.connector.DatagenSourceConnector" in {p["class"] for p in kc.list_connector_plugins()}
    assert kc.validate_connector_config("datagen", {"name": src, **source_config})["error_count"] == 0

    # create, list, status
    created = kc.create_connector({"name": src, "config": source_config})
    assert created["name"] == src and created["type"] == "source"
    assert created["config"]["datagen.secret.password"] == "[hidden]"
    assert created["config"]["datagen.note"] == "${env:HOME}"
    kc.create_connector({"name": sink, "config": {"connector.class": "file", "topics": topic, "file": str(out)}})
    assert sorted(kc.list_connectors()) == sorted([src, sink])
    with pytest.raises(HTTPError, match="409"):
        kc.create_connector({"name": src, "config": source_config})
    wait_until(
        lambda: all(
            s["status"]["connector"]["state"] == "RUNNING" and [t["state"] for t in s["status"]["tasks"]] == ["RUNNING"]
            for s in kc.list_connectors(expand="status").values()
        ),
        message="both RUNNING",
    )
    wait_until(lambda: out.exists() and len(out.read_text().splitlines()) >= RECORDS, message="records in the file")
    assert kc.get_connector_task_status(src, 0)["state"] == "RUNNING"
    wait_until(lambda: kc.list_connector_topics(src) == {src: {"topics": [topic]}}, message="the active topic")

    # pause, resume (in a cluster, the workers running them act on it a moment later)
    def states() -> list[str]:
        status = kc.get_connector_status(src)
        return [status["connector"]["state"], *(t["state"] for t in status["tasks"])]

    kc.pause_connector(src)
    wait_until(lambda: states() == ["PAUSED", "PAUSED"], message="connector and task PAUSED")
    kc.resume_connector(src)
    wait_until(lambda: states() == ["RUNNING", "RUNNING"], message="connector and task RUNNING")

    # restart: the connector alone (204), then with its tasks (202 and the status)
    assert kc.restart_connector(src) is None
    restarted = kc.restart_connector(src, include_tasks=True)
    assert restarted["name"] == src and len(restarted["tasks"]) == 1
    kc.restart_connector_task(src, 0)
    wait_until(lambda: kc.get_connector_task_status(src, 0)["state"] == "RUNNING", message="task RUNNING again")

    # update the config
    updated = kc.update_connector(
        sink, {"connector.class": "file", "topics": topic, "file": str(out), "file.format": "record"}
    )
    assert updated["config"]["file.format"] == "record"
    assert kc.get_connector_config(sink)["file.format"] == "record"

    # offsets: only while STOPPED
    wait_until(
        lambda: offsets.get(src) == [{"partition": {"datagen": f"{src}/0"}, "offset": {"seq": RECORDS - 1}}],
        message="source offset flushed",
    )
    too_early = offsets.alter(src, [{"partition": {"datagen": f"{src}/0"}, "offset": {"seq": 149}}])
    assert too_early.status_code == 400 and "STOPPED" in too_early.json()["message"]
    kc.stop_connector(src)
    wait_until(lambda: kc.get_connector_status(src)["connector"]["state"] == "STOPPED", message="STOPPED")
    altered = offsets.alter(src, [{"partition": {"datagen": f"{src}/0"}, "offset": {"seq": 149}}])
    assert altered.status_code == 200
    assert altered.json() == {"message": "The offsets for this connector have been altered successfully"}
    assert offsets.get(src) == [{"partition": {"datagen": f"{src}/0"}, "offset": {"seq": 149}}]
    kc.resume_connector(src)  # continues after 149: 50 more records
    assert seqs(services.kafka_bootstrap, topic, RECORDS + 50) == sorted([*range(RECORDS), *range(150, RECORDS)])
    wait_until(lambda: offsets.get(src)[0]["offset"] == {"seq": RECORDS - 1}, message="offset after the replay")
    kc.stop_connector(src)
    reset = offsets.reset(src)
    assert reset.status_code == 200
    assert reset.json() == {"message": "The offsets for this connector have been reset successfully"}
    assert offsets.get(src) == []
    kc.resume_connector(src)  # from the start again: 200 more records
    assert len(seqs(services.kafka_bootstrap, topic, 2 * RECORDS + 50)) == 2 * RECORDS + 50

    # a sink's offsets are its consumer group's
    wait_until(
        lambda: (
            offsets.get(sink)
            == [
                {
                    "partition": {"kafka_topic": topic, "kafka_partition": 0},
                    "offset": {"kafka_offset": 2 * RECORDS + 50},
                }
            ]
        ),
        message="sink offsets committed",
    )

    # delete
    kc.delete_connector(src)
    kc.delete_connector(sink)
    assert kc.list_connectors() == []
    with pytest.raises(HTTPError, match="404"):
        kc.get_connector(src)
