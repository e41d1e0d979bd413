"""Connector names: trimmed as Kafka Connect trims them, and refused with 400 when no URL could reach them.

The herder is a real StandaloneHerder that is never started: every request here is refused by
validation before anything would run, so no Kafka is needed.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from connect.runtime.standalone import StandaloneHerder
from rest.app import create_app
from tests.unit.rest.conftest import datagen
from tests.unit.rest.fake_herder import FakeHerder


@pytest.fixture(scope="module")
def validating() -> TestClient:
    herder = StandaloneHerder({"bootstrap.servers": "127.0.0.1:1"})
    return TestClient(create_app(herder), raise_server_exceptions=False)


@pytest.mark.parametrize(
    "name", ["a/b", "../x", "/x", "..", ".", "p\x01q", "p\nq", "x" * 100_000, "\u0085x\u0085y", "\x00\x00"]
)
def test_a_name_no_url_can_reach_is_refused_before_anything_is_created(validating: TestClient, name: str):
    r = validating.post(
        "/connectors", json={"name": name, "config": {"connector.class": "datagen", "kafka.topic": "t"}}
    )
    assert r.status_code == 400, r.text
    assert "configuration name" in r.json()["message"] and "location" not in r.headers
    assert len(r.content) < 2000  # a 100k-character name is not echoed whole
    assert validating.get("/connectors").json() == []


def test_a_name_in_the_config_is_checked_on_put_too(validating: TestClient):
    r = validating.put("/connectors/ok/config", json={"name": "a/b", "connector.class": "datagen", "kafka.topic": "t"})
    assert r.status_code == 400 and "doesn't match" in r.json()["message"]
    r = validating.put("/connectors/p%01q/config", json={"connector.class": "datagen", "kafka.topic": "t"})
    assert r.status_code == 400 and "control characters" in r.json()["message"]


def test_a_name_is_trimmed_as_java_trims_it(client: TestClient, herder: FakeHerder):
    # Java's trim() removes every character up to U+0020 at either end (Python's strip() keeps U+0000).
    r = client.post("/connectors", json={**datagen(), "name": "\x00 gen\n\x1f"})
    assert r.status_code == 201 and r.json()["name"] == "gen" and r.headers["location"].endswith("/connectors/gen")
    assert list(herder.connectors_) == ["gen"]
