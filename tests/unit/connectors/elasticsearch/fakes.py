"""A fake Elasticsearch `_bulk` endpoint for the sink's unit tests: external versions, upserts, scripted failures."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import orjson

from connect.errors import RetriableException


class FakeEs:
    """Applies bulk bodies to an in-memory store the way Elasticsearch does, for the cases the sink relies on."""

    def __init__(self) -> None:
        self.docs: dict[tuple[str, str], dict[str, Any]] = {}
        self.versions: dict[tuple[str, str], int] = {}
        self.indexes: dict[str, dict[str, Any] | None] = {}
        self.requests: list[list[tuple[str, dict[str, Any]]]] = []
        self.down = 0  # the next `down` requests fail as if the cluster were unreachable
        self.item_status: Callable[[str, dict[str, Any], dict[str, Any] | None], int | None] = lambda *a: None
        self.gate: threading.Event | None = None  # when set up, requests wait for it
        self.lock = threading.Lock()

    def bulk(self, body: bytes) -> list[dict[str, Any]]:
        if self.gate is not None:
            assert self.gate.wait(10), "test gate never opened"
        with self.lock:
            if self.down:
                self.down -= 1
                raise RetriableException("Elasticsearch unreachable: connection refused")
            lines = [orjson.loads(line) for line in body.splitlines() if line]
            ops, i = [], 0
            while i < len(lines):
                ((op, meta),) = lines[i].items()
                source = lines[i + 1] if op in ("index", "update", "create") else None
                i += 2 if source is not None else 1
                ops.append((op, meta, source))
            self.requests.append([(op, meta) for op, meta, _ in ops])
            return [{op: self._apply(op, meta, source)} for op, meta, source in ops]

    def _apply(self, op: str, meta: dict[str, Any], source: dict[str, Any] | None) -> dict[str, Any]:
        forced = self.item_status(op, meta, source)
        if forced is not None:
            kind = {400: "mapper_parsing_exception", 403: "cluster_block_exception"}.get(
                forced, "es_rejected_execution_exception"
            )
            error = {"type": kind, "reason": f"forced {forced}"}
            return {"status": forced, "error": error}
        key = (meta["_index"], meta["_id"])
        if meta.get("version_type") == "external":
            if meta["version"] <= self.versions.get(key, -1):
                return {"status": 409, "error": {"type": "version_conflict_engine_exception", "reason": "older"}}
            self.versions[key] = meta["version"]
        if op == "delete":
            return {"status": 200 if self.docs.pop(key, None) is not None else 404}
        if op == "update":
            assert source is not None and source.get("doc_as_upsert") is True
            self.docs[key] = {**self.docs.get(key, {}), **source["doc"]}
            return {"status": 200}
        assert source is not None
        self.docs[key] = source
        return {"status": 201}

    def ensure_index(self, name: str, mappings: dict[str, Any] | None) -> bool:
        if name in self.indexes:
            return False
        self.indexes[name] = mappings
        return True

    def healthy(self) -> bool:
        return True

    def close(self) -> None:
        pass


def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.005)
