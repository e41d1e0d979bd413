"""The keys of the Elasticsearch sink (Confluent's Elasticsearch sink names and defaults)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from connect.config import NO_DEFAULT, ConfigDef, Importance, Range, Type, ValidString
from connect.config.definition import Password
from connect.errors import ConfigException

CONNECTOR = "Connector"
CONVERSION = "Data Conversion"


class WriteMethod(StrEnum):
    INSERT = "insert"
    UPSERT = "upsert"


class NullValues(StrEnum):
    IGNORE = "ignore"
    DELETE = "delete"
    FAIL = "fail"


class MalformedDocs(StrEnum):
    IGNORE = "ignore"
    WARN = "warn"
    FAIL = "fail"


def _choice(kind: type[StrEnum]) -> ValidString:
    return ValidString.in_(*(m.value for m in kind))


def normalize_url(url: str) -> str:
    """`host:port` → `http://host:port`, as Confluent's sink reads a URL without a scheme."""
    url = url.strip()
    return url if "://" in url else f"http://{url}"


def _valid_urls(name: str, value: Any) -> None:
    urls = [u for u in (str(v).strip() for v in value or ()) if u]
    if not urls:
        raise ConfigException(name, value, "At least one Elasticsearch URL is required")
    for url in urls:
        try:
            parts = urlsplit(normalize_url(url))
            parts.port  # noqa: B018 - raises ValueError on a port that is not a number
        except ValueError as exc:
            raise ConfigException(name, value, f"{url!r} is not a valid URL: {exc}") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigException(name, value, f"{url!r} is not an http:// or https:// URL with a host")


ES_CONFIG = (
    ConfigDef()
    .define(
        "connection.url",
        Type.LIST,
        NO_DEFAULT,
        Importance.HIGH,
        "Comma-separated Elasticsearch URLs, e.g. `http://es1:9200,http://es2:9200`; requests are spread over "
        "them and a node that fails is avoided for a while. A URL without a scheme is taken as `http`.",
        validator=_valid_urls,
        group=CONNECTOR,
    )
    .define(
        "connection.username",
        Type.STRING,
        None,
        Importance.MEDIUM,
        "User for HTTP basic authentication; used only when the password is set too.",
        group=CONNECTOR,
    )
    .define(
        "connection.password",
        Type.PASSWORD,
        None,
        Importance.MEDIUM,
        "Password for HTTP basic authentication; used only when the username is set too.",
        group=CONNECTOR,
    )
    .define(
        "batch.size",
        Type.INT,
        2000,
        Importance.MEDIUM,
        "Most actions in one `_bulk` request.",
        validator=Range.between(1, 1_000_000),
        group=CONNECTOR,
    )
    .define(
        "max.in.flight.requests",
        Type.INT,
        5,
        Importance.MEDIUM,
        "Bulk requests sent at the same time. Writes to one document id are never in two requests at once, "
        "so they stay in Kafka order.",
        validator=Range.between(1, 64),
        group=CONNECTOR,
    )
    .define(
        "max.buffered.records",
        Type.INT,
        20000,
        Importance.LOW,
        "Records put but not yet written before the task pauses the partitions they come from (a partition "
        "with nothing waiting goes on); it resumes them once half of that is written. This bounds the task's "
        "memory while Elasticsearch is slow or down.",
        validator=Range.at_least(1),
        group=CONNECTOR,
    )
    .define(
        "linger.ms",
        Type.LONG,
        1,
        Importance.LOW,
        "How long a bulk request that is not full waits for more records before it is sent.",
        validator=Range.between(0, 604_800_000),
        group=CONNECTOR,
    )
    .define(
        "flush.timeout.ms",
        Type.LONG,
        180_000,
        Importance.LOW,
        "How long `flush` waits for every buffered record to be written; the task fails when it is exceeded.",
        validator=Range.at_least(1),
        group=CONNECTOR,
    )
    .define(
        "max.retries",
        Type.INT,
        5,
        Importance.LOW,
        "Retries of a bulk request (or of its items) that failed for a transient reason: no connection, "
        "timeout, 429 or 5xx. When they are exhausted `put` raises a retriable error, the worker backs off "
        "and offers the records again, and the writer keeps retrying in the background: nothing is dropped.",
        validator=Range.at_least(0),
        group=CONNECTOR,
    )
    .define(
        "retry.backoff.ms",
        Type.LONG,
        100,
        Importance.LOW,
        "Wait before the first retry of a failed bulk request; each further retry waits up to twice as long "
        "(with jitter), at most 5 s, as the worker's outage rule.",
        validator=Range.at_least(0),
        group=CONNECTOR,
    )
    .define(
        "connection.compression",
        Type.BOOLEAN,
        False,
        Importance.LOW,
        "Gzip request bodies (Elasticsearch must allow `http.compression`, which it does by default).",
        group=CONNECTOR,
    )
    .define(
        "connection.timeout.ms",
        Type.INT,
        1000,
        Importance.LOW,
        "How long to wait for a TCP connection to a node.",
        validator=Range.at_least(1),
        group=CONNECTOR,
    )
    .define(
        "read.timeout.ms",
        Type.INT,
        3000,
        Importance.LOW,
        "How long to wait for a response; a request that times out is retried.",
        validator=Range.at_least(1),
        group=CONNECTOR,
    )
    .define(
        "key.ignore",
        Type.BOOLEAN,
        False,
        Importance.HIGH,
        "true: the document id is `topic+partition+offset` and no external version is set; false: the id "
        "is the record key (strings as they are, numbers in decimal, a single-field struct as its field, "
        "other structs and maps as JSON with sorted keys).",
        group=CONVERSION,
    )
    .define(
        "topic.key.ignore",
        Type.LIST,
        "",
        Importance.LOW,
        "Topics for which `key.ignore` is true whatever its value.",
        group=CONVERSION,
    )
    .define(
        "schema.ignore",
        Type.BOOLEAN,
        False,
        Importance.LOW,
        "true: indexes are created without a mapping (Elasticsearch maps fields dynamically, or from your "
        "index templates); false: an index missing when its first record arrives is created with a mapping "
        "derived from the record's value schema. Existing indexes are never changed.",
        group=CONVERSION,
    )
    .define(
        "topic.schema.ignore",
        Type.LIST,
        "",
        Importance.LOW,
        "Topics for which `schema.ignore` is true whatever its value.",
        group=CONVERSION,
    )
    .define(
        "write.method",
        Type.STRING,
        WriteMethod.INSERT.value,
        Importance.LOW,
        "`insert`: each record replaces the whole document, with `version_type=external` and the Kafka "
        "offset as the version, so an older or replayed record never overwrites a newer one. `upsert`: "
        "each record updates only the fields it holds (`doc_as_upsert`); Elasticsearch allows no external "
        "version on updates, so order is kept by never having two writes to one id in flight.",
        validator=_choice(WriteMethod),
        group=CONVERSION,
    )
    .define(
        "behavior.on.null.values",
        Type.STRING,
        NullValues.FAIL.value,
        Importance.LOW,
        "What a record with a null value (a tombstone) does: `ignore` skips it, `delete` deletes the "
        "document with the record key's id, `fail` hands it to the error handling (dead-letter topic or "
        "task failure, per `errors.tolerance`).",
        validator=_choice(NullValues),
        group=CONVERSION,
    )
    .define(
        "behavior.on.malformed.documents",
        Type.STRING,
        MalformedDocs.FAIL.value,
        Importance.LOW,
        "What a document Elasticsearch rejects as malformed (mapping conflict, unparsable field, bad id) "
        "does: `ignore` skips it, `warn` logs and skips it, `fail` hands it to the error handling "
        "(dead-letter topic or task failure, per `errors.tolerance`). The rest of the batch is written.",
        validator=_choice(MalformedDocs),
        group=CONVERSION,
    )
    .define(
        "drop.invalid.message",
        Type.BOOLEAN,
        False,
        Importance.LOW,
        "true: a record that cannot be turned into a document (no key, a key that cannot be an id, a value "
        "that is not a struct or map) is logged and dropped; false: it goes to the error handling.",
        group=CONVERSION,
    )
)


