"""A second unchanged Kafka Connect client, `kafka-connect-api` (compose-x), drives the whole lifecycle.

Its object model reads everything live from the API: a cluster with its version, Kafka cluster id and
loggers; a connector created by setting its config, paused, resumed, restarted (alone, task by task, and
"cycled"), reconfigured and deleted; tasks with their status. Basic auth on, as its `Api` supports.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import requests
from kafka_connect_api.errors import GenericNotFound, GenericUnauthorized
from kafka_connect_api.kafka_connect_api import Api, Cluster, Connector

from tests.support.kafka import wait_until

USER, PASSWORD = "bob", "client-2-secret"
RECORDS = 50


def exists(connector: Connector) -> bool:
    """`Connector.exists()` raises on the 404 it means to turn into False (the client's own bug, same with
    Kafka Connect); it asks for `/connectors/{name}/`, with the trailing slash."""
    try:
        return connector.exists()
    except GenericNotFound:
        return False


@pytest.mark.parametrize("mode", ["standalone", "cluster"])
def test_kafka_connect_api_drives_the_lifecycle(request, mode: str, unique_name: str, tmp_path: Path):
    """Against a standalone worker, or the second worker of a two-worker cluster (writes forwarded to the
    leader; states reached a moment later, so they are waited for)."""
    props = {"rest.auth.basic.users": f"{USER}:{PASSWORD}", "value.converter.schemas.enable": "false"}
    worker = request.getfixturevalue("cluster_worker" if mode == "cluster" else "rest_worker")(**props)
    cluster = Cluster(Api(url=worker.url, username=USER, password=PASSWORD))
    with pytest.raises(GenericUnauthorized):
        Cluster(Api(url=worker.url)).connectors  # noqa: B018 - the property is the call
    assert cluster.version and cluster.kafka_cluster
    assert cluster.connectors == {}

    out = tmp_path / "out.jsonl"
    source, sink = Connector(cluster, f"{unique_name}-gen"), Connector(cluster, f"{unique_name}-file")
    assert not exists(source)
    source.config = {
        "connector.class": "datagen",
        "kafka.topic": unique_name,
        "max.records": str(RECORDS),
        "topic.creation.default.replication.factor": "1",
        "topic.creation.default.partitions": "1",
    }
    sink.config = {"connector.class": "file", "topics": unique_name, "file": str(out)}
    assert exists(source) and set(cluster.connectors) == {source.name, sink.name}
    assert source.connector_class == "datagen"
    wait_until(lambda: source.state == sink.state == "RUNNING", message="both RUNNING")
    wait_until(lambda: all(t.is_running() for c in (source, sink) for t in c.tasks), message="tasks RUNNING")
    wait_until(lambda: out.exists() and len(out.read_text().splitlines()) >= RECORDS, message="records in the file")

    source.pause()
    wait_until(lambda: source.state == "PAUSED" and [t.state for t in source.tasks] == ["PAUSED"], message="PAUSED")
    source.resume()
    wait_until(lambda: source.state == "RUNNING", message="RUNNING")
    source.restart()
    source.restart_all_tasks()
    source.cycle_connector()  # pause, restart every task, resume
    wait_until(lambda: source.state == "RUNNING" and source.tasks[0].is_running(), message="RUNNING after the cycle")

    sink.config = {**sink.config, "file.format": "record"}
    assert sink.config["file.format"] == "record"
    wait_until(lambda: sink.tasks[0].config["file.format"] == "record", message="the task config regenerated")

    # loggers: the client only sets a logger the worker lists, so list ours first, and put it back after
    name = f"sluice.client.{unique_name}"
    auth = (USER, PASSWORD)
    assert requests.put(f"{worker.url}/admin/loggers/{name}", json={"level": "INFO"}, auth=auth, timeout=30).ok
    try:
        assert cluster.root_logger["level"] in ("INFO", "WARN", "DEBUG", "ERROR")
        assert name in cluster.set_logger_log_level(name, "DEBUG")
        assert cluster.loggers[name]["level"] == "DEBUG"
    finally:
        logging.getLogger(name).setLevel(logging.NOTSET)

    source.delete()
    sink.delete()
    assert not exists(source) and cluster.connectors == {}
    with pytest.raises(GenericNotFound):
        source.status  # noqa: B018
