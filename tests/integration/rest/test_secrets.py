"""No secret leaves the worker: a session that puts secrets in URLs, in declared passwords, in secret-looking
keys and behind a config provider finds none of them in any response body or header, log line, status trace
or metric, whatever it asks and whatever fails.

One connector quotes its URL and password in the exception its task fails with; others carry secrets in
keys only their names mark as secret; some requests are invalid so the errors echo the values.
"""

from __future__ import annotations

import logging

import httpx
import pytest

from tests.support import plugins

URL_PASSWORD = "url-pw-7f3a9c"
ENV_SECRET = "env-secret-6a19f0"  # behind ${env:...}: the resolved value only the task sees
AWS_SECRET = "aws-secret-91c4e2"
JAAS_PASSWORD = "jaas-pw-44d1aa"
TOKEN = "api-token-0e77b3"
PASSWD = "passwd-value-2c8d"
REST_PASSWORD = "rest-pw-93ab10"
REST_TOKEN = "rest-token-d5e611"
SECRETS = [URL_PASSWORD, ENV_SECRET, AWS_SECRET, JAAS_PASSWORD, TOKEN, PASSWD, REST_PASSWORD, REST_TOKEN]


def test_no_secret_in_any_response_header_log_line_or_metric(
    rest_worker, unique_name: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("SLUICE_TEST_SECRET", ENV_SECRET)
    worker = rest_worker(
        plugins.fake_registry(),
        **{
            "key.converter": "PlainJson",
            "value.converter": "PlainJson",
            "rest.auth.basic.users": f"alice:{REST_PASSWORD}",
            "rest.auth.bearer.tokens": REST_TOKEN,
        },
    )
    responses: list[httpx.Response] = []
    client = httpx.Client(
        base_url=worker.url,
        auth=("alice", REST_PASSWORD),
        timeout=30,
        event_hooks={"response": [lambda r: r.read() and None, responses.append]},
    )
    careless, counting = f"{unique_name}-careless", f"{unique_name}-counting"
    url = f"http://app:{URL_PASSWORD}@127.0.0.1:1/db"
    careless_config = {
        "connector.class": "careless",
        "connection.url": url,
        "connection.password": "${env:SLUICE_TEST_SECRET}",
    }
    counting_config = {
        "connector.class": "counting",
        "topic": unique_name,
        "count": "5",
        "aws.secret.access.key": AWS_SECRET,
        "source.sasl.jaas.config": f'PlainLoginModule required username="u" password="{JAAS_PASSWORD}";',
        "api.token": TOKEN,
        "db.passwd": PASSWD,
        "source.url": url,
    }

    # invalid first: errors echo values
    for plugin, config in (("careless", careless_config), ("counting", counting_config)):
        client.put(f"/connector-plugins/{plugin}/config/validate", json={**config, "tasks.max": url})
        client.post("/connectors", json={"name": unique_name, "config": {**config, "tasks.max": url}})
        client.put(f"/connectors/{unique_name}/config", json={**config, "name": url})
    client.post("/connectors", json={"name": unique_name, "config": {"connector.class": url}})

    assert client.post("/connectors", json={"name": careless, "config": careless_config}).status_code == 201
    assert client.post("/connectors", json={"name": counting, "config": counting_config}).status_code == 201
    failed = _wait_for_task(client, careless, "FAILED")
    assert "[hidden]" in failed["trace"]  # the trace is there, masked
    _wait_for_task(client, counting, "RUNNING")

    for name in (careless, counting):
        for path in ("", "/config", "/status", "/tasks", "/tasks/0/status", "/topics", "/offsets"):
            client.get(f"/connectors/{name}{path}")
        client.post(f"/connectors/{name}/restart", params={"includeTasks": "true"})
        shown = client.get(f"/connectors/{name}/config").json()
        client.put(f"/connectors/{name}/config", json=shown)  # a masked config written back keeps its secrets
        client.patch(f"/connectors/{name}/config", json={"comment": "x"})
    client.get("/connectors", params=[("expand", "status"), ("expand", "info")])
    for path in ("/", "/health", "/metrics", "/connector-plugins?connectorsOnly=false", "/admin/loggers"):
        client.get(path)
    httpx.get(f"{worker.url}/connectors", auth=("alice", "wrong"))  # a 401: its challenge header
    httpx.get(f"{worker.url}/connectors", headers={"Authorization": f"Bearer {REST_TOKEN}"})
    # the secrets written back masked are still the ones the task uses: it fails quoting them again
    _wait_for_task(client, careless, "FAILED")
    assert client.get(f"/connectors/{counting}/config").json()["aws.secret.access.key"] == "[hidden]"

    seen = [r.text for r in responses] + [f"{k}: {v}" for r in responses for k, v in r.headers.items()]
    seen += [caplog.text, *(r.getMessage() for r in caplog.records)]
    assert len(responses) > 40 and "cannot log in to http://app:[hidden]@127.0.0.1:1/db" in caplog.text
    leaks = [(secret, text[:300]) for text in seen for secret in SECRETS if secret in text]
    assert not leaks, leaks


def _wait_for_task(client: httpx.Client, name: str, state: str) -> dict:
    from tests.support.kafka import wait_until

    found: dict = {}

    def reached() -> bool:
        tasks = client.get(f"/connectors/{name}/status").json()["tasks"]
        found.update(tasks[0] if tasks else {})
        return bool(tasks) and tasks[0]["state"] == state

    wait_until(reached, message=f"{name} task {state}")
    return found
