"""`GET /`, `GET /health` and `GET /metrics`."""

from __future__ import annotations

from fastapi.testclient import TestClient
from prometheus_client import Counter

from tests.unit.rest.conftest import datagen
from tests.unit.rest.fake_herder import FakeHerder

PROBE = Counter("sluice_rest_test_probe", "A counter only the REST tests touch.")


def test_server_info(client: TestClient):
    assert client.get("/").json() == {"version": "0.1.0", "commit": "abc123", "kafka_cluster_id": "cluster-1"}


def test_health_summarises_and_reports_startup(client: TestClient, herder: FakeHerder):
    client.post("/connectors", json=datagen())
    r = client.get("/health")
    assert r.status_code == 200
    assert r.json()["status"] == "healthy" and r.json()["connectors"] == {"running": 1}
    herder.started = False
    starting = client.get("/health")
    assert starting.status_code == 503 and starting.json()["status"] == "starting"


def test_health_answers_500_when_the_herder_fails(client: TestClient, herder: FakeHerder):
    def broken() -> dict:
        raise RuntimeError("lock poisoned")

    herder.health = broken  # type: ignore[method-assign]
    r = client.get("/health")
    assert r.status_code == 500 and r.json()["status"] == "unhealthy" and "lock" not in r.text


def test_metrics_serves_the_default_registry(client: TestClient):
    PROBE.inc(3)
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    assert "sluice_rest_test_probe_total 3.0" in r.text


def test_a_degraded_worker_answers_200_and_lists_the_tasks_waiting(client: TestClient, herder: FakeHerder):
    waiting = {"connector": "cache", "task": 0, "reason": "Redis unreachable", "since": "2026-12-03T10:00:00Z"}

    def degraded() -> dict:
        return {"status": "degraded", "message": "1 task(s) wait", "degraded": [{**waiting, "attempts": 3}]}

    herder.health = degraded  # type: ignore[method-assign]
    r = client.get("/health")
    assert r.status_code == 200 and r.json()["degraded"][0]["reason"] == "Redis unreachable"
