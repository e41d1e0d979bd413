"""Prometheus metrics per connector and task, served by the REST API at GET /metrics.

Children are bound once per task (`TaskMetrics`), so the hot path only increments.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from connect.secrets import mask_text

_LABELS = ("connector", "task")

RECORDS_POLLED = Counter("connect_source_records_polled", "Records returned by source task polls.", _LABELS)
RECORDS_WRITTEN = Counter("connect_source_records_written", "Source records acknowledged by Kafka.", _LABELS)
RECORDS_READ = Counter("connect_sink_records_read", "Records consumed by sink tasks.", _LABELS)
RECORDS_PUT = Counter("connect_sink_records_put", "Records handed to sink task put().", _LABELS)
BATCH_SIZE = Histogram(
    "connect_batch_size", "Records per poll/put batch.", _LABELS, buckets=(1, 10, 50, 100, 500, 1000, 2000, 5000, 10000)
)
COMMIT_SECONDS = Histogram("connect_offset_commit_seconds", "Offset commit latency.", _LABELS)
COMMIT_FAILURES = Counter("connect_offset_commit_failures", "Failed offset commits.", _LABELS)
ERRORS = Counter("connect_task_errors", "Failed operations on records, by stage.", (*_LABELS, "stage"))
DEAD_LETTERED = Counter("connect_deadletter_records", "Records sent to the dead-letter topic.", _LABELS)
CONSUMER_LAG = Gauge(
    "connect_sink_consumer_lag", "Sink consumer lag per partition (records).", (*_LABELS, "topic", "partition")
)
TASK_RUNNING = Gauge("connect_task_running", "1 while the task runs.", _LABELS)


class TaskMetrics:
    """The metric children of one task."""

    def __init__(self, connector: str, task: int) -> None:
        labels = (mask_text(connector), str(task))  # a label is public: no secret in a connector's name
        self._labels = labels
        self.polled = RECORDS_POLLED.labels(*labels)
        self.written = RECORDS_WRITTEN.labels(*labels)
        self.read = RECORDS_READ.labels(*labels)
        self.put = RECORDS_PUT.labels(*labels)
        self.batch_size = BATCH_SIZE.labels(*labels)
        self.commit_seconds = COMMIT_SECONDS.labels(*labels)
        self.commit_failures = COMMIT_FAILURES.labels(*labels)
        self.dead_lettered = DEAD_LETTERED.labels(*labels)
        self.running = TASK_RUNNING.labels(*labels)

    def error(self, stage: str) -> None:
        ERRORS.labels(*self._labels, stage).inc()

    def lag(self, topic: str, partition: int, value: int) -> None:
        CONSUMER_LAG.labels(*self._labels, topic, str(partition)).set(value)
