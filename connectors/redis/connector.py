"""The Redis sink connector (keys of Redis Inc.'s redis-kafka-connect; answers to the common Java class names)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from connect.config import ConfigDef, ConfigValue
from connect.errors import ConfigException
from connect.spi import SinkConnector
from connectors.redis.config import REDIS_CONFIG, RedisSinkConfig
from connectors.redis.sink import RedisSinkTask


class RedisSinkConnector(SinkConnector):
    config_def: ClassVar[ConfigDef] = REDIS_CONFIG
    task_class = RedisSinkTask
    aliases: ClassVar[tuple[str, ...]] = (
        "com.redis.kafka.connect.RedisSinkConnector",
        "com.github.jcustenborder.kafka.connect.redis.RedisSinkConnector",
    )
    doc: ClassVar[str] = """\
Keeps Redis in sync with topics: cache entries, read models and collections follow the rows of a
database (through a CDC source) or the events of a topic. Each record becomes a string, a hash, a
JSON document (with the RedisJSON module), a stream entry, or a member of a list, set or sorted set,
per `redis.type`; keys are `redis.key.prefix` + `redis.separator` + the record key (strings as they
are, numbers in decimal, a single-field struct as its field, several fields joined by the separator),
a value field, or a template such as `order:{id}`. Debezium change events are understood as they are
(`c`/`r`/`u` write the `after` image, `d` deletes the key or removes the member) as are unwrapped rows;
tombstones delete too. With `redis.mode=invalidate` every change deletes its key instead, for caches
filled on a miss. `redis.key.ttl` gives written keys a lifetime. Each batch goes to Redis in one
pipeline (one MULTI/EXEC transaction with `redis.multiexec=true`) and `put` returns once Redis has
answered, so consumer offsets are committed only for written records. Writes converge when replayed
(a hash is replaced as a whole, a list holds each member once), except stream entries, which a replay
after a failure may append again. Redis unreachable or refusing writes for now (loading, read-only
after a failover) is an outage: the worker pauses consumption and offers the batch again with its
backoff for as long as it takes, so a Redis restart is ridden out without loss; a record Redis
refuses (e.g. WRONGTYPE) goes to the error handling (dead-letter topic). A Redis Cluster is used
through cluster mode when `redis.cluster=true` or the server reports it. Configs written for Redis
Inc.'s connector (`redis.uri`, `redis.type`, `redis.key`, `redis.separator`, `redis.command`,
`redis.multiexec`, `redis.push.direction`) work as they are; the default type is theirs, STREAM.

```json
{"name": "orders-cache", "config": {"connector.class": "redis", "topics": "shop.public.orders",
 "redis.uri": "redis://127.0.0.1:6379/0", "redis.type": "HASH", "redis.key.prefix": "order",
 "redis.key.ttl": "3600", "errors.tolerance": "all", "errors.deadletterqueue.topic.name": "orders-dlq"}}
```
"""

    def validate(self, props: Mapping[str, Any]) -> dict[str, ConfigValue]:
        results = super().validate(props)
        if not any(v.errors for v in results.values()):
            try:
                RedisSinkConfig.parse(props)
            except ConfigException as exc:  # rules that span keys, reported on the key to change
                results[exc.name].errors.append(str(exc))
        return results

    def start(self, props: Mapping[str, Any]) -> None:
        RedisSinkConfig.parse(props)  # fail at start, naming the key, rather than in every task
        self._props = dict(props)

    def task_configs(self, max_tasks: int) -> list[dict[str, Any]]:
        return [dict(self._props) for _ in range(max_tasks)]
