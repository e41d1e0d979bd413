"""An in-process stand-in for the few Schema Registry REST endpoints the converters use.

POST /subjects/{s}/versions (register), POST /subjects/{s} (look up), GET /subjects/{s}/versions[/{n}|latest],
GET /schemas/ids/{id}, GET /config[/{s}]; ids are global per distinct schema text, as in Confluent's registry.
`fail_with` makes every POST answer that status (GETs still answer, so a refusal can be explained).
"""

from __future__ import annotations

import base64
import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlparse


class FakeRegistry:
    def __init__(self, user_info: str | None = None, fail_with: int | None = None) -> None:
        self.ids: dict[str, int] = {}  # schema text -> id
        self.subjects: dict[str, list[int]] = {}  # subject -> ids by version
        self.requests: list[tuple[str, str]] = []
        self.user_info = user_info
        self.fail_with = fail_with
        self.levels: dict[str, str] = {}  # subject -> compatibility level
        self.global_level = "BACKWARD"
        self.url = ""

    def text(self, schema_id: int) -> str:
        return next(text for text, i in self.ids.items() if i == schema_id)

    def register(self, subject: str, text: str) -> int:
        schema_id = self.ids.setdefault(text, len(self.ids) + 1)
        versions = self.subjects.setdefault(subject, [])
        if schema_id not in versions:
            versions.append(schema_id)
        return schema_id

    def handle(self, method: str, path: str, body: dict | None, auth: str | None) -> tuple[int, dict]:
        self.requests.append((method, path))
        if self.user_info is not None and auth != "Basic " + base64.b64encode(self.user_info.encode()).decode():
            return 401, {"error_code": 401, "message": "Unauthorized"}
        if self.fail_with is not None and method == "POST":
            return self.fail_with, {"error_code": self.fail_with * 100, "message": "failing on purpose"}
        parts = [unquote(p) for p in urlparse(path).path.strip("/").split("/")]
        if method == "POST" and len(parts) == 3 and parts[0] == "subjects" and parts[2] == "versions":
            assert body is not None
            return 200, {"id": self.register(parts[1], body["schema"])}
        if method == "POST" and len(parts) == 2 and parts[0] == "subjects":
            assert body is not None
            schema_id = self.ids.get(body["schema"])
            if schema_id is None or schema_id not in self.subjects.get(parts[1], []):
                return 404, {"error_code": 40403, "message": "Schema not found"}
            version = self.subjects[parts[1]].index(schema_id) + 1
            return 200, {"subject": parts[1], "id": schema_id, "version": version, "schema": body["schema"]}
        if method == "GET" and parts[:1] == ["subjects"] and parts[2:3] == ["versions"]:
            versions = self.subjects.get(parts[1])
            if not versions:
                return 404, {"error_code": 40401, "message": f"Subject '{parts[1]}' not found."}
            if len(parts) == 3:
                return 200, list(range(1, len(versions) + 1))
            n = len(versions) if parts[3] == "latest" else int(parts[3])
            return 200, {"subject": parts[1], "id": versions[n - 1], "version": n, "schema": self.text(versions[n - 1])}
        if method == "GET" and parts[0] == "config":
            level = self.levels.get(parts[1], self.global_level) if len(parts) == 2 else self.global_level
            return 200, {"compatibilityLevel": level}
        if method == "GET" and parts[:2] == ["schemas", "ids"]:
            schema_id = int(parts[2])
            if schema_id not in self.ids.values():
                return 404, {"error_code": 40403, "message": "Schema not found"}
            return 200, {"schema": self.text(schema_id)}
        return 404, {"error_code": 404, "message": f"no route {method} {path}"}


@contextmanager
def serving(registry: FakeRegistry, tls: ssl.SSLContext | None = None) -> Iterator[FakeRegistry]:
    """Serve `registry` on a free port (over TLS with `tls`, a server context); its URL is set meanwhile."""

    class Handler(BaseHTTPRequestHandler):
        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            status, payload = registry.handle(method, self.path, body, self.headers.get("Authorization"))
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    registry.url = f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}"
    try:
        yield registry
    finally:
        server.shutdown()
        server.server_close()
