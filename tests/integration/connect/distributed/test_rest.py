"""REST on every worker of a cluster: the same answers to reads anywhere, writes and task restarts reaching the
worker that must serve them, and internal requests refused unless signed with the leader's session key."""

from __future__ import annotations

import base64
import uuid

import orjson
from confluent_kafka import Consumer, TopicPartition

from connect.runtime.distributed.session import sign
from connect.storage.configs.kafka import SessionKey
from tests.integration.connect.distributed.conftest import api, owners
from tests.support.kafka import wait_until


def session_key(bootstrap: str, topic: str) -> SessionKey:
    """The leader's key, as every worker reads it from the config topic."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"key-{uuid.uuid4().hex}"})
    consumer.assign([TopicPartition(topic, 0, 0)])
    found = None
    try:
        while (message := consumer.poll(3)) is not None:
            if message.error() is None and message.key() == b"session-key" and message.value():
                value = orjson.loads(message.value())
                found = SessionKey(base64.b64decode(value["key"]), value["algorithm"], value["creation-timestamp"])
    finally:
        consumer.close()
    assert found is not None, "no session key in the config topic"
    return found


def test_every_worker_answers_alike_and_reaches_the_right_one(make_cluster, services, unique_name):
    cluster = make_cluster("rest")
    workers = [cluster.add_worker(), cluster.add_worker(), cluster.add_worker()]
    name = f"{unique_name}-gen"
    config = {"connector.class": "datagen", "kafka.topic": unique_name, "rate": "10", "tasks.max": "3"}
    with api(workers[2]) as client:
        assert client.post("/connectors", json={"name": name, "config": config}).status_code == 201
    wait_until(lambda: len(owners(workers[0], [name])) == 4, timeout=60, message="connector and 3 tasks RUNNING")

    answers = []
    for worker in workers:
        with api(worker) as client:
            answers.append(
                (
                    client.get("/connectors").json(),
                    client.get(f"/connectors/{name}/config").json(),
                    client.get(f"/connectors/{name}/tasks").json(),
                    client.get(f"/connectors/{name}/status").json(),
                )
            )
    assert answers[0] == answers[1] == answers[2]

    # A task restart asked of a worker that does not run it: forwarded (via the leader) to the one that does.
    task_owner = owners(workers[0], [name])[f"{name}-0"]
    elsewhere = next(w for w in workers if w.worker_id != task_owner)
    with api(elsewhere) as client:
        assert client.post(f"/connectors/{name}/tasks/0/restart").status_code == 204
        assert client.post(f"/connectors/{name}/tasks/7/restart").status_code == 404
    wait_until(
        lambda: owners(workers[0], [name]).get(f"{name}-0") == task_owner, message="task 0 RUNNING again, in place"
    )

    # Internal requests: refused unsigned (400) or badly signed (403); a signed one changes the task configs.
    new_tasks = [{**config, "task.note": "from a test"}]
    body = orjson.dumps(new_tasks)
    with api(workers[1]) as client:
        unsigned = client.post(f"/connectors/{name}/tasks", content=body, headers={"Content-Type": "application/json"})
        assert unsigned.status_code == 400 and "signature" in unsigned.json()["message"]
        forged = sign(SessionKey(b"not the key", "HmacSHA256", 0), "HmacSHA256", body)
        refused = client.post(
            f"/connectors/{name}/tasks", content=body, headers={"Content-Type": "application/json", **forged}
        )
        assert refused.status_code == 403
        key = session_key(services.kafka_bootstrap, cluster.properties["config.storage.topic"])
        signed = sign(key, "HmacSHA256", body)
        accepted = client.post(
            f"/connectors/{name}/tasks", content=body, headers={"Content-Type": "application/json", **signed}
        )
        assert accepted.status_code == 204, accepted.text
    wait_until(
        lambda: (
            [t["config"].get("task.note") for t in api(workers[0]).get(f"/connectors/{name}/tasks").json()]
            in (["from a test"], [None, None, None])
        ),  # the connector may write its own configs back afterwards
        message="the task configs the signed request carried",
    )
