"""`/connector-plugins`: listing, config definitions and validation."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_list_connectors_only_by_default(client: TestClient):
    plugins = client.get("/connector-plugins").json()
    assert plugins == [
        {"class": "connectors.datagen.connector.DatagenSourceConnector", "type": "source", "version": "0.1.0"},
        {"class": "connectors.file.connector.FileSinkConnector", "type": "sink", "version": "0.1.0"},
    ]
    everything = client.get("/connector-plugins?connectorsOnly=false").json()
    assert {p["type"] for p in everything} == {"source", "sink", "transformation", "converter"}


def test_plugin_config(client: TestClient):
    keys = client.get("/connector-plugins/datagen/config").json()
    assert keys[0]["name"] == "kafka.topic" and keys[0]["required"] is True
    missing = client.get("/connector-plugins/nope/config")
    assert missing.status_code == 404 and missing.json() == {"error_code": 404, "message": "Unknown plugin nope."}


def test_plugin_config_of_a_version(client: TestClient):
    assert client.get("/connector-plugins/datagen/config?version=latest").status_code == 200
    assert client.get("/connector-plugins/datagen/config?version=0.1.0").status_code == 200
    wrong = client.get("/connector-plugins/datagen/config?version=9.9.9")
    assert wrong.status_code == 400 and "9.9.9" in wrong.json()["message"]


def test_validate_without_connector_class_names_the_missing_key(client: TestClient):
    r = client.put("/connector-plugins/datagen/config/validate", json={"kafka.topic": "t"})
    assert r.status_code == 400 and "'connector.class'" in r.json()["message"]


def test_validate_reports_errors_per_key_with_200(client: TestClient):
    r = client.put("/connector-plugins/datagen/config/validate", json={"connector.class": "datagen", "tasks.max": 1})
    assert r.status_code == 200
    infos = r.json()
    assert infos["error_count"] == 1
    assert infos["configs"][0]["value"]["errors"] == [
        'Missing required configuration "kafka.topic" which has no default value.'
    ]
    ok = client.put(
        "/connector-plugins/datagen/config/validate", json={"connector.class": "datagen", "kafka.topic": "t"}
    )
    assert ok.json()["error_count"] == 0


def test_validate_accepts_another_name_of_the_same_plugin(client: TestClient):
    r = client.put(
        "/connector-plugins/datagen/config/validate",
        json={"connector.class": "connectors.datagen.connector.DatagenSourceConnector", "kafka.topic": "t"},
    )
    assert r.status_code == 200 and r.json()["error_count"] == 0


def test_validate_rejects_a_different_plugin(client: TestClient):
    r = client.put("/connector-plugins/datagen/config/validate", json={"connector.class": "file"})
    assert r.status_code == 400
    assert r.json()["message"] == "Included connector type file does not match request type datagen"


def test_validate_needs_an_object(client: TestClient):
    r = client.put("/connector-plugins/datagen/config/validate", json=["a"])
    assert r.status_code == 400 and r.json()["error_code"] == 400
