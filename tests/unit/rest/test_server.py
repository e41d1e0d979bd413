"""RestServer: listeners, a clear error on a taken port, TLS, the advertised URL, stop."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from connect.errors import ConfigException, ConnectException
from connect.runtime.worker_config import WorkerConfig
from rest.server import RestServer, parse_listeners
from tests.unit.rest.fake_herder import FakeHerder


@pytest.fixture
def servers() -> Iterator[list[RestServer]]:
    started: list[RestServer] = []
    yield started
    for server in started:
        server.stop()


def start(servers: list[RestServer], props: dict[str, str]) -> RestServer:
    server = RestServer(FakeHerder(), WorkerConfig.parse(props))
    server.start()
    servers.append(server)
    return server


def test_serves_until_stopped(servers: list[RestServer]):
    server = start(servers, {"listeners": "http://127.0.0.1:0"})
    assert server.url.startswith("http://127.0.0.1:") and not server.url.endswith(":0")
    assert httpx.get(f"{server.url}/connectors").json() == []
    server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.url}/connectors", timeout=2)


def test_a_taken_port_is_a_clear_error(servers: list[RestServer]):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConnectException, match=f"127.0.0.1:{port} cannot bind: Address already in use"):
            RestServer(FakeHerder(), WorkerConfig.parse({"listeners": f"http://127.0.0.1:{port}"})).start()


def test_advertised_url_from_worker_props(servers: list[RestServer]):
    server = start(
        servers,
        {
            "listeners": "http://127.0.0.1:0",
            "rest.advertised.host.name": "connect-1.example",
            "rest.advertised.port": "8443",
            "rest.advertised.listener": "https",
        },
    )
    assert server.url == "https://connect-1.example:8443"


def test_listener_parsing():
    assert [(x.protocol, x.host, x.port) for x in parse_listeners(WorkerConfig.parse({}))] == [
        ("http", "0.0.0.0", 8083)
    ]
    both = parse_listeners(WorkerConfig.parse({"listeners": "http://:8083, https://[::1]:8443"}))
    assert [(x.protocol, x.host, x.port) for x in both] == [("http", "", 8083), ("https", "::1", 8443)]
    for bad in ("ftp://x:1", "http://host", "http://host:port"):
        with pytest.raises(ConfigException, match="listeners"):
            parse_listeners(WorkerConfig.parse({"listeners": bad}))


def test_https_without_a_certificate_is_a_config_error():
    with pytest.raises(ConfigException, match="certfile"):
        RestServer(FakeHerder(), WorkerConfig.parse({"listeners": "https://127.0.0.1:0"})).start()


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_https_listener_beside_http(servers: list[RestServer], certificate: tuple[Path, Path]):
    cert, key = certificate
    server = start(
        servers,
        {
            "listeners": "http://127.0.0.1:0,https://127.0.0.1:0",
            "rest.advertised.listener": "https",
            "listeners.https.ssl.certfile": str(cert),
            "listeners.https.ssl.keyfile": str(key),
        },
    )
    assert server.url.startswith("https://127.0.0.1:")
    context = ssl.create_default_context(cafile=str(cert))
    assert httpx.get(f"{server.url}/connectors", verify=context).json() == []
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.url}/connectors")  # the self-signed certificate is not trusted by default


def test_a_bad_certificate_is_reported_by_start(tmp_path: Path):
    (tmp_path / "cert.pem").write_text("not a certificate")
    with pytest.raises(ConnectException, match="cannot load its TLS certificate"):
        RestServer(
            FakeHerder(),
            WorkerConfig.parse(
                {"listeners": "https://127.0.0.1:0", "listeners.https.ssl.certfile": str(tmp_path / "cert.pem")}
            ),
        ).start()


def test_listening_socket_says_tcp_so_responses_are_not_delayed_by_nagle():
    # asyncio sets TCP_NODELAY only on accepted sockets whose proto is IPPROTO_TCP; with proto 0 every
    # response waited ~40 ms for a delayed ACK.
    from rest.server import Listener, _bind

    sock = _bind(Listener("http", "127.0.0.1", 0))
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()
