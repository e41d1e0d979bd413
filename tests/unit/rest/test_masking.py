"""Secrets stay masked in every response; config-provider references are returned as written."""

from __future__ import annotations

from fastapi.testclient import TestClient

from connect.errors import BadRequestException

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


URL_PASSWORD = "url-pw-in-clear"


def test_url_user_info_and_secret_looking_keys_are_masked(client: TestClient):
    config = {
        "connector.class": "datagen",
        "kafka.topic": "t",
        "connection.url": f"http://elastic:{URL_PASSWORD}@es:9200",
        "aws.secret.access.key": "aws-secret-1",
        "producer.override.sasl.jaas.config": 'PlainLoginModule required username="u" password="jaas-pw";',
        "api.token": "token-1",
        "db.passwd": "passwd-1",
    }
    bodies = [client.post("/connectors", json={"name": "gen", "config": config}).text]
    bodies += [client.get(p).text for p in ("/connectors/gen", "/connectors/gen/config", "/connectors/gen/tasks")]
    for body in bodies:
        for secret in (URL_PASSWORD, "aws-secret-1", "jaas-pw", "token-1", "passwd-1"):
            assert secret not in body
    assert client.get("/connectors/gen/config").json()["connection.url"] == "http://elastic:[hidden]@es:9200"


def test_error_messages_are_masked(client: TestClient, herder):
    herder.fail_with = BadRequestException(f"cannot reach http://u:{URL_PASSWORD}@es:9200")
    r = client.get("/connectors")
    assert r.status_code == 400 and URL_PASSWORD not in r.text and "http://u:[hidden]@es:9200" in r.text
