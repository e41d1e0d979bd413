"""Requests another cluster worker must serve are replayed there, as Kafka Connect's REST layer does: one extra hop
at most (forward=true, then forward=false), the target's answer returned as is, 409 when no worker can be reached."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from connect.errors import NotAssignedException, NotLeaderException, RebalanceNeededException
from rest import forwarding
from rest.app import create_app
from tests.unit.rest.fake_herder import FakeHerder

LEADER = "http://leader.example:8083/"


class Follower(FakeHerder):
    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    def delete_connector(self, name: str) -> None:
        raise self.error

    def restart_task(self, name: str, task: int) -> None:
        raise self.error


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> list[httpx.Request]:
    """What the worker sent on; the other worker answers 201 with a body of its own."""
    requests: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        if request.url.host == "down.example":
            raise httpx.ConnectError("connection refused")
        return httpx.Response(201, json={"served by": request.url.host}, headers={"X-Other": "dropped"})

    real = httpx.AsyncClient

    def client(**kwargs: Any) -> httpx.AsyncClient:
        return real(transport=httpx.MockTransport(answer), **kwargs)

    monkeypatch.setattr(forwarding.httpx, "AsyncClient", client)
    return requests


def follower(error: Exception) -> TestClient:
    return TestClient(create_app(Follower(error)), raise_server_exceptions=False)


def test_a_write_is_replayed_on_the_leader_with_one_more_hop_allowed(seen):
    response = follower(NotLeaderException("Only the leader can delete", LEADER)).delete(
        "/connectors/gen", headers={"Authorization": "Basic YTpi"}
    )
    assert (response.status_code, response.json()) == (201, {"served by": "leader.example"})
    assert "x-other" not in response.headers
    (sent,) = seen
    assert (sent.method, str(sent.url)) == ("DELETE", "http://leader.example:8083/connectors/gen?forward=true")
    assert sent.headers["authorization"] == "Basic YTpi"


def test_a_forwarded_request_goes_one_hop_further_at_most(seen):
    owner = follower(NotAssignedException("not assigned here", "http://owner.example:8083"))
    response = owner.post("/connectors/gen/tasks/0/restart?forward=true")
    assert response.status_code == 201
    assert str(seen[0].url) == "http://owner.example:8083/connectors/gen/tasks/0/restart?forward=false"
    third = owner.post("/connectors/gen/tasks/0/restart?forward=false")
    assert third.status_code == 409 and "conflicting operation" in third.json()["message"]
    assert len(seen) == 1


def test_no_known_leader_is_a_conflict(seen):
    response = follower(NotLeaderException("Only the leader can delete", None)).delete("/connectors/gen")
    assert response.status_code == 409 and "no known leader URL" in response.json()["message"]
    assert seen == []


def test_a_rebalance_that_does_not_settle_is_a_conflict(seen):
    response = follower(RebalanceNeededException("rebalance expected")).delete("/connectors/gen")
    assert response.status_code == 409 and "stale configuration" in response.json()["message"]


def test_an_unreachable_target_is_a_server_error_naming_it(seen):
    response = follower(NotLeaderException("Only the leader can delete", "http://down.example:1")).delete(
        "/connectors/gen"
    )
    assert response.status_code == 500 and "forward" in response.json()["message"]


def test_query_parameters_and_body_travel_unchanged(seen):
    class Writer(FakeHerder):
        def put_connector_config(self, *args: Any, **kwargs: Any) -> Any:
            raise NotLeaderException("Only the leader can set connector configs", LEADER)

    client = TestClient(create_app(Writer()), raise_server_exceptions=False)
    body = {"connector.class": "datagen", "kafka.topic": "t"}
    assert client.put("/connectors/gen/config", json=body).status_code == 201
    assert seen[0].method == "PUT" and seen[0].read() == b'{"connector.class":"datagen","kafka.topic":"t"}'
