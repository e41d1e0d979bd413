"""Distributed worker configuration: Kafka Connect's distributed keys beside the common worker keys, parsed once.

`DistributedConfig.parse(props)` reads a `connect distributed` worker.properties: the common
keys (worker_config.py) and the group, storage-topic, rebalance and exactly-once keys here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connect.config import NO_DEFAULT, ConfigDef, Importance, Range, Type, ValidString
from connect.config.validators import NonEmptyString
from connect.errors import ConfigException
from connect.runtime.distributed.protocol import ConnectProtocol
from connect.runtime.worker_config import WorkerConfig

GROUP = "Distributed"
STORAGE = "Internal topics"


def _positive_or_broker_default(key: str, value: Any) -> None:
    if value is not None and value != -1 and value < 1:
        raise ConfigException(key, value, "must be at least 1, or -1 for the broker's default")


DISTRIBUTED_CONFIG = (
    ConfigDef()
    .define(
        "group.id",
        Type.STRING,
        NO_DEFAULT,
        Importance.HIGH,
        "The cluster this worker belongs to: workers with the same group id share connectors and tasks, "
        "coordinated by Kafka's group coordinator (Kafka Connect's protocol type `connect`).",
        validator=NonEmptyString,
        group=GROUP,
    )
    .define(
        "config.storage.topic",
        Type.STRING,
        NO_DEFAULT,
        Importance.HIGH,
        "The compacted, single-partition topic holding connector configs, task configs and target states "
        "(created when absent).",
        validator=NonEmptyString,
        group=STORAGE,
    )
    .define(
        "config.storage.replication.factor",
        Type.SHORT,
        3,
        Importance.LOW,
        "Replication factor of the config topic when it is created (-1: the broker's default; capped to the "
        "brokers available).",
        validator=_positive_or_broker_default,
        group=STORAGE,
    )
    .define(
        "offset.storage.topic",
        Type.STRING,
        NO_DEFAULT,
        Importance.HIGH,
        "The compacted topic holding source connectors' offsets (created when absent).",
        validator=NonEmptyString,
        group=STORAGE,
    )
    .define(
        "offset.storage.partitions",
        Type.INT,
        25,
        Importance.LOW,
        "Partitions of the offsets topic when it is created (-1: the broker's default).",
        validator=_positive_or_broker_default,
        group=STORAGE,
    )
    .define(
        "offset.storage.replication.factor",
        Type.SHORT,
        3,
        Importance.LOW,
        "Replication factor of the offsets topic when it is created.",
        validator=_positive_or_broker_default,
        group=STORAGE,
    )
    .define(
        "status.storage.topic",
        Type.STRING,
        NO_DEFAULT,
        Importance.HIGH,
        "The compacted topic holding connector and task statuses (created when absent).",
        validator=NonEmptyString,
        group=STORAGE,
    )
    .define(
        "status.storage.partitions",
        Type.INT,
        5,
        Importance.LOW,
        "Partitions of the status topic when it is created (-1: the broker's default).",
        validator=_positive_or_broker_default,
        group=STORAGE,
    )
    .define(
        "status.storage.replication.factor",
        Type.SHORT,
        3,
        Importance.LOW,
        "Replication factor of the status topic when it is created.",
        validator=_positive_or_broker_default,
        group=STORAGE,
    )
    .define(
        "session.timeout.ms",
        Type.INT,
        10_000,
        Importance.HIGH,
        "How long the group coordinator waits for a worker's heartbeat before it removes the worker from the "
        "group (within the broker's group.min/max.session.timeout.ms).",
        validator=Range.at_least(1),
        group=GROUP,
    )
    .define(
        "heartbeat.interval.ms",
        Type.INT,
        3_000,
        Importance.HIGH,
        "How often a worker heartbeats to the group coordinator; at most a third of session.timeout.ms.",
        validator=Range.at_least(1),
        group=GROUP,
    )
    .define(
        "rebalance.timeout.ms",
        Type.INT,
        60_000,
        Importance.HIGH,
        "How long a rebalance waits for every worker to rejoin (stopping what it was told to stop first); a "
        "worker that takes longer is removed from the group.",
        validator=Range.at_least(1),
        group=GROUP,
    )
    .define(
        "worker.sync.timeout.ms",
        Type.INT,
        3_000,
        Importance.MEDIUM,
        "How long a worker reads the config topic to catch up with an assignment before it leaves the group "
        "and tries again; also how long a write waits for a rebalance in progress before answering 409.",
        validator=Range.at_least(1),
        group=GROUP,
    )
    .define(
        "worker.unsync.backoff.ms",
        Type.INT,
        300_000,
        Importance.MEDIUM,
        "How long a worker that could not catch up with the config topic waits before rejoining.",
        validator=Range.at_least(0),
        group=GROUP,
    )
    .define(
        "scheduled.rebalance.max.delay.ms",
        Type.INT,
        300_000,
        Importance.LOW,
        "How long the work of a departed worker is held back before it is reassigned, so a worker restarted "
        "within this delay gets its work back without everything moving twice (KIP-415).",
        validator=Range.between(0, 2**31 - 1),
        group=GROUP,
    )
    .define(
        "connect.protocol",
        Type.STRING,
        ConnectProtocol.SESSIONED.value,
        Importance.LOW,
        "The Connect group protocol: `sessioned` (incremental cooperative rebalancing, internal REST requests "
        "signed with a session key the leader distributes) or `compatible` (incremental cooperative, unsigned). "
        "`eager`, which stops every task at every rebalance, is not supported.",
        validator=ValidString.in_("compatible", "sessioned"),
        group=GROUP,
    )
    .define(
        "exactly.once.source.support",
        Type.STRING,
        "disabled",
        Importance.HIGH,
        "Exactly-once source connectors (KIP-618): `enabled` gives each source task a transactional producer "
        "(transactional id `<group.id>-<connector>-<task>`) that commits records and offsets in one "
        "transaction, fences zombie tasks, and makes the leader's config writes transactional; `preparing` "
        "readies a cluster for a rolling upgrade to `enabled`; `disabled` is at-least-once.",
        validator=ValidString.in_("disabled", "preparing", "enabled"),
        group=GROUP,
    )
    .define(
        "inter.worker.key.ttl.ms",
        Type.INT,
        3_600_000,
        Importance.LOW,
        "How long the leader's session key for signing internal requests lives before the leader rotates it.",
        validator=Range.at_least(0),
        group=GROUP,
    )
    .define(
        "inter.worker.signature.algorithm",
        Type.STRING,
        "HmacSHA256",
        Importance.LOW,
        "The algorithm that signs internal requests (HmacSHA256, HmacSHA384, HmacSHA512).",
        validator=ValidString.in_("HmacSHA256", "HmacSHA384", "HmacSHA512"),
        group=GROUP,
    )
)


@dataclass(frozen=True, slots=True)
class TopicSettings:
    name: str
    partitions: int
    replication_factor: int


@dataclass(frozen=True, slots=True)
class DistributedConfig:
    """A distributed worker's settings, typed: the common worker config plus the cluster's."""

    worker: WorkerConfig
    group_id: str
    config_topic: TopicSettings
    offset_topic: TopicSettings
    status_topic: TopicSettings
    session_timeout_ms: int
    heartbeat_interval_ms: int
    rebalance_timeout_ms: int
    worker_sync_timeout_ms: int
    worker_unsync_backoff_ms: int
    scheduled_rebalance_max_delay_ms: int
    protocol: ConnectProtocol
    exactly_once_source: str  # disabled | preparing | enabled
    key_ttl_ms: int
    signature_algorithm: str

    @classmethod
    def parse(cls, props: Mapping[str, Any]) -> DistributedConfig:
        """Parse and validate; ConfigException names the first bad key."""
        worker = WorkerConfig.parse(props)
        p = DISTRIBUTED_CONFIG.parse(props)
        if p["heartbeat.interval.ms"] >= p["session.timeout.ms"]:
            raise ConfigException(
                "heartbeat.interval.ms", p["heartbeat.interval.ms"], "must be lower than session.timeout.ms"
            )
        return cls(
            worker=worker,
            group_id=p["group.id"],
            config_topic=TopicSettings(p["config.storage.topic"], 1, p["config.storage.replication.factor"]),
            offset_topic=TopicSettings(
                p["offset.storage.topic"], p["offset.storage.partitions"], p["offset.storage.replication.factor"]
            ),
            status_topic=TopicSettings(
                p["status.storage.topic"], p["status.storage.partitions"], p["status.storage.replication.factor"]
            ),
            session_timeout_ms=p["session.timeout.ms"],
            heartbeat_interval_ms=p["heartbeat.interval.ms"],
            rebalance_timeout_ms=p["rebalance.timeout.ms"],
            worker_sync_timeout_ms=p["worker.sync.timeout.ms"],
            worker_unsync_backoff_ms=p["worker.unsync.backoff.ms"],
            scheduled_rebalance_max_delay_ms=p["scheduled.rebalance.max.delay.ms"],
            protocol=ConnectProtocol(p["connect.protocol"]),
            exactly_once_source=p["exactly.once.source.support"],
            key_ttl_ms=p["inter.worker.key.ttl.ms"],
            signature_algorithm=p["inter.worker.signature.algorithm"],
        )

    @property
    def exactly_once(self) -> bool:
        return self.exactly_once_source == "enabled"

    @property
    def leader_transactional_id(self) -> str:
        """The config-topic writer's transactional id (Kafka Connect's `connect-cluster-<group.id>`)."""
        return f"connect-cluster-{self.group_id}"

    def task_transactional_id(self, connector: str, task: int) -> str:
        """A source task's transactional id with exactly-once support (KIP-618): `<group.id>-<connector>-<task>`."""
        return f"{self.group_id}-{connector}-{task}"
