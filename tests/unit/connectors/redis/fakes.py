"""A fake Redis pipeline for unit tests: applies the sink's commands to dicts, as Redis would."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from redis.exceptions import ResponseError

from connectors.redis.client import TransientError


def _b(value: Any) -> bytes:
    """As Redis stores an argument: bytes, with numbers in decimal."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, bool):
        raise TypeError("redis-py refuses booleans")
    if isinstance(value, (int, float)):
        return repr(value).encode()
    if isinstance(value, str):
        return value.encode()
    raise TypeError(f"redis-py refuses {type(value).__name__}")


class FakeRedis:
    """Keys → (kind, data), TTLs, and the commands the sink sends; stream ids count up from 1."""

    def __init__(self) -> None:
        self.data: dict[bytes, tuple[str, Any]] = {}
        self.ttl: dict[bytes, int] = {}
        self.sent: list[tuple[Any, ...]] = []
        self._ids = iter(range(1, 1 << 30))

    def run(self, commands: list[tuple[Any, ...]]) -> list[Any]:
        results = []
        for command in commands:
            self.sent.append(command)
            try:
                results.append(self._one(command[0].upper(), *(_b(a) for a in command[1:])))
            except ResponseError as exc:
                results.append(exc)
        return results

    def _get(self, key: bytes, kind: str, empty: Any) -> Any:
        found = self.data.get(key)
        if found is None:
            self.data[key] = (kind, empty)
            return empty
        if found[0] != kind:
            raise ResponseError("WRONGTYPE Operation against a key holding the wrong kind of value")
        return found[1]

    def _one(self, name: str, *args: bytes) -> Any:
        if name == "DEL":
            self.ttl.pop(args[0], None)
            return int(self.data.pop(args[0], None) is not None)
        if name == "EXPIRE":
            if args[0] in self.data:
                self.ttl[args[0]] = int(args[1])
            return 1
        if name == "SET":
            self.data[args[0]] = ("string", args[1])
            self.ttl.pop(args[0], None)
            if len(args) == 4 and args[2] == b"EX":
                self.ttl[args[0]] = int(args[3])
            return True
        if name == "HSET":
            h = self._get(args[0], "hash", {})
            h.update(zip(args[1::2], args[2::2], strict=True))
            return len(args) // 2
        if name == "JSON.SET":
            self.data[args[0]] = ("json", args[2])
            return True
        if name == "XADD":
            rest = list(args[1:])
            if rest[0] == b"MAXLEN":
                rest = rest[3:]
            assert rest[0] == b"*"
            s = self._get(args[0], "stream", [])
            s.append((next(self._ids), dict(zip(rest[1::2], rest[2::2], strict=True))))
            return b"id"
        if name in ("LPUSH", "RPUSH"):
            lst = self._get(args[0], "list", [])
            lst.insert(0, args[1]) if name == "LPUSH" else lst.append(args[1])
            return len(lst)
        if name == "LREM":
            lst = self._get(args[0], "list", [])
            lst[:] = [m for m in lst if m != args[2]]
            return 1
        if name in ("SADD", "SREM"):
            members = self._get(args[0], "set", set())
            members.add(args[1]) if name == "SADD" else members.discard(args[1])
            return 1
        if name in ("ZADD", "ZREM"):
            scores = self._get(args[0], "zset", {})
            if name == "ZADD":
                scores[args[2]] = float(args[1])
            else:
                scores.pop(args[1], None)
            return 1
        raise ResponseError(f"ERR unknown command '{name}'")

    def value(self, key: str) -> Any:
        found = self.data.get(key.encode())
        return None if found is None else found[1]

    def keys(self) -> set[str]:
        return {k.decode() for k, (_, v) in self.data.items() if v or v == b""}


class FakeClient:
    """Stands in for RedisClient: executes on a FakeRedis; `fail(n, error)` makes the next n writes fail."""

    def __init__(self) -> None:
        self.redis = FakeRedis()
        self.failures: Iterator[BaseException] = iter(())
        self.batches: list[tuple[list[tuple[Any, ...]], bool]] = []
        self.connected = 0
        self.closed = False
        self.connect_error: BaseException | None = None

    def fail(self, times: int, error: BaseException | None = None) -> None:
        self.failures = iter([error or TransientError("cannot reach Redis: Connection refused")] * times)

    def connect(self) -> None:
        self.connected += 1
        if self.connect_error is not None:
            raise self.connect_error

    def execute(self, commands: list[tuple[Any, ...]], transaction: bool) -> list[Any]:
        error = next(self.failures, None)
        if error is not None:
            raise error
        self.batches.append((commands, transaction))
        return self.redis.run(commands)

    def close(self) -> None:
        self.closed = True
