"""Error bodies: Kafka Connect's `{"error_code", "message"}` for every failure, never a stack trace."""

from __future__ import annotations

from fastapi.testclient import TestClient

from connect.errors import ConnectException
from tests.unit.rest.fake_herder import FakeHerder


def test_unknown_route_is_404(client: TestClient):
    r = client.get("/no/such/thing")
    assert r.status_code == 404 and r.json()["error_code"] == 404


def test_wrong_method_is_405_with_allow(client: TestClient):
    r = client.post("/connectors/x/status")
    assert r.status_code == 405 and r.json()["error_code"] == 405 and r.headers["allow"] == "GET, HEAD"


def test_malformed_json_is_400(client: TestClient):
    r = client.post("/connectors", content=b'{"name": ', headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json() == {"error_code": 400, "message": "request body is not valid JSON"}


def test_unexpected_failure_is_a_generic_500_and_logged(client: TestClient, herder: FakeHerder, caplog):
    herder.fail_with = KeyError("internal detail")
    r = client.get("/connectors")
    assert r.status_code == 500
    assert r.json() == {"error_code": 500, "message": "Internal server error; see the worker log for details."}
    assert "internal detail" not in r.text and "Traceback" not in r.text
    assert any("GET /connectors failed unexpectedly" in rec.getMessage() and rec.exc_info for rec in caplog.records)


def test_connect_exception_keeps_its_message(client: TestClient, herder: FakeHerder):
    herder.fail_with = ConnectException("Kafka is unreachable")
    r = client.get("/connectors")
    assert r.status_code == 500 and r.json() == {"error_code": 500, "message": "Kafka is unreachable"}


def test_openapi_documents_400_errors_not_422(client: TestClient):
    spec = client.get("/openapi.json").json()
    post = spec["paths"]["/connectors"]["post"]["responses"]
    assert "422" not in post and post["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorMessage"
    }
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert spec["paths"]["/connectors/{connector}/pause"]["put"]["responses"].keys() >= {"202", "404"}


def test_a_body_that_is_not_json_is_415(client: TestClient):
    # curl -d without -H 'Content-Type: application/json' sends a form
    r = client.post(
        "/connectors",
        content=b'{"name": "x", "config": {}}',
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 415 and r.json()["error_code"] == 415 and "application/json" in r.json()["message"]


def test_a_body_of_the_wrong_shape_is_400(client: TestClient):
    assert client.put("/connectors/x/config", json=["a"]).json() == {
        "error_code": 400,
        "message": "request body: Input should be a valid dictionary",
    }
    assert client.put("/connectors/x/config").json() == {
        "error_code": 400,
        "message": "missing request body: expected a JSON object",
    }
