"""Records → Redis commands per `redis.type` (and `redis.mode`), collected into one pipelined batch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from connect.converters.json_values import schemaless_default
from connect.data import SinkRecord
from connect.data.envelope import read_change
from connect.errors import DataException
from connectors.redis.config import DataType, Mode, PushDirection, RedisSinkConfig
from connectors.redis.keys import KeyMaker, lookup, render_scalar

Command = tuple[Any, ...]
Handler = Callable[[list[Command], SinkRecord, Any], None]  # adds the commands of one record
_JSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_NAIVE_UTC | orjson.OPT_UTC_Z
_WRITE_OPS = frozenset(("c", "u", "r"))
_PLAIN = frozenset((str, bytes, int, float))  # passed to redis-py as they are


def to_json(value: Any) -> bytes:
    """JSON for a struct, map or array: decimals as exact numbers, bytes as base64, times in ISO-8601."""
    try:
        return orjson.dumps(value, default=schemaless_default, option=_JSON_OPTIONS)
    except TypeError as exc:
        raise DataException(f"the value cannot be written as JSON: {exc}") from None


def field_value(value: Any) -> Any:
    """A hash field or stream entry value: scalars as Redis strings, nested structs, maps and arrays as JSON."""
    if isinstance(value, (dict, list, tuple)):
        return to_json(value)
    return render_scalar(value)


def flatten(row: Any, what: str) -> list[Any]:
    """A struct or map as `field, value, field, value, ...`; null fields are left out (Redis has no null)."""
    if not isinstance(row, dict):
        raise DataException(
            f"{what} needs a struct or map value, not a {type(row).__name__} (use redis.type=STRING for other values)"
        )
    args: list[Any] = []
    for name, value in row.items():
        if value is None:
            continue
        args.append(name)
        args.append(value if type(value) in _PLAIN else field_value(value))
    return args


@dataclass(slots=True)
class Batch:
    """The commands of a batch of records; `ends[i]` is the end (exclusive) of record i's commands."""

    commands: list[Command] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    invalid: list[tuple[SinkRecord, DataException]] = field(default_factory=list)


