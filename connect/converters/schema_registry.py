"""A small client of the Confluent Schema Registry REST API (as Confluent's registry and Apicurio's ccompat serve it).

Only what the Avro converter needs: register, look up, latest version, versions, schema by id,
compatibility level. Failures come back as two exceptions: `RegistryError` when the registry
answered with an error (its HTTP status, error code and message), `RegistryUnreachable` when no
URL answered at all. Credentials never appear in messages: URLs are shown without user info.
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import httpx
import orjson

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
TIMEOUT = httpx.Timeout(30.0, connect=10.0)


class RegistryError(Exception):
    """The registry answered with an error status."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(f"{message} (HTTP {status}, error code {code})")
        self.status = status
        self.code = code
        self.message = message


class RegistryUnreachable(Exception):
    """No registry URL could be reached (connection refused, timeout, TLS handshake failure...)."""


@dataclass(frozen=True, slots=True)
class Registered:
    """A schema as the registry holds it under a subject."""

    id: int
    text: str
    version: int | None = None


def masked_url(url: str) -> str:
    """The URL without its user info (user:password@), for messages and logs."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    netloc = f"{host}:{parts.port}" if parts.port is not None else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    parts = urlsplit(url)
    if parts.username is None:
        return url.rstrip("/"), None
    return masked_url(url).rstrip("/"), (parts.username, parts.password or "")


class SchemaRegistry:
    """One HTTP client for a registry reachable at one or more URLs (tried in order when one is down)."""

    def __init__(
        self,
        urls: Sequence[str],
        *,
        user_info: tuple[str, str] | None = None,
        use_url_credentials: bool = True,
        verify: ssl.SSLContext | bool = True,
        timeout: httpx.Timeout = TIMEOUT,
    ) -> None:
        if not urls:
            raise ValueError("at least one registry URL is needed")
        self._urls: list[str] = []
        auth = user_info
        for url in urls:
            plain, credentials = _split_credentials(url)
            if urlsplit(plain).scheme not in ("http", "https") or not urlsplit(plain).hostname:
                raise ValueError(f"Not an http(s) URL: {masked_url(url)}")
            self._urls.append(plain)
            if use_url_credentials and credentials is not None and auth is None:
                auth = credentials
        self._client = httpx.Client(
            auth=httpx.BasicAuth(*auth) if auth is not None else None,
            verify=verify,
            timeout=timeout,
            headers={"Accept": CONTENT_TYPE},
        )

    @property
    def urls(self) -> list[str]:
        return list(self._urls)

    def close(self) -> None:
        self._client.close()

    # -- the API ------------------------------------------------------------------------------
    def register(self, subject: str, schema: str) -> int:
        """Register `schema` (Avro JSON text) under `subject`; the schema's global id."""
        return int(self._call("POST", f"/subjects/{_path(subject)}/versions", {"schema": schema})["id"])

    def lookup(self, subject: str, schema: str) -> Registered:
        """The registered schema under `subject` equal to `schema` (404 when there is none)."""
        found = self._call("POST", f"/subjects/{_path(subject)}", {"schema": schema})
        return Registered(int(found["id"]), found.get("schema", schema), found.get("version"))

    def latest(self, subject: str) -> Registered:
        return self.version(subject, "latest")

    def version(self, subject: str, version: int | str) -> Registered:
        found = self._call("GET", f"/subjects/{_path(subject)}/versions/{version}")
        return Registered(int(found["id"]), found["schema"], found.get("version"))

    def versions(self, subject: str) -> list[int]:
        return [int(v) for v in self._call("GET", f"/subjects/{_path(subject)}/versions")]

    def schema(self, schema_id: int) -> str:
        """The schema text of a global id."""
        return self._call("GET", f"/schemas/ids/{schema_id}")["schema"]

    def compatibility(self, subject: str) -> str:
        """The subject's compatibility level, or the global one when the subject has none of its own."""
        try:
            found = self._call("GET", f"/config/{_path(subject)}", query={"defaultToGlobal": "true"})
        except RegistryError as exc:
            if exc.status != 404:
                raise
            found = self._call("GET", "/config")
        return str(found.get("compatibilityLevel") or found.get("compatibility") or "UNKNOWN")

    # -- transport ----------------------------------------------------------------------------
    def _call(self, method: str, path: str, body: Any = None, query: dict[str, str] | None = None) -> Any:
        content = orjson.dumps(body) if body is not None else None
        headers = {"Content-Type": CONTENT_TYPE} if content is not None else None
        problems = []
        for url in self._urls:
            for attempt in (1, 2):
                try:
                    response = self._client.request(method, url + path, content=content, headers=headers, params=query)
                except _STALE as exc:
                    if attempt == 1:
                        continue  # a kept-alive connection the server had closed: once more on a new one
                    problems.append(_problem(url, exc))
                except httpx.TransportError as exc:
                    problems.append(_problem(url, exc))
                    break
                else:
                    return _answer(response)
        raise RegistryUnreachable("; ".join(problems))


# Errors of a connection that was fine when last used; every call here may be repeated (registering a schema
# again gives its id again).
_STALE = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


def _problem(url: str, exc: Exception) -> str:
    return f"{url}: {type(exc).__name__}: {exc}" if str(exc) else f"{url}: {type(exc).__name__}"


def _path(subject: str) -> str:
    return quote(subject, safe="")


def _answer(response: httpx.Response) -> Any:
    try:
        data = orjson.loads(response.content) if response.content else None
    except orjson.JSONDecodeError:
        data = None
    if response.is_success and data is not None:
        return data
    if response.is_success:
        raise RegistryError(response.status_code, -1, "the registry answered with a body that is not JSON")
    if isinstance(data, dict) and data.get("message"):
        code = data.get("error_code")
        raise RegistryError(response.status_code, code if isinstance(code, int) else -1, str(data["message"]))
    raise RegistryError(response.status_code, -1, response.text[:200] or response.reason_phrase)
