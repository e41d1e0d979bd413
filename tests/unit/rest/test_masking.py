"""Secrets stay masked in every response; config-provider references are returned as written."""

from __future__ import annotations

from fastapi.testclient import TestClient

SECRET = "hunter2-very-secret"
REFERENCE = "${file:/etc/connect/secrets.properties:db.password}"


def test_no_response_reveals_a_password(client: TestClient):
    config = {"connector.class": "datagen", "kafka.topic": "t", "db.password": SECRET, "ssl.key.password": REFERENCE}
    bodies = [
        client.post("/connectors", json={"name": "gen", "config": config}).text,
        client.put("/connectors/gen/config", json=config | {"rate": "2"}).text,
        client.patch("/connectors/gen/config", json={"rate": "3"}).text,
    ]
    for path in (
        "/connectors/gen",
        "/connectors/gen/config",
        "/connectors/gen/tasks",
        "/connectors?expand=info&expand=status",
    ):
        bodies.append(client.get(path).text)
    for body in bodies:
        assert SECRET not in body
        assert '"db.password":"[hidden]"' in body.replace(" ", "")
    assert client.get("/connectors/gen/config").json()["ssl.key.password"] == REFERENCE


def test_a_failing_config_does_not_echo_its_secret(client: TestClient):
    r = client.post("/connectors", json={"name": "x", "config": {"connector.class": "nope", "db.password": SECRET}})
    assert r.status_code == 400 and SECRET not in r.text