@dataclass(frozen=True, slots=True)
class EsSinkConfig:
    """Parsed settings of one sink task."""

    hosts: tuple[str, ...]
    username: str | None
    password: str | None
    batch_size: int
    max_in_flight: int
    max_buffered: int
    linger_ms: int
    flush_timeout_ms: int
    max_retries: int
    retry_backoff_ms: int
    compression: bool
    connect_timeout_ms: int
    read_timeout_ms: int
    key_ignore: bool
    key_ignore_topics: frozenset[str]
    schema_ignore: bool
    schema_ignore_topics: frozenset[str]
    write_method: WriteMethod
    null_values: NullValues
    malformed: MalformedDocs
    drop_invalid: bool

    @classmethod
    def parse(cls, props: Mapping[str, Any]) -> EsSinkConfig:
        p = ES_CONFIG.parse(props)
        password = p["connection.password"]
        return cls(
            hosts=tuple(normalize_url(u) for u in p["connection.url"] if u.strip()),
            username=p["connection.username"] or None,
            password=password.value if isinstance(password, Password) else None,
            batch_size=p["batch.size"],
            max_in_flight=p["max.in.flight.requests"],
            max_buffered=p["max.buffered.records"],
            linger_ms=p["linger.ms"],
            flush_timeout_ms=p["flush.timeout.ms"],
            max_retries=p["max.retries"],
            retry_backoff_ms=p["retry.backoff.ms"],
            compression=p["connection.compression"],
            connect_timeout_ms=p["connection.timeout.ms"],
            read_timeout_ms=p["read.timeout.ms"],
            key_ignore=p["key.ignore"],
            key_ignore_topics=frozenset(t for t in p["topic.key.ignore"] if t),
            schema_ignore=p["schema.ignore"],
            schema_ignore_topics=frozenset(t for t in p["topic.schema.ignore"] if t),
            write_method=WriteMethod(p["write.method"].lower()),
            null_values=NullValues(p["behavior.on.null.values"].lower()),
            malformed=MalformedDocs(p["behavior.on.malformed.documents"].lower()),
            drop_invalid=p["drop.invalid.message"],
        )

    def ignores_key(self, topic: str) -> bool:
        return self.key_ignore or topic in self.key_ignore_topics

    def ignores_schema(self, topic: str) -> bool:
        return self.schema_ignore or topic in self.schema_ignore_topics
