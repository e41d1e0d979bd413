"""InternalClient: the requests one worker of the cluster sends another over its REST API.

A connector's owner hands the leader new task configs (`POST /connectors/{name}/tasks`); an
exactly-once source task asks the leader to fence zombies (`PUT /connectors/{name}/fence`).
Requests are signed with the session key under the `sessioned` protocol, and carry the REST
API's own credentials when it requires them.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx
import orjson

from connect.config.providers import resolve
from connect.errors import ConnectException
from connect.runtime.distributed.config import DistributedConfig
from connect.runtime.distributed.session import sign
from connect.storage.configs.kafka import SessionKey

TIMEOUT = 60.0


def _credentials(config: DistributedConfig) -> dict[str, str]:
    """An Authorization header from the worker's own REST credentials (the cluster shares them)."""
    worker = config.worker
    if worker.rest_auth_bearer_tokens is not None:
        tokens = str(resolve({"t": worker.rest_auth_bearer_tokens.value})["t"])
        return {"Authorization": f"Bearer {tokens.split(',')[0].strip()}"}
    if worker.rest_auth_basic_users is not None:
        users = str(resolve({"u": worker.rest_auth_basic_users.value})["u"])
        pair = users.split(",")[0].strip()
        return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}
    return {}


class InternalClient:
    def __init__(self, config: DistributedConfig, session_key: Callable[[], SessionKey | None]) -> None:
        self._config = config
        self._session_key = session_key
        self._headers = _credentials(config)
        self._http = httpx.Client(timeout=TIMEOUT)

    def close(self) -> None:
        self._http.close()

    def put_task_configs(self, url: str, connector: str, configs: list[dict[str, Any]]) -> None:
        self._request("POST", url, f"/connectors/{quote(connector, safe='')}/tasks", orjson.dumps(configs))

    def fence(self, url: str, connector: str) -> None:
        self._request("PUT", url, f"/connectors/{quote(connector, safe='')}/fence", b"")

    def _request(self, method: str, url: str, path: str, body: bytes) -> None:
        headers = dict(self._headers)
        if body:
            headers["Content-Type"] = "application/json"
        key = self._session_key()
        if self._config.protocol.version >= 2 and key is not None:
            headers.update(sign(key, self._config.signature_algorithm, body))
        try:
            response = self._http.request(method, url.rstrip("/") + path, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise ConnectException(f"{method} {path} to {url} failed: {exc}") from exc
        if response.status_code >= 300:
            try:
                message = response.json().get("message", response.text)
            except ValueError:
                message = response.text
            raise ConnectException(f"{method} {path} to {url} answered {response.status_code}: {message}")
