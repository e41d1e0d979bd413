"""RestServer: serves the REST app with uvicorn on the worker's listeners, in background threads.

Worker properties (Kafka Connect's names where it has them):

    listeners=http://0.0.0.0:8083,https://0.0.0.0:8443   # port 0 picks a free port
    listeners.https.ssl.certfile=/etc/connect/server.pem # PEM certificate chain
    listeners.https.ssl.keyfile=/etc/connect/server.key  # PEM private key
    listeners.https.ssl.key.password=...                 # if the key is encrypted
    listeners.https.ssl.cafile=/etc/connect/ca.pem       # with ssl.client.auth=required: verify client certs
    listeners.https.ssl.client.auth=required             # none (default) | requested | required
    rest.advertised.listener=https                       # which listener's URL to advertise
    rest.advertised.host.name=connect-1.example.com
    rest.advertised.port=443

`ssl.*` keys without the `listeners.https.` prefix are used when the prefixed key is absent.
"""

from __future__ import annotations

import logging
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import uvicorn

from connect.config.providers import resolve
from connect.errors import ConfigException, ConnectException
from connect.runtime.herder import Herder
from connect.runtime.worker_config import TlsSettings, WorkerConfig
from rest.app import create_app

log = logging.getLogger(__name__)

_START_TIMEOUT = 15.0
_CLIENT_AUTH = {"none": ssl.CERT_NONE, "requested": ssl.CERT_OPTIONAL, "required": ssl.CERT_REQUIRED}


@dataclass(frozen=True, slots=True)
class Listener:
    protocol: str  # http | https
    host: str  # "" = every interface
    port: int

    @classmethod
    def parse(cls, text: str) -> Listener:
        try:
            parts = urlsplit(text.strip())
            port = parts.port
        except ValueError as exc:
            raise ConfigException("listeners", text, f"not a listener URL: {exc}") from None
        if parts.scheme not in ("http", "https") or port is None:
            raise ConfigException("listeners", text, "expected http://host:port or https://host:port")
        return cls(parts.scheme, parts.hostname or "", port)


def parse_listeners(config: WorkerConfig) -> list[Listener]:
    return [Listener.parse(item) for item in config.listeners]


def _ssl_options(tls: TlsSettings) -> dict[str, Any]:
    def resolved(key: str, value: str | None) -> str | None:
        return None if value is None else str(resolve({key: value})[key])

    certfile, keyfile = resolved("ssl.certfile", tls.certfile), resolved("ssl.keyfile", tls.keyfile)
    if not certfile:
        raise ConfigException("listeners.https.ssl.certfile", None, "an https listener needs a PEM certificate file")
    client_auth = (resolved("ssl.client.auth", tls.client_auth) or "none").lower()
    if client_auth not in _CLIENT_AUTH:
        raise ConfigException("listeners.https.ssl.client.auth", client_auth, "expected none, requested or required")
    password = None if tls.key_password is None else tls.key_password.value
    return {
        "ssl_certfile": certfile,
        "ssl_keyfile": keyfile,
        "ssl_keyfile_password": resolved("ssl.key.password", password),
        "ssl_ca_certs": resolved("ssl.cafile", tls.cafile),
        "ssl_cert_reqs": _CLIENT_AUTH[client_auth],
    }


def _bind(listener: Listener) -> socket.socket:
    host = listener.host or "0.0.0.0"
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio only sets TCP_NODELAY on accepted sockets whose proto says TCP; without it
    # Nagle's algorithm and delayed ACKs add ~40 ms to every response.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, listener.port))
    except OSError as exc:
        sock.close()
        raise ConnectException(
            f"REST listener {listener.protocol}://{host}:{listener.port} cannot bind: {exc.strerror or exc}"
        ) from None
    sock.set_inheritable(True)
    return sock


def _load(config: uvicorn.Config, listener: Listener) -> None:
    """Load the config here, so a bad certificate is reported by start() and not lost in a thread."""
    try:
        config.load()
    except (OSError, ssl.SSLError) as exc:
        raise ConnectException(
            f"REST listener {listener.protocol}://{listener.host}:{listener.port}: cannot load "
            f"its TLS certificate/key: {exc}"
        ) from None


class _Served:
    """One uvicorn server on one bound socket, run in its own thread."""

    def __init__(self, listener: Listener, sock: socket.socket, config: uvicorn.Config) -> None:
        self.listener = listener
        self.sock = sock
        self.port = sock.getsockname()[1]
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._run, name=f"rest-{listener.protocol}-{self.port}", daemon=True)
        self.error: BaseException | None = None

    def _run(self) -> None:
        try:
            self.server.run(sockets=[self.sock])
        except BaseException as exc:  # reported by start()
            self.error = exc

    def start(self, deadline: float) -> None:
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                reason = self.error or "it did not start in time"
                raise ConnectException(f"REST listener on port {self.port} failed: {reason}")
            time.sleep(0.01)

    def stop(self, timeout: float) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)
        self.sock.close()


class RestServer:
    """The REST API of one worker: `start()` returns once every listener accepts connections."""

    def __init__(self, herder: Herder, config: WorkerConfig) -> None:
        self.config = config
        self.listeners = parse_listeners(config)
        self.app = create_app(herder, config)
        self._served: list[_Served] = []

    def start(self) -> None:
        deadline = time.monotonic() + _START_TIMEOUT
        try:
            for listener in self.listeners:
                options = _ssl_options(self.config.tls) if listener.protocol == "https" else {}
                config = uvicorn.Config(
                    self.app, log_config=None, access_log=True, lifespan="off", timeout_graceful_shutdown=5, **options
                )
                _load(config, listener)
                served = _Served(listener, _bind(listener), config)
                self._served.append(served)
                served.start(deadline)
        except BaseException:
            self.stop()
            raise
        log.info(
            "REST API listening on %s",
            ", ".join(f"{s.listener.protocol}://{s.listener.host or '0.0.0.0'}:{s.port}" for s in self._served),
        )

    def stop(self) -> None:
        for served in self._served:
            served.stop(timeout=10)
        self._served = []

    @property
    def url(self) -> str:
        """The advertised URL (no trailing slash): `rest.advertised.*` over the listener actually bound."""
        wanted = self.config.rest_advertised_listener
        chosen = next((s for s in self._served if s.listener.protocol == wanted), None)
        chosen = chosen or (self._served[0] if self._served else None)
        listener = chosen.listener if chosen else self.listeners[0]
        protocol = str(wanted or listener.protocol)
        host = self.config.rest_advertised_host_name or listener.host
        if host in ("", "0.0.0.0", "::"):
            host = socket.gethostname()
        if ":" in host:
            host = f"[{host}]"
        port = self.config.rest_advertised_port or (chosen.port if chosen else listener.port)
        return f"{protocol}://{host}:{port}"
