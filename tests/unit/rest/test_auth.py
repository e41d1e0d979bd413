"""Optional basic/bearer authentication: off by default; when on, everything but /health needs credentials."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from connect.errors import ConfigException
from connect.runtime.worker_config import WorkerConfig
from rest.app import create_app
from tests.unit.rest.fake_herder import FakeHerder

PROPS = {"rest.auth.basic.users": "alice:s3cret:with:colons, bob:pw", "rest.auth.bearer.tokens": "tok-1,tok-2"}


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture
def secured() -> TestClient:
    return TestClient(create_app(FakeHerder(), WorkerConfig.parse(PROPS)))


def every_endpoint(client: TestClient) -> list[tuple[str, str]]:
    out = []
    for template, operations in client.app.openapi()["paths"].items():  # type: ignore[attr-defined]
        path = (
            template.replace("{connector}", "c")
            .replace("{task}", "0")
            .replace("{plugin}", "p")
            .replace("{logger}", "root")
        )
        out += [(method.upper(), path) for method in operations]
    return [*out, ("GET", "/docs"), ("GET", "/openapi.json"), ("GET", "/no/such/route")]


def test_auth_is_off_by_default(client: TestClient):
    assert client.get("/connectors").status_code == 200


def test_every_endpoint_but_health_needs_credentials(secured: TestClient):
    endpoints = every_endpoint(secured)
    assert len(endpoints) > 25
    for method, path in endpoints:
        r = secured.request(method, path)
        if path == "/health":
            assert r.status_code == 200
            continue
        assert r.status_code == 401, (method, path)
        assert r.json()["error_code"] == 401
        assert r.headers["www-authenticate"] == 'Basic realm="connect", Bearer realm="connect"'


@pytest.mark.parametrize(
    "headers",
    [
        basic("alice", "s3cret:with:colons"),
        basic("bob", "pw"),
        {"Authorization": "Bearer tok-2"},
        {"Authorization": "bearer  tok-1"},
    ],
)
def test_valid_credentials_pass(secured: TestClient, headers: dict[str, str]):
    assert secured.get("/connectors", headers=headers).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        basic("alice", "wrong"),
        basic("mallory", "pw"),
        basic("bob", ""),
        {"Authorization": "Basic !!notbase64"},
        {"Authorization": "Bearer tok-3"},
        {"Authorization": "Digest x"},
        {"Authorization": "Bearer"},
    ],
)
def test_invalid_credentials_are_401(secured: TestClient, headers: dict[str, str]):
    assert secured.get("/connectors", headers=headers).status_code == 401


def test_bearer_only_challenges_bearer_and_refuses_basic():
    client = TestClient(create_app(FakeHerder(), WorkerConfig.parse({"rest.auth.bearer.tokens": "t"})))
    r = client.get("/connectors", headers=basic("t", "t"))
    assert r.status_code == 401 and r.headers["www-authenticate"] == 'Bearer realm="connect"'


def test_users_from_a_config_provider(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    secrets = tmp_path / "secrets.properties"
    secrets.write_text("users=carol:fromfile\n")
    monkeypatch.setenv("SLUICE_TEST_TOKEN", "from-env")
    client = TestClient(
        create_app(
            FakeHerder(),
            WorkerConfig.parse(
                {
                    "rest.auth.basic.users": f"${{file:{secrets}:users}}",
                    "rest.auth.bearer.tokens": "${env:SLUICE_TEST_TOKEN}",
                }
            ),
        )
    )
    assert client.get("/connectors", headers=basic("carol", "fromfile")).status_code == 200
    assert client.get("/connectors", headers={"Authorization": "Bearer from-env"}).status_code == 200
    assert client.get("/connectors", headers={"Authorization": "Bearer ${env:SLUICE_TEST_TOKEN}"}).status_code == 401


def test_malformed_users_setting_is_a_config_error_without_the_secret():
    with pytest.raises(ConfigException, match=r"rest\.auth\.basic\.users") as err:
        create_app(FakeHerder(), WorkerConfig.parse({"rest.auth.basic.users": "alice-without-password"}))
    assert "alice-without-password" not in str(err.value)


def test_openapi_declares_the_schemes(secured: TestClient):
    spec = secured.get("/openapi.json", headers=basic("bob", "pw")).json()
    assert spec["components"]["securitySchemes"] == {
        "basic": {"type": "http", "scheme": "basic"},
        "bearer": {"type": "http", "scheme": "bearer"},
    }
    assert "401" in spec["paths"]["/connectors"]["get"]["responses"]
    assert "security" not in spec["paths"]["/health"]["get"]
