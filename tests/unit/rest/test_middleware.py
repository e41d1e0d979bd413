"""HEAD answered as GET without a body, and the request body limit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from connect.runtime.worker_config import WorkerConfig
from rest.app import create_app
from tests.unit.rest.conftest import datagen
from tests.unit.rest.fake_herder import FakeHerder


@pytest.mark.parametrize("path", ["/health", "/", "/connectors", "/connector-plugins", "/connectors/gen/status"])
def test_head_answers_like_get_without_a_body(client: TestClient, path: str):
    client.post("/connectors", json=datagen())
    get, head = client.get(path), client.head(path)
    assert head.status_code == get.status_code == 200
    assert head.content == b"" and head.headers["content-length"] == str(len(get.content))
    assert head.headers["content-type"] == get.headers["content-type"]


def test_head_on_a_missing_connector_is_404_and_on_a_post_only_resource_405(client: TestClient):
    assert client.head("/connectors/nope").status_code == 404
    assert client.head("/connectors/nope/restart").status_code == 405


def test_head_needs_credentials_like_get():
    app = create_app(FakeHerder(), WorkerConfig.parse({"rest.auth.basic.users": "alice:pw-123456"}))
    client = TestClient(app)
    assert client.head("/connectors").status_code == 401
    assert client.head("/connectors", auth=("alice", "pw-123456")).status_code == 200
    assert client.head("/health").status_code == 200


@pytest.fixture
def small(herder: FakeHerder) -> TestClient:
    return TestClient(
        create_app(herder, WorkerConfig.parse({"rest.request.max.bytes": "2048"})), raise_server_exceptions=False
    )


def test_a_body_over_the_limit_is_refused_with_413(small: TestClient, herder: FakeHerder):
    big = datagen(note="x" * 4096)
    r = small.post("/connectors", json=big)
    assert r.status_code == 413 and r.json()["error_code"] == 413 and "rest.request.max.bytes" in r.json()["message"]
    assert herder.connectors_ == {}
    assert small.post("/connectors", json=datagen()).status_code == 201


def test_a_chunked_body_over_the_limit_is_refused_too(small: TestClient, herder: FakeHerder):
    def chunks() -> Iterator[bytes]:
        yield b'{"name": "gen", "config": {"connector.class": "datagen", "kafka.topic": "t", "note": "'
        for _ in range(10):
            yield b"x" * 1000
        yield b'"}}'

    r = small.put("/connectors/gen/config", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and herder.connectors_ == {}


def test_the_limit_is_a_worker_property_with_a_floor(herder: FakeHerder):
    from connect.errors import ConfigException

    with pytest.raises(ConfigException, match=r"rest\.request\.max\.bytes"):
        create_app(herder, WorkerConfig.parse({"rest.request.max.bytes": "10"}))
