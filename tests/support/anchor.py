"""The anchor of the differential tests: connectors created on the real Kafka Connect worker through its REST API."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import httpx


class AnchorWorker:
    """Creates, watches and deletes connectors on the Kafka Connect worker at `url` (scripts/services kafka-connect)."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self._client = httpx.Client(timeout=30)
        self.created: list[str] = []

    def create(self, name: str, config: Mapping[str, str]) -> None:
        response = self._client.post(f"{self.url}/connectors", json={"name": name, "config": dict(config)})
        if response.status_code not in (200, 201):
            raise AssertionError(f"the anchor refused connector {name}: {response.status_code} {response.text}")
        self.created.append(name)

    def status(self, name: str) -> dict[str, Any]:
        return self._client.get(f"{self.url}/connectors/{name}/status").json()

    def wait_running(self, name: str, timeout: float = 120.0) -> None:
        """Until the connector's task runs; a failed task raises with the anchor's own trace."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.status(name)
            tasks = status.get("tasks", [])
            for task in tasks:
                if task.get("state") == "FAILED":
                    raise AssertionError(f"the anchor's task of {name} failed:\n{task.get('trace', '')[:4000]}")
            if tasks and all(t.get("state") == "RUNNING" for t in tasks):
                return
            time.sleep(0.2)
        raise AssertionError(f"the anchor's connector {name} did not start: {self.status(name)}")

    def failed_trace(self, name: str) -> str | None:
        for task in self.status(name).get("tasks", []):
            if task.get("state") == "FAILED":
                return str(task.get("trace", ""))
        return None

    def delete(self, name: str) -> None:
        self._client.delete(f"{self.url}/connectors/{name}")

    def close(self) -> None:
        for name in self.created:
            self.delete(name)
        self._client.close()
