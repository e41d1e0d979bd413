"""Optional HTTP basic and bearer-token authentication, configured in the worker properties.

    rest.auth.basic.users=alice:secret,bob:${file:/etc/connect/secrets.properties:bob}
    rest.auth.bearer.tokens=${env:CONNECT_REST_TOKEN}

Off when neither key is set. When on, every request but `GET /health` needs valid
credentials, else 401 with a `WWW-Authenticate` challenge.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from connect.config.providers import resolve
from connect.errors import ConfigException
from connect.runtime.worker_config import WorkerConfig
from connect.secrets import remember
from rest.middleware import send_error

BASIC_USERS = "rest.auth.basic.users"
BEARER_TOKENS = "rest.auth.bearer.tokens"
REALM = "connect"
OPEN_PATHS = frozenset({"/health"})


@dataclass(frozen=True, slots=True)
class Credentials:
    """Who may call the API: user → password pairs and bearer tokens."""

    users: dict[str, str]
    tokens: tuple[str, ...]

    @property
    def enabled(self) -> bool:
        return bool(self.users or self.tokens)

    @classmethod
    def from_worker_config(cls, config: WorkerConfig) -> Credentials:
        given = {BASIC_USERS: config.rest_auth_basic_users, BEARER_TOKENS: config.rest_auth_bearer_tokens}
        raw = {k: v.value for k, v in given.items() if v is not None}
        resolved = resolve(raw)  # `${file:...}` / `${env:...}` references
        users: dict[str, str] = {}
        for entry in _items(resolved.get(BASIC_USERS, "")):
            user, sep, password = entry.partition(":")
            if not sep or not user.strip() or not password:
                raise ConfigException(BASIC_USERS, "[hidden]", "expected comma-separated user:password pairs")
            users[user.strip()] = password
        tokens = tuple(_items(resolved.get(BEARER_TOKENS, "")))
        remember(*users.values(), *tokens)  # masked in any log line that would quote them
        return cls(users, tokens)

    def basic_ok(self, header_value: str) -> bool:
        try:
            decoded = base64.b64decode(header_value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        user, sep, password = decoded.partition(":")
        # Compare even for unknown users so timing does not reveal which user names exist.
        matches = hmac.compare_digest(password.encode(), self.users.get(user, "").encode())
        return bool(sep) and user in self.users and matches

    def bearer_ok(self, token: str) -> bool:
        return any(hmac.compare_digest(token.encode(), t.encode()) for t in self.tokens)

    def accepts(self, authorization: str) -> bool:
        scheme, _, value = authorization.strip().partition(" ")
        scheme = scheme.lower()
        if scheme == "basic" and self.users:
            return self.basic_ok(value.strip())
        if scheme == "bearer" and self.tokens:
            return self.bearer_ok(value.strip())
        return False

    def challenge(self) -> str:
        schemes = []
        if self.users:
            schemes.append(f'Basic realm="{REALM}"')
        if self.tokens:
            schemes.append(f'Bearer realm="{REALM}"')
        return ", ".join(schemes)


def _items(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


class AuthMiddleware:
    """Answers 401 to any request without valid credentials, except the open paths."""

    def __init__(self, app: ASGIApp, credentials: Credentials) -> None:
        self.app = app
        self.credentials = credentials

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        authorization = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"authorization"), "")
        if authorization and self.credentials.accepts(authorization):
            await self.app(scope, receive, send)
            return
        await send_error(
            send,
            401,
            "Authentication required: send valid HTTP basic credentials or a bearer token.",
            [(b"www-authenticate", self.credentials.challenge().encode())],
        )
