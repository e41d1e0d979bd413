"""`/admin/loggers`: Python logging levels shown and set in Kafka Connect's shapes."""

from __future__ import annotations

import logging
import uuid

import pytest
from fastapi.testclient import TestClient

pytestmark = pytest.mark.usefixtures("log_levels_restored")


@pytest.fixture
def namespace() -> str:
    name = f"resttest{uuid.uuid4().hex[:8]}"
    logging.getLogger(f"{name}.child")
    return name


def test_get_root_and_effective_level(client: TestClient, namespace: str):
    root = client.get("/admin/loggers/root").json()
    assert root == {
        "level": {logging.WARNING: "WARN"}.get(logging.getLogger().level, root["level"]),
        "last_modified": None,
    }
    child = client.get(f"/admin/loggers/{namespace}.child").json()
    assert child == {"level": client.get("/admin/loggers/ROOT").json()["level"], "last_modified": None}


def test_unknown_logger_is_404(client: TestClient):
    r = client.get("/admin/loggers/no.such.logger.anywhere")
    assert r.status_code == 404 and r.json()["message"] == "Logger no.such.logger.anywhere not found."


def test_set_level_applies_to_the_namespace_and_its_children(client: TestClient, namespace: str):
    r = client.put(f"/admin/loggers/{namespace}", json={"level": "debug"})
    assert r.status_code == 200 and r.json() == [namespace, f"{namespace}.child"]
    assert logging.getLogger(f"{namespace}.child").isEnabledFor(logging.DEBUG)
    shown = client.get(f"/admin/loggers/{namespace}.child").json()
    assert shown["level"] == "DEBUG" and isinstance(shown["last_modified"], int)
    listed = client.get("/admin/loggers").json()
    assert listed[namespace]["level"] == "DEBUG" and "root" in listed
    client.put(f"/admin/loggers/{namespace}", json={"level": "WARNING"})
    assert client.get(f"/admin/loggers/{namespace}").json()["level"] == "WARN"


def test_cluster_scope_answers_204(client: TestClient, namespace: str):
    r = client.put(f"/admin/loggers/{namespace}?scope=cluster", json={"level": "ERROR"})
    assert r.status_code == 204 and logging.getLogger(namespace).level == logging.ERROR


def test_set_level_errors(client: TestClient, namespace: str):
    missing = client.put(f"/admin/loggers/{namespace}", json={})
    assert missing.status_code == 400
    assert missing.json()["message"] == "Desired 'level' parameter was not specified in request."
    invalid = client.put(f"/admin/loggers/{namespace}", json={"level": "LOUD"})
    assert invalid.status_code == 404 and invalid.json()["message"] == "invalid log level 'LOUD'."
