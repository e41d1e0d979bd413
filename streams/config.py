"""The streams application's config keys, declared once: they parse, validate and document themselves.

Names follow Kafka Streams (`application.id`, `processing.guarantee`, `commit.interval.ms`, `state.dir`, ...).
Keys prefixed `consumer.` / `producer.` / `admin.` go to that librdkafka client unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from connect.config import NO_DEFAULT, ConfigDef, Importance, NonEmptyString, Range, Type, ValidString

AT_LEAST_ONCE = "at_least_once"
EXACTLY_ONCE = "exactly_once_v2"

STREAMS_CONFIG = (
    ConfigDef()
    .define(
        "application.id",
        Type.STRING,
        NO_DEFAULT,
        Importance.HIGH,
        "Names the consumer group, the prefix of every internal topic (`<application.id>-<store>-changelog`, "
        "`<application.id>-<name>-repartition`) and the folder of local state under `state.dir`. Instances "
        "with the same id share the work.",
        validator=NonEmptyString,
    )
    .define(
        "bootstrap.servers",
        Type.STRING,
        NO_DEFAULT,
        Importance.HIGH,
        "Kafka brokers to connect to, `host:port[,host:port...]`.",
        validator=NonEmptyString,
    )
    .define(
        "processing.guarantee",
        Type.STRING,
        AT_LEAST_ONCE,
        Importance.MEDIUM,
        "`at_least_once`: after a crash some records are processed again (counts can only be too high). "
        "`exactly_once_v2` (or `exactly_once`): outputs, changelog writes and input offsets commit in one "
        "Kafka transaction, so each record's effects appear once.",
        validator=ValidString.in_(AT_LEAST_ONCE, EXACTLY_ONCE, "exactly_once"),
    )
    .define(
        "commit.interval.ms",
        Type.LONG,
        None,
        Importance.MEDIUM,
        "How often offsets, state and outputs are committed. Default 30000 under at_least_once and 100 "
        "under exactly_once_v2, as Kafka Streams.",
        validator=Range.at_least(1),
    )
    .define(
        "state.dir",
        Type.STRING,
        "/tmp/sluice-streams",
        Importance.MEDIUM,
        "Folder for RocksDB stores, checkpoint files and the process id, under `<state.dir>/<application.id>`. "
        "Two instances on one machine need two folders.",
        validator=NonEmptyString,
    )
    .define(
        "statestore.cache.max.records",
        Type.INT,
        10000,
        Importance.LOW,
        "Entries each store's record cache keeps. Writes are buffered there until the next commit, so each "
        "key is written to the store and its changelog once per commit; a full cache commits early.",
        validator=Range.at_least(1),
    )
    .define(
        "max.poll.records",
        Type.INT,
        1000,
        Importance.LOW,
        "Records taken from the consumer per loop iteration.",
        validator=Range.at_least(1),
    )
    .define(
        "poll.ms",
        Type.LONG,
        100,
        Importance.LOW,
        "How long one poll waits for records when none are buffered.",
        validator=Range.at_least(0),
    )
    .define(
        "replication.factor",
        Type.INT,
        -1,
        Importance.LOW,
        "Replication factor of the internal topics; -1 takes the broker's default.",
    )
    .define(
        "partitioner",
        Type.STRING,
        "murmur2_random",
        Importance.MEDIUM,
        "How keyed records find their partition in repartition, subscription and output topics. The default "
        "is Java's (murmur2), so topics written by Kafka Connect, Debezium or Java producers stay "
        "co-partitioned with ours; use `consistent_random` for topics written with librdkafka's default.",
        validator=ValidString.in_("murmur2_random", "murmur2", "consistent_random", "consistent", "fnv1a_random"),
    )
    .define(
        "errors.tolerance",
        Type.STRING,
        "none",
        Importance.MEDIUM,
        "`none`: a record that fails to deserialize or to process stops the application with the error. "
        "`all`: it is logged, counted, handed to the error hook and written to the dead-letter topic when "
        "one is set, and processing goes on.",
        validator=ValidString.in_("none", "all"),
    )
    .define(
        "errors.deadletterqueue.topic.name",
        Type.STRING,
        "",
        Importance.MEDIUM,
        "Topic that receives each rejected record (original key and value bytes) with `__streams.errors.*` "
        "headers naming the exception, its message and the record's topic, partition and offset (KIP-1034).",
    )
    .define(
        "transaction.timeout.ms",
        Type.INT,
        10000,
        Importance.LOW,
        "Under exactly_once_v2: how long the broker waits before aborting the open transaction of a dead "
        "instance that does not come back (one that restarts aborts it at once).",
        validator=Range.at_least(1000),
    )
)

Guarantee = Literal["at_least_once", "exactly_once_v2"]


@dataclass(frozen=True)
class StreamsConfig:
    """The parsed config, typed; build it with `StreamsConfig.parse(props)`."""

    application_id: str
    bootstrap_servers: str
    guarantee: Guarantee
    commit_interval_ms: int
    state_dir: str
    cache_max_records: int
    max_poll_records: int
    poll_ms: int
    replication_factor: int
    partitioner: str
    errors_tolerance: str
    dlq_topic: str
    transaction_timeout_ms: int
    consumer: dict[str, Any] = field(default_factory=dict)
    producer: dict[str, Any] = field(default_factory=dict)
    admin: dict[str, Any] = field(default_factory=dict)

    @property
    def exactly_once(self) -> bool:
        return self.guarantee == EXACTLY_ONCE

    @classmethod
    def parse(cls, props: Mapping[str, Any]) -> StreamsConfig:
        p = STREAMS_CONFIG.parse(props)
        guarantee = EXACTLY_ONCE if p["processing.guarantee"].startswith("exactly_once") else AT_LEAST_ONCE
        interval = p["commit.interval.ms"]
        if interval is None:
            interval = 100 if guarantee == EXACTLY_ONCE else 30000
        return cls(
            application_id=p["application.id"],
            bootstrap_servers=p["bootstrap.servers"],
            guarantee=guarantee,  # type: ignore[arg-type]
            commit_interval_ms=int(interval),
            state_dir=p["state.dir"],
            cache_max_records=p["statestore.cache.max.records"],
            max_poll_records=p["max.poll.records"],
            poll_ms=p["poll.ms"],
            replication_factor=p["replication.factor"],
            partitioner=p["partitioner"],
            errors_tolerance=p["errors.tolerance"],
            dlq_topic=p["errors.deadletterqueue.topic.name"] or "",
            transaction_timeout_ms=p["transaction.timeout.ms"],
            consumer=_prefixed(props, "consumer."),
            producer=_prefixed(props, "producer."),
            admin=_prefixed(props, "admin."),
        )


def _prefixed(props: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    return {k[len(prefix) :]: v for k, v in props.items() if k.startswith(prefix)}
