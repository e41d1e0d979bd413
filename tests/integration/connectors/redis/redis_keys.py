"""Test key spaces in the real Redis, read back and deleted at the end; private redis-servers for cluster and auth."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Self

import redis

from connect.data import SinkRecord
from connect.spi import SinkTask
from connectors.redis.sink import RedisSinkTask
from tests.support.sink_context import ListReporter, SinkContext


class KeySpace:
    """The keys below one test's unique prefix: a snapshot of their contents, deleted on exit."""

    def __init__(self, url: str, prefix: str) -> None:
        self.r = redis.Redis.from_url(url)
        self.prefix = prefix

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(redis.RedisError):
            self.clear()
        self.r.close()

    def clear(self) -> None:
        names = self.names()
        if names:
            self.r.delete(*names)

    def names(self) -> list[bytes]:
        return sorted(self.r.scan_iter(match=f"{self.prefix}*", count=1000))

    def read(self, key: bytes | str) -> Any:
        """A key's contents as Python values (stream entries without their ids)."""
        kind = self.r.type(key)
        if kind == b"string":
            return self.r.get(key)
        if kind == b"hash":
            return self.r.hgetall(key)
        if kind == b"list":
            return self.r.lrange(key, 0, -1)
        if kind == b"set":
            return self.r.smembers(key)
        if kind == b"zset":
            return dict(self.r.zrange(key, 0, -1, withscores=True))
        if kind == b"stream":
            return [fields for _id, fields in self.r.xrange(key)]
        if kind == b"ReJSON-RL":
            return self.r.execute_command("JSON.GET", key)
        return None

    def snapshot(self) -> dict[bytes, Any]:
        return {k: self.read(k) for k in self.names()}


def started_task(props: dict[str, Any], reporter: ListReporter | None = None) -> RedisSinkTask:
    task = RedisSinkTask()
    task.initialize(SinkContext(set(), reporter))
    task.start(props)
    return task


def put(task: SinkTask, records: list[SinkRecord]) -> None:
    task.put(records)
    task.pre_commit({})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def redis_server(folder: Path, *args: str) -> Iterator[int]:
    """A private redis-server (the one scripts/services installs) on a free port; stopped on exit."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (scripts/services up redis installs it)")
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "redis.log"
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(folder),
            "--save",
            "",
            "--appendonly",
            "no",
            "--logfile",
            str(log),
            *args,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    said = log.read_text()[-500:] if log.exists() else ""
                    raise RuntimeError(f"redis-server {' '.join(args)} did not start: {said}") from None
                time.sleep(0.05)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)
