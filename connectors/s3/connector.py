"""The S3 sink connector (Confluent's S3SinkConnector: same keys, formats, partitioners and object names)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, ClassVar

from connect.config import ConfigDef, ConfigValue
from connect.errors import ConfigException
from connect.spi import SinkConnector
from connectors.s3.client import FatalS3Error, S3Client, TransientS3Error
from connectors.s3.config import S3_CONFIG, S3SinkConfig, unsupported
from connectors.s3.sink import S3SinkTask

log = logging.getLogger(__name__)


class S3SinkConnector(SinkConnector):
    config_def: ClassVar[ConfigDef] = S3_CONFIG
    task_class = S3SinkTask
    aliases: ClassVar[tuple[str, ...]] = ("io.confluent.connect.s3.S3SinkConnector",)
    doc: ClassVar[str] = """\
Lands topics in S3 or any S3-compatible store (MinIO, Ceph, S3Proxy...) as files laid out the way query
engines expect, with the keys, formats, partitioners and object names of Confluent's S3 sink: a config
written for it works once its class names are kept or shortened. Objects are named
`<topics.dir>/<topic>/<encoded partition>/<topic>+<kafka partition>+<start offset><ext>` in JSON lines,
Avro container files (the record's schema), raw bytes or Parquet (the Connect schema as Arrow types),
gzip-compressed or with the Avro/Parquet codecs; the encoded partition comes from the Kafka partition,
value fields, or the record's time in a time zone (daily, hourly or any `path.format`).

Exactly once in the object set: a Kafka partition's open files are committed together when `flush.size`
records are written (or on record time, schema change, or the wall-clock schedule), and the consumer
offset moves only once every object of the commit is in S3. Objects become visible commit after commit,
files are cut where the records say, not where the clock is, and names follow offsets, so a worker killed
at any moment and restarted writes the same objects again and the final set holds each offset once.
When the consumer group's offsets are gone or behind, the task resumes from what the objects themselves
say (`recover.offsets.from.objects`). Memory is bounded by one part per open file plus two parts in
flight: larger files stream as multipart uploads, and the task pauses its partitions when S3 is slower
than Kafka. While S3 is unreachable `put` raises a retriable error and every request is retried until it
succeeds, so the task rides out an outage by itself; a missing bucket or bad credentials are named by
`validate` and fail the task. A record that does not fit the format (no schema for Avro, a wrong type
for Parquet, a null value) follows the error settings (dead-letter topic).

Not implemented from Confluent's connector: server-side encryption and canned ACLs (`s3.ssea.name`,
`s3.sse.*`, `s3.acl.canned` are refused, so objects are never silently written without them: use the
bucket's defaults), object tagging, proxies, a credentials provider class, and
`behavior.on.null.values=write` (ignored keys are logged at start).

```json
{"name": "orders-archive", "config": {"connector.class": "s3", "topics": "shop.public.orders",
 "s3.bucket.name": "archive", "store.url": "http://minio:9000", "s3.region": "us-east-1",
 "format.class": "io.confluent.connect.s3.format.parquet.ParquetFormat", "flush.size": "10000",
 "partitioner.class": "io.confluent.connect.storage.partitioner.DailyPartitioner",
 "timestamp.extractor": "Record", "locale": "en-US", "timezone": "UTC",
 "errors.tolerance": "all", "errors.deadletterqueue.topic.name": "orders-archive-dlq"}}
```
"""

    def validate(self, props: Mapping[str, Any]) -> dict[str, ConfigValue]:
        results = super().validate(props)
        if any(v.errors for v in results.values()):
            return results
        try:
            config = S3SinkConfig.parse(props)
        except ConfigException as exc:  # rules that span keys, reported on the key to change
            results.setdefault(exc.name, ConfigValue(exc.name, props.get(exc.name))).errors.append(str(exc))
            return results
        self._check_store(config, results)
        return results

    @staticmethod
    def _check_store(config: S3SinkConfig, results: dict[str, ConfigValue]) -> None:
        """Ask the store whether the bucket is there and usable, and put the answer on the key to fix."""
        client = S3Client(config)
        try:
            client.check_bucket()
        except (FatalS3Error, TransientS3Error) as exc:
            endpoint_key = "store.url" if config.endpoint else "s3.region"
            results[getattr(exc, "key", None) or endpoint_key].errors.append(str(exc))
        finally:
            client.close()

    def start(self, props: Mapping[str, Any]) -> None:
        S3SinkConfig.parse(props)  # fail at start, naming the key, rather than in every task
        _refused, ignored = unsupported(props)
        if ignored:
            log.warning("S3 sink: ignoring keys of Confluent's connector it does not implement: %s", ", ".join(ignored))
        self._props = dict(props)

    def task_configs(self, max_tasks: int) -> list[dict[str, Any]]:
        return [dict(self._props) for _ in range(max_tasks)]
