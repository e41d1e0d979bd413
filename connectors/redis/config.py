"""The keys of the Redis sink: Redis Inc.'s redis-kafka-connect names where they exist, the issue's otherwise."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from connect.config import ConfigDef, Importance, Range, Type, ValidString
from connect.config.definition import Password
from connect.errors import ConfigException
from connect.secrets import mask_text

CONNECTION = "Connection"
DATA = "Data"
TOPIC_TOKEN = "${topic}"


class DataType(StrEnum):
    STRING = "STRING"
    HASH = "HASH"
    JSON = "JSON"
    STREAM = "STREAM"
    LIST = "LIST"
    SET = "SET"
    ZSET = "ZSET"

    @property
    def is_collection(self) -> bool:
        """Collections hold many records under one key (the prefix or template); the record key is a member."""
        return self in (DataType.STREAM, DataType.LIST, DataType.SET, DataType.ZSET)


class Mode(StrEnum):
    WRITE = "write"
    INVALIDATE = "invalidate"


class PushDirection(StrEnum):
    LEFT = "LEFT"
    RIGHT = "RIGHT"


# Redis Inc.'s newer `redis.command` names, as what they mean here.
COMMANDS: dict[str, tuple[DataType, PushDirection | None, Mode]] = {
    "SET": (DataType.STRING, None, Mode.WRITE),
    "HSET": (DataType.HASH, None, Mode.WRITE),
    "JSONSET": (DataType.JSON, None, Mode.WRITE),
    "XADD": (DataType.STREAM, None, Mode.WRITE),
    "LPUSH": (DataType.LIST, PushDirection.LEFT, Mode.WRITE),
    "RPUSH": (DataType.LIST, PushDirection.RIGHT, Mode.WRITE),
    "SADD": (DataType.SET, None, Mode.WRITE),
    "ZADD": (DataType.ZSET, None, Mode.WRITE),
    "DEL": (DataType.STRING, None, Mode.INVALIDATE),
}
_TYPE_ALIASES = {"SORTED_SET": DataType.ZSET, "SORTEDSET": DataType.ZSET, "SORTED SET": DataType.ZSET}
URI_SCHEMES = ("redis", "rediss", "unix")


def _valid_uri(name: str, value: Any) -> None:
    shown = mask_text(str(value))
    try:
        parts = urlsplit(str(value))
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError as exc:
        raise ConfigException(name, shown, f"not a valid URI: {str(exc).replace(str(value), shown)}") from None
    if parts.scheme not in URI_SCHEMES:
        raise ConfigException(
            name, shown, "expected a redis://, rediss:// or unix:// URI, e.g. redis://:password@host:6379/0"
        )
    if parts.scheme != "unix" and not parts.hostname:
        raise ConfigException(name, shown, "the URI names no host")
    db = parts.path.strip("/")
    if parts.scheme != "unix" and db and not db.isdigit():
        raise ConfigException(name, shown, f"the database in the URI path must be a number, not {db!r}")


REDIS_CONFIG = (
    ConfigDef()
    .define(
        "redis.uri",
        Type.STRING,
        "redis://localhost:6379",
        Importance.HIGH,
        "The Redis server: `redis://[[user]:password@]host[:port][/database]`, `rediss://` for TLS, or "
        "`unix:///path/to/socket`. With a Redis Cluster give any node.",
        validator=_valid_uri,
        group=CONNECTION,
    )
    .define(
        "redis.username",
        Type.STRING,
        None,
        Importance.MEDIUM,
        "ACL user; overrides a user in `redis.uri`.",
        group=CONNECTION,
    )
    .define(
        "redis.password",
        Type.PASSWORD,
        None,
        Importance.MEDIUM,
        "Password; overrides a password in `redis.uri`.",
        group=CONNECTION,
    )
    .define(
        "redis.cluster",
        Type.BOOLEAN,
        False,
        Importance.MEDIUM,
        "Talk to a Redis Cluster (keys routed to the node owning their slot). The sink also switches to "
        "cluster mode by itself when the server reports `cluster_enabled:1`.",
        group=CONNECTION,
    )
    .define(
        "redis.timeout",
        Type.LONG,
        10,
        Importance.LOW,
        "Seconds to wait for a connection or a reply before the attempt counts as failed.",
        validator=Range.at_least(1),
        group=CONNECTION,
    )
    .define(
        "redis.insecure",
        Type.BOOLEAN,
        False,
        Importance.LOW,
        "With `rediss://`: accept a server certificate that cannot be verified.",
        group=CONNECTION,
    )
    .define(
        "redis.cacert",
        Type.STRING,
        None,
        Importance.LOW,
        "With `rediss://`: a PEM file of CA certificates to verify the server with.",
        group=CONNECTION,
    )
    .define(
        "redis.type",
        Type.STRING,
        DataType.STREAM.value,
        Importance.HIGH,
        "What each record becomes: `STRING` (SET the value: structs and maps as JSON, strings and bytes as "
        "they are), `HASH` (one field per struct/map field, nested values as JSON, null fields left out; the "
        "hash is replaced as a whole), `JSON` (JSON.SET; needs the RedisJSON module), `STREAM` (XADD the "
        "fields to the stream named by the prefix), `LIST`, `SET` (the record key as a member of the list "
        "or set named by the prefix) or `ZSET` (a sorted-set member, scored by `redis.score.field`). The "
        "default is Redis Inc.'s connector's.",
        validator=ValidString.in_(*(t.value for t in DataType), *_TYPE_ALIASES),
        group=DATA,
    )
    .define(
        "redis.command",
        Type.STRING,
        None,
        Importance.LOW,
        "Redis Inc.'s newer name for the data type, as a command: `SET`, `HSET`, `JSONSET`, `XADD`, "
        "`LPUSH`, `RPUSH`, `SADD`, `ZADD`, or `DEL` (the same as `redis.mode=invalidate`). When set it wins "
        "over `redis.type`, `redis.push.direction` and `redis.mode`.",
        validator=ValidString.in_(*COMMANDS),
        group=DATA,
    )
    .define(
        "redis.mode",
        Type.STRING,
        Mode.WRITE.value,
        Importance.MEDIUM,
        "`write` keeps Redis in sync with the records; `invalidate` turns every record (insert, update, "
        "delete or tombstone) into a DEL of its key, for caches that an application fills on a miss.",
        validator=ValidString.in_(*(m.value for m in Mode)),
        group=DATA,
    )
    .define(
        "redis.key.prefix",
        Type.STRING,
        TOPIC_TOKEN,
        Importance.HIGH,
        "The start of every key, where `${topic}` stands for the record's topic. For STRING, HASH and JSON "
        "the key is prefix + separator + the record key; an empty prefix leaves the record key alone. For "
        "STREAM, LIST, SET and ZSET the prefix is the key of the collection.",
        group=DATA,
    )
    .define(
        "redis.key",
        Type.STRING,
        None,
        Importance.LOW,
        "Redis Inc.'s name for `redis.key.prefix`; used when `redis.key.prefix` is not given.",
        group=DATA,
    )
    .define(
        "redis.separator",
        Type.STRING,
        ":",
        Importance.MEDIUM,
        "Put between the prefix and the record key, and between the fields of a record key with several fields.",
        group=DATA,
    )
    .define(
        "redis.key.field",
        Type.STRING,
        None,
        Importance.MEDIUM,
        "Take the key's last part from this field of the value (of the row image, for change events) "
        "instead of the record key; a record without a value (a tombstone) uses the field of its key.",
        group=DATA,
    )
    .define(
        "redis.key.template",
        Type.STRING,
        None,
        Importance.MEDIUM,
        "The whole key as a template, e.g. `order:{id}` or `${topic}:{tenant}:{id}`: each `{field}` (dotted "
        "for nested fields) is filled from the value (the row image, for change events) or else from the "
        "record key. For collection types it names the collection, so records can fan out, e.g. "
        "`customer:{customer_id}:orders` with `redis.type=SET`.",
        group=DATA,
    )
    .define(
        "redis.key.ttl",
        Type.LONG,
        0,
        Importance.MEDIUM,
        "Seconds each written key lives (SET EX, or EXPIRE in the same pipeline); 0 keeps keys forever.",
        validator=Range.at_least(0),
        group=DATA,
    )
    .define(
        "redis.push.direction",
        Type.STRING,
        PushDirection.LEFT.value,
        Importance.LOW,
        "LIST: `LEFT` pushes members to the head (LPUSH), `RIGHT` to the tail (RPUSH). A member already in "
        "the list is removed first, so each appears once and replays converge.",
        validator=ValidString.in_(*(d.value for d in PushDirection)),
        group=DATA,
    )
    .define(
        "redis.score.field",
        Type.STRING,
        None,
        Importance.MEDIUM,
        "ZSET: the value field holding the score. Without it the value itself must be a number.",
        group=DATA,
    )
    .define(
        "redis.stream.maxlen",
        Type.LONG,
        0,
        Importance.LOW,
        "STREAM: trim the stream to about this many entries on every XADD (`MAXLEN ~`); 0 never trims.",
        validator=Range.at_least(0),
        group=DATA,
    )
    .define(
        "redis.multiexec",
        Type.BOOLEAN,
        False,
        Importance.MEDIUM,
        "Write each batch in a MULTI/EXEC transaction: readers see all of a batch or none of it (and never a "
        "hash between its DEL and HSET). Not available with a Redis Cluster.",
        group=DATA,
    )
)


def _data_type(raw: str) -> DataType:
    upper = raw.strip().upper()
    return _TYPE_ALIASES.get(upper) or DataType(upper)


@dataclass(frozen=True, slots=True)
class RedisSinkConfig:
    """Parsed settings of one sink task."""

    uri: str
    username: str | None
    password: str | None
    cluster: bool
    timeout_s: int
    insecure: bool
    cacert: str | None
    data_type: DataType
    mode: Mode
    prefix: str
    separator: str
    key_field: str | None
    key_template: str | None
    ttl: int
    push_direction: PushDirection
    score_field: str | None
    stream_maxlen: int
    multiexec: bool

    @classmethod
    def parse(cls, props: Mapping[str, Any]) -> RedisSinkConfig:
        p = REDIS_CONFIG.parse(props)
        data_type, direction, mode = (
            _data_type(p["redis.type"]),
            PushDirection(p["redis.push.direction"].upper()),
            Mode(p["redis.mode"].lower()),
        )
        if p["redis.command"]:
            data_type, command_direction, mode = COMMANDS[p["redis.command"].upper()]
            direction = command_direction or direction
        prefix = p["redis.key.prefix"] if "redis.key.prefix" in props or p["redis.key"] is None else p["redis.key"]
        password = p["redis.password"]
        config = cls(
            uri=p["redis.uri"],
            username=p["redis.username"] or None,
            password=password.value if isinstance(password, Password) else None,
            cluster=p["redis.cluster"],
            timeout_s=p["redis.timeout"],
            insecure=p["redis.insecure"],
            cacert=p["redis.cacert"] or None,
            data_type=data_type,
            mode=mode,
            prefix=prefix,
            separator=p["redis.separator"],
            key_field=p["redis.key.field"] or None,
            key_template=p["redis.key.template"] or None,
            ttl=p["redis.key.ttl"],
            push_direction=direction,
            score_field=p["redis.score.field"] or None,
            stream_maxlen=p["redis.stream.maxlen"],
            multiexec=p["redis.multiexec"],
        )
        config._check()
        return config

    def _check(self) -> None:
        """Cross-key rules, each naming the key to change."""
        if self.key_field and self.key_template:
            raise ConfigException(
                "redis.key.template", self.key_template, "set either redis.key.template or redis.key.field, not both"
            )
        writes_collection = self.mode is Mode.WRITE and self.data_type.is_collection
        if writes_collection and not self.key_template and not self.prefix:
            raise ConfigException(
                "redis.key.prefix",
                self.prefix,
                f"redis.type={self.data_type} needs a prefix (or redis.key.template) to name the collection",
            )
        if self.multiexec and self.cluster:
            raise ConfigException(
                "redis.multiexec",
                True,
                "MULTI/EXEC is not available with a Redis Cluster "
                "(a batch spans hash slots); set redis.multiexec=false",
            )

    @property
    def where(self) -> str:
        """The server, for messages (no credentials)."""
        parts = urlsplit(self.uri)
        return parts.path if parts.scheme == "unix" else f"{parts.hostname}:{parts.port or 6379}"
