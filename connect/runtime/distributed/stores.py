"""The three Kafka-topic stores of a distributed worker, built from its config with Kafka Connect's topic settings.

Config topic: 1 partition; offsets: `offset.storage.partitions` (25), murmur2-partitioned as
Java's producer; statuses: `status.storage.partitions` (5). All compacted, created when absent.
With exactly-once source support, the config and offset topics are read `read_committed` and
the leader's config writes are transactional.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from confluent_kafka.admin import AdminClient

from connect.errors import ConnectException
from connect.runtime.distributed.config import DistributedConfig, TopicSettings
from connect.runtime.exactly_once import ExactlyOnceSettings
from connect.storage.configs.kafka import KafkaConfigBackingStore
from connect.storage.kafka_log import KafkaBasedLog, RecordCallback, TopicSpec
from connect.storage.offsets.kafka import KafkaOffsetBackingStore
from connect.storage.statuses.kafka import KafkaStatusBackingStore

_CLIENT_PREFIXES = ("security.", "sasl.", "ssl.")


def client_props(cluster: DistributedConfig) -> dict[str, Any]:
    """What every internal client needs: the brokers and the worker's security settings."""
    originals: Mapping[str, Any] = cluster.worker.originals
    props = {k: v for k, v in originals.items() if k.startswith(_CLIENT_PREFIXES) and not k.startswith("ssl.endpoint")}
    return {"bootstrap.servers": cluster.worker.bootstrap_servers, **props}


class ClusterStores:
    def __init__(self, cluster: DistributedConfig) -> None:
        self.cluster = cluster
        base = client_props(cluster)
        self.admin = AdminClient({**base, **cluster.worker.admin})
        eos = cluster.exactly_once
        prefix = f"{cluster.worker.client_id_prefix}-{cluster.group_id}"

        def log(
            topic: TopicSettings, setting: str, name: str, read_committed: bool = False, **producer: Any
        ) -> Callable[[RecordCallback], KafkaBasedLog]:
            spec = TopicSpec(topic.name, topic.partitions, topic.replication_factor, setting=setting)
            return lambda on_record: KafkaBasedLog(
                spec,
                admin=self.admin,
                client_props=base,
                on_record=on_record,
                producer_props=producer,
                read_committed=read_committed,
                client_id=f"{prefix}-{name}",
            )

        fencing = {**base, "transactional.id": cluster.leader_transactional_id} if eos else None
        self.configs = KafkaConfigBackingStore(
            log(cluster.config_topic, "config.storage.topic", "configs", eos), fencing_producer_props=fencing
        )
        self.statuses = KafkaStatusBackingStore(log(cluster.status_topic, "status.storage.topic", "statuses"))
        self.offsets = KafkaOffsetBackingStore(
            log(cluster.offset_topic, "offset.storage.topic", "offsets", eos, partitioner="murmur2_random")
        )
        self.preflight: Callable[[str], None] | None = None
        self.exactly_once = (
            ExactlyOnceSettings(cluster.task_transactional_id, cluster.offset_topic.name, self._preflight)
            if eos
            else None
        )

    def _preflight(self, connector: str) -> None:
        if self.preflight is None:
            raise ConnectException("this worker cannot fence zombie tasks yet")
        self.preflight(connector)

    def claim_write_privileges(self) -> None:
        self.configs.claim_write_privileges()
