"""The Elasticsearch sink connector (Confluent's ElasticsearchSinkConnector, same keys)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from connect.config import ConfigDef
from connect.spi import SinkConnector
from connectors.elasticsearch.config import ES_CONFIG, EsSinkConfig
from connectors.elasticsearch.sink import ElasticsearchSinkTask


class ElasticsearchSinkConnector(SinkConnector):
    config_def: ClassVar[ConfigDef] = ES_CONFIG
    task_class = ElasticsearchSinkTask
    aliases: ClassVar[tuple[str, ...]] = ("io.confluent.connect.elasticsearch.ElasticsearchSinkConnector",)
    doc: ClassVar[str] = """\
Writes records to Elasticsearch as documents, with the keys and defaults of Confluent's Elasticsearch
sink. The index is the topic name lowercased (rename with RegexRouter or TimestampRouter); the document
id is the record key (strings as they are, numbers in decimal, a single-field struct as its field,
other structs as JSON with sorted keys), or `topic+partition+offset` with `key.ignore=true`. With the
default `write.method=insert` each write carries the Kafka offset as an external version, so a replayed
or late write never overwrites a newer document. Debezium change events are understood as they are
(`c`/`r`/`u` index the `after` image, `d` deletes the document), as are records unwrapped by
ExtractNewRecordState. Requests are batched, several are in flight, transient failures (429, 5xx, no
connection) are retried with backoff, documents Elasticsearch rejects follow
`behavior.on.malformed.documents` and the error settings (the dead-letter topic gets the record as it was
consumed: key, value and headers, read again from Kafka), and consumer offsets are committed only for
records whose writes succeeded. While Elasticsearch is slow or down the task pauses
its partitions instead of buffering without bound, and it recovers by itself when it is back.

```json
{"name": "search", "config": {"connector.class": "elasticsearch", "topics": "shop.public.orders",
 "connection.url": "http://127.0.0.1:9200", "behavior.on.null.values": "delete",
 "errors.tolerance": "all", "errors.deadletterqueue.topic.name": "search-dlq"}}
```
"""

    def start(self, props: Mapping[str, Any]) -> None:
        EsSinkConfig.parse(props)  # fail at start, naming the key, rather than in every task
        self._props = dict(props)

    def task_configs(self, max_tasks: int) -> list[dict[str, Any]]:
        return [dict(self._props) for _ in range(max_tasks)]
