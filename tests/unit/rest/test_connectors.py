"""`/connectors` resources: Kafka Connect's paths, shapes and status codes over a fake herder."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from connect.runtime.herder import State
from connect.runtime.worker_config import WorkerConfig
from tests.unit.rest.conftest import datagen
from tests.unit.rest.fake_herder import FakeHerder


@pytest.fixture
def created(client: TestClient) -> TestClient:
    assert client.post("/connectors", json=datagen()).status_code == 201
    return client


def test_create_answers_201_with_location_and_info(client: TestClient):
    r = client.post("/connectors", json=datagen(name="  gen  ", **{"tasks.max": 2}))
    assert r.status_code == 201
    assert r.headers["location"] == "http://testserver/connectors/gen"
    assert r.json() == {
        "name": "gen",
        "type": "source",
        "config": {"connector.class": "datagen", "kafka.topic": "t", "tasks.max": "2", "name": "gen"},
        "tasks": [{"connector": "gen", "task": 0}, {"connector": "gen", "task": 1}],
    }


def test_create_scalars_become_strings_as_kafka_connect_reads_them(client: TestClient, herder: FakeHerder):
    client.post("/connectors", json=datagen(**{"tasks.max": 1, "schema.enabled": True, "rate": 1.5}))
    config = herder.connectors_["gen"].config
    assert {k: config[k] for k in ("tasks.max", "schema.enabled", "rate")} == {
        "tasks.max": "1",
        "schema.enabled": "true",
        "rate": "1.5",
    }


def test_create_with_initial_state(client: TestClient):
    body = datagen() | {"initial_state": "stopped"}
    assert client.post("/connectors", json=body).status_code == 201
    assert client.get("/connectors/gen/status").json()["connector"]["state"] == "STOPPED"


def test_create_errors(created: TestClient):
    clash = created.post("/connectors", json=datagen())
    assert clash.status_code == 409 and clash.json() == {"error_code": 409, "message": "Connector gen already exists"}
    invalid = created.post("/connectors", json={"name": "x", "config": {"connector.class": "datagen"}})
    assert invalid.status_code == 400
    assert "kafka.topic: Missing required configuration" in invalid.json()["message"]
    assert invalid.json()["error_code"] == 400
    mismatch = created.post("/connectors", json={"name": "x", "config": {"name": "y", "connector.class": "file"}})
    assert (
        mismatch.status_code == 400 and "(y) doesn't match connector name in the URL (x)" in mismatch.json()["message"]
    )
    missing = created.post("/connectors", json={"name": "x"})
    assert missing.status_code == 400 and missing.json()["message"] == "missing required field 'config'"
    nested = created.post("/connectors", json={"name": "x", "config": {"a": {"b": 1}}})
    assert nested.json() == {
        "error_code": 400,
        "message": "invalid value for 'config.a': expected a string, number or boolean",
    }
    bad_state = created.post("/connectors", json=datagen("z") | {"initial_state": "SLEEPING"})
    assert bad_state.status_code == 400 and "initial_state" in bad_state.json()["message"]


def test_list_and_expand(created: TestClient):
    created.post("/connectors", json={"name": "sink", "config": {"connector.class": "file", "topics": "t"}})
    assert created.get("/connectors").json() == ["gen", "sink"]
    expanded = created.get("/connectors", params=[("expand", "status"), ("expand", "info")]).json()
    assert set(expanded) == {"gen", "sink"}
    assert expanded["sink"]["status"]["connector"]["state"] == "RUNNING"
    assert expanded["sink"]["info"]["type"] == "sink"
    assert set(created.get("/connectors?expand=status").json()["gen"]) == {"status"}
    assert created.get("/connectors?expand=nothing").json() == {"gen": {}, "sink": {}}


def test_get_config_status_tasks(created: TestClient):
    assert created.get("/connectors/gen").json()["tasks"] == [
        {"connector": "gen", "task": 0},
        {"connector": "gen", "task": 1},
    ]
    assert created.get("/connectors/gen/config").json()["kafka.topic"] == "t"
    status = created.get("/connectors/gen/status").json()
    assert status == {
        "name": "gen",
        "type": "source",
        "connector": {"state": "RUNNING", "worker_id": "127.0.0.1:8083"},
        "tasks": [
            {"id": 0, "state": "RUNNING", "worker_id": "127.0.0.1:8083"},
            {"id": 1, "state": "RUNNING", "worker_id": "127.0.0.1:8083"},
        ],
    }
    tasks = created.get("/connectors/gen/tasks").json()
    assert [t["id"] for t in tasks] == [{"connector": "gen", "task": 0}, {"connector": "gen", "task": 1}]
    assert tasks[1]["config"]["task.id"] == "1"
    assert created.get("/connectors/gen/tasks/1/status").json() == {
        "id": 1,
        "state": "RUNNING",
        "worker_id": "127.0.0.1:8083",
    }


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/connectors/nope"),
        ("DELETE", "/connectors/nope"),
        ("GET", "/connectors/nope/config"),
        ("GET", "/connectors/nope/status"),
        ("GET", "/connectors/nope/tasks"),
        ("GET", "/connectors/nope/tasks/0/status"),
        ("POST", "/connectors/nope/restart"),
        ("PUT", "/connectors/nope/pause"),
        ("PUT", "/connectors/nope/resume"),
        ("PUT", "/connectors/nope/stop"),
        ("POST", "/connectors/nope/tasks/0/restart"),
        ("GET", "/connectors/nope/topics"),
        ("PUT", "/connectors/nope/topics/reset"),
        ("GET", "/connectors/nope/offsets"),
        ("DELETE", "/connectors/nope/offsets"),
        ("GET", "/connectors/gen/tasks/7/status"),
        ("POST", "/connectors/gen/tasks/7/restart"),
        ("GET", "/connectors/gen/tasks/x/status"),
    ],
)
def test_unknown_connector_or_task_is_404(created: TestClient, method: str, path: str):
    r = created.request(method, path)
    assert r.status_code == 404, r.text
    assert r.json()["error_code"] == 404 and r.json()["message"]


def test_patch_and_alter_unknown_connector_is_404(client: TestClient):
    assert client.patch("/connectors/nope/config", json={"a": "b"}).status_code == 404
    offsets = {"offsets": [{"partition": {"p": 1}, "offset": {"o": 1}}]}
    assert client.patch("/connectors/nope/offsets", json=offsets).status_code == 404


def test_put_config_creates_then_updates(client: TestClient):
    config = {"connector.class": "file", "topics": "t"}
    first = client.put("/connectors/sink/config", json=config)
    assert first.status_code == 201 and first.headers["location"].endswith("/connectors/sink")
    second = client.put("/connectors/sink/config", json=config | {"topics": "u"})
    assert second.status_code == 200 and second.json()["config"]["topics"] == "u"
    assert "location" not in second.headers
    mismatch = client.put("/connectors/sink/config", json=config | {"name": "other"})
    assert mismatch.status_code == 400
    invalid = client.put("/connectors/sink/config", json={"connector.class": "nope"})
    assert invalid.status_code == 400 and "connector.class: Unknown connector plugin nope" in invalid.json()["message"]


def test_patch_config_merges_and_null_removes(created: TestClient):
    r = created.patch("/connectors/gen/config", json={"rate": 5, "tasks.max": None})
    assert r.status_code == 200
    config = r.json()["config"]
    assert config["rate"] == "5" and "tasks.max" not in config and config["name"] == "gen"
    assert created.patch("/connectors/gen/config", json={"name": "other"}).status_code == 400


def test_delete(created: TestClient):
    r = created.delete("/connectors/gen")
    assert r.status_code == 204 and r.content == b""
    assert created.get("/connectors").json() == []


def test_pause_resume_stop(created: TestClient):
    r = created.put("/connectors/gen/pause")
    assert r.status_code == 202 and r.content == b""
    assert created.get("/connectors/gen/status").json()["connector"]["state"] == "PAUSED"
    assert created.put("/connectors/gen/resume").status_code == 202
    assert created.get("/connectors/gen/status").json()["connector"]["state"] == "RUNNING"
    assert created.put("/connectors/gen/stop").status_code == 204
    assert created.get("/connectors/gen/status").json() == {
        "name": "gen",
        "type": "source",
        "tasks": [],
        "connector": {"state": "STOPPED", "worker_id": "127.0.0.1:8083"},
    }


def test_restart_variants(created: TestClient, herder: FakeHerder):
    herder.connectors_["gen"].tasks[1] = State.FAILED
    plain = created.post("/connectors/gen/restart")
    assert plain.status_code == 204 and plain.content == b""
    # requests-based clients send Python booleans as "False"/"True"
    assert created.post("/connectors/gen/restart?includeTasks=False&onlyFailed=False").status_code == 204
    assert herder.connectors_["gen"].task_restarts == []
    failed = created.post("/connectors/gen/restart", params={"includeTasks": "true", "onlyFailed": "true"})
    assert failed.status_code == 202
    assert [t["state"] for t in failed.json()["tasks"]] == ["RUNNING", "RUNNING"]
    assert herder.connectors_["gen"].task_restarts == [1]
    every = created.post("/connectors/gen/restart?includeTasks=true")
    assert every.status_code == 202 and every.json()["name"] == "gen"
    assert herder.connectors_["gen"].task_restarts == [1, 0, 1]
    assert created.post("/connectors/gen/restart?includeTasks=maybe").status_code == 400


def test_restart_task(created: TestClient, herder: FakeHerder):
    r = created.post("/connectors/gen/tasks/1/restart")
    assert r.status_code == 204 and herder.connectors_["gen"].task_restarts == [1]


def test_topics_and_reset(created: TestClient, herder: FakeHerder):
    herder.connectors_["gen"].topics = ["t"]
    assert created.get("/connectors/gen/topics").json() == {"gen": {"topics": ["t"]}}
    assert created.put("/connectors/gen/topics/reset").status_code == 202
    assert created.get("/connectors/gen/topics").json() == {"gen": {"topics": []}}


def test_topic_tracking_disabled_is_403(herder: FakeHerder):
    from rest.app import create_app

    herder.put_connector_config("gen", {"connector.class": "file"}, allow_replace=False)
    off = TestClient(create_app(herder, WorkerConfig.parse({"topic.tracking.enable": "false"})))
    assert off.get("/connectors/gen/topics").json() == {"error_code": 403, "message": "Topic tracking is disabled."}
    no_reset = TestClient(create_app(herder, WorkerConfig.parse({"topic.tracking.allow.reset": "false"})))
    assert no_reset.get("/connectors/gen/topics").status_code == 200
    assert no_reset.put("/connectors/gen/topics/reset").status_code == 403


def test_offsets_of_a_stopped_connector(created: TestClient):
    assert created.get("/connectors/gen/offsets").json() == {"offsets": []}
    body = {"offsets": [{"partition": {"datagen": "gen/0"}, "offset": {"seq": 41}}]}
    running = created.patch("/connectors/gen/offsets", json=body)
    assert running.status_code == 400 and "STOPPED" in running.json()["message"]
    assert created.delete("/connectors/gen/offsets").status_code == 400
    created.put("/connectors/gen/stop")
    altered = created.patch("/connectors/gen/offsets", json=body)
    assert altered.status_code == 200
    assert altered.json() == {"message": "The offsets for this connector have been altered successfully"}
    assert created.get("/connectors/gen/offsets").json() == body
    reset = created.delete("/connectors/gen/offsets")
    assert reset.status_code == 200
    assert reset.json() == {"message": "The offsets for this connector have been reset successfully"}
    assert created.get("/connectors/gen/offsets").json() == {"offsets": []}


@pytest.mark.parametrize("body", [{}, {"offsets": []}, {"offsets": None}])
def test_alter_offsets_needs_offsets(created: TestClient, body: dict):
    created.put("/connectors/gen/stop")
    r = created.patch("/connectors/gen/offsets", json=body)
    assert r.status_code == 400
    assert r.json()["message"] == "Partitions / offsets need to be provided for an alter offsets request"


def test_alter_offsets_rejects_malformed_items(created: TestClient):
    r = created.patch("/connectors/gen/offsets", json={"offsets": [{"offset": {"seq": 1}}]})
    assert r.status_code == 400 and "offsets.0.partition" in r.json()["message"]