class CommandBuilder:
    """Turns sink records into Redis commands per the task's settings (one instance per task)."""

    def __init__(self, config: RedisSinkConfig) -> None:
        self._keys = KeyMaker(config)
        self._ttl = config.ttl
        self._type = config.data_type
        self._list_push = "LPUSH" if config.push_direction is PushDirection.LEFT else "RPUSH"
        self._score_path = config.score_field.split(".") if config.score_field else None
        self._trim: tuple[Any, ...] = ("MAXLEN", "~", config.stream_maxlen) if config.stream_maxlen else ()
        writers: dict[DataType, Handler] = {
            DataType.STRING: self._string,
            DataType.HASH: self._hash,
            DataType.JSON: self._json,
            DataType.STREAM: self._stream,
            DataType.LIST: self._list,
            DataType.SET: self._set,
            DataType.ZSET: self._zset,
        }
        removers: dict[DataType, Handler] = {
            DataType.STRING: self._delete,
            DataType.HASH: self._delete,
            DataType.JSON: self._delete,
            DataType.STREAM: self._nothing,
            DataType.LIST: self._list_remove,
            DataType.SET: self._set_remove,
            DataType.ZSET: self._zset_remove,
        }
        self._write: Handler
        self._remove: Handler
        if config.mode is Mode.INVALIDATE:
            self._write = self._remove = self._delete
        else:
            self._write, self._remove = writers[self._type], removers[self._type]

    def build(self, records: list[SinkRecord]) -> Batch:
        """The batch's commands, in record order; records that cannot be converted are set aside in `invalid`."""
        batch = Batch()
        commands, ends = batch.commands, batch.ends
        for record in records:
            try:
                self.add(commands, record)
            except DataException as exc:
                del commands[ends[-1] if ends else 0 :]  # drop what the record had added before it failed
                batch.invalid.append((record, exc))
            ends.append(len(commands))
        return batch

    def add(self, commands: list[Command], record: SinkRecord) -> None:
        """Append the commands of one record. Raises DataException for a record that cannot be written."""
        value = record.value
        if value is None:  # a tombstone
            self._remove(commands, record, None)
            return
        change = read_change(record)
        if change is None:
            self._write(commands, record, value)
        elif change.op in _WRITE_OPS:
            if change.after is not None:
                self._write(commands, record, change.after)
        elif change.op == "d":
            self._remove(commands, record, change.before)
        # truncate ('t') and message ('m') events change no key

    # -- one key per record ------------------------------------------------------------------
    def _expire(self, commands: list[Command], key: Any) -> None:
        if self._ttl:
            commands.append(("EXPIRE", key, self._ttl))

    def _delete(self, commands: list[Command], record: SinkRecord, row: Any) -> None:
        commands.append(("DEL", self._keys.key(record, row)))

    def _string(self, commands: list[Command], record: SinkRecord, row: Any) -> None:
        key = self._keys.key(record, row)
        if self._ttl:
            commands.append(("SET", key, field_value(row), "EX", self._ttl))
        else:
            commands.append(("SET", key, field_value(row)))

    def _hash(self, commands: list[Command], record: SinkRecord, row: Any) -> None:
        # DEL first: the hash becomes exactly this row (fields that are gone or now null disappear), so
        # writing the same record again, or replaying a batch, ends in the same state.
        fields = flatten(row, "redis.type=HASH")
        key = self._keys.key(record, row)
        commands.append(("DEL", key))
        if fields:
            commands.append(("HSET", key, *fields))
            self._expire(commands, key)

    def _json(self, commands: list[Command], record: SinkRecord, row: Any) -> None:
        key = self._keys.key(record, row)
        # Strings and bytes are taken to be JSON text already (as Redis Inc.'s connector does).
        commands.append(("JSON.SET", key, "$", row if isinstance(row, (str, bytes)) else to_json(row)))
        self._expire(commands, key)

    # -- collections -------------------------------------------------------------------------
    def _nothing(self, commands: list[Command], record: SinkRecord, row: Any) -> None:
        """A stream keeps history: a delete appends nothing (unwrap with delete.handling.mode=rewrite to keep it)."""

    def _stream(self, commands: list[Command], record: SinkRecord, row: Any) -> None:
        key = self._keys.collection(record, row)
        fields = flatten(row, "redis.type=STREAM") if isinstance(row, dict) else ["value", field_value(row)]
        if not fields:
            raise DataException("every field of the value is null: a stream entry needs at least one field")
        commands.append(("XADD", key, *self._trim, "*", *fields))
        self._expire(commands, key)

    def _member(self, record: SinkRecord, row: Any) -> Any:
        return self._keys.identity(record, row)

    def _list(self, commands: list[Command], record: SinkRecord, row: Any) -> None:
        key, member = self._keys.collection(record, row), self._member(record, row)
        commands.append(("LREM", key, 0, member))  # each member once: a replay moves it instead of adding it twice
        commands.append((self._list_push, key, member))
        self._expire(commands, key)

    def _list_remove(self, commands: list[Command], record: SinkRecord, row: Any) -> None:
        commands.append(("LREM", self._keys.collection(record, row), 0, self._member(record, row)))

    def _set(self, commands: list[Command], record: SinkRecord, row: Any) -> None:
        key = self._keys.collection(record, row)
        commands.append(("SADD", key, self._member(record, row)))
        self._expire(commands, key)

    def _set_remove(self, commands: list[Command], record: SinkRecord, row: Any) -> None:
        commands.append(("SREM", self._keys.collection(record, row), self._member(record, row)))

    def _zset(self, commands: list[Command], record: SinkRecord, row: Any) -> None:
        key = self._keys.collection(record, row)
        commands.append(("ZADD", key, self._score(row), self._member(record, row)))
        self._expire(commands, key)

    def _zset_remove(self, commands: list[Command], record: SinkRecord, row: Any) -> None:
        commands.append(("ZREM", self._keys.collection(record, row), self._member(record, row)))

    def _score(self, row: Any) -> float:
        if self._score_path is None:
            value, what = row, "the value (set redis.score.field to score by a field)"
        else:
            value, what = lookup(row, self._score_path), f"redis.score.field {'.'.join(self._score_path)!r}"
        if value is None:
            raise DataException(f"{what} is missing or null, so the record has no score")
        try:
            if isinstance(value, (bool, dict, list)):
                raise TypeError
            return float(value)
        except (TypeError, ValueError):
            raise DataException(f"{what} is not a number: {str(value)[:60]!r}") from None
