"""Prometheus metrics of a streams application, in a registry of its own (`app.metrics.registry`).

Counters are fed from plain integers at each commit, never per record: records processed per task (the
process rate is its `rate()`), records rejected, commits; gauges: consumer lag per input partition, entries
per store and task, restored records per store and partition.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge


class StreamsMetrics:
    def __init__(self, application_id: str, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        app = application_id
        self.processed = Counter(
            "streams_records_processed", "Input records processed", ["application", "task"], registry=self.registry
        )
        self.rejected = Counter(
            "streams_records_rejected", "Records skipped by the error handler", ["application"], registry=self.registry
        )
        self.commits = Counter("streams_commits", "Commits", ["application"], registry=self.registry)
        self.lag = Gauge(
            "streams_consumer_lag",
            "Records behind the end of the input partition",
            ["application", "topic", "partition"],
            registry=self.registry,
        )
        self.store_entries = Gauge(
            "streams_store_entries",
            "Approximate entries in a store",
            ["application", "store", "task"],
            registry=self.registry,
        )
        self.restored = Gauge(
            "streams_restore_records",
            "Changelog records restored into a store in the last restoration",
            ["application", "store", "partition"],
            registry=self.registry,
        )
        self.tasks = Gauge("streams_active_tasks", "Tasks this instance runs", ["application"], registry=self.registry)
        self._app = app

    def processed_by(self, task: str, count: int) -> None:
        if count:
            self.processed.labels(self._app, task).inc(count)

    def restore_progress(self, store: str, partition: int, count: int) -> None:
        self.restored.labels(self._app, store, str(partition)).set(count)

    def set_lag(self, topic: str, partition: int, lag: int) -> None:
        self.lag.labels(self._app, topic, str(partition)).set(lag)

    def set_store_entries(self, store: str, task: str, count: int) -> None:
        self.store_entries.labels(self._app, store, task).set(count)

    def commit(self, rejected: int) -> None:
        self.commits.labels(self._app).inc()
        if rejected:
            self.rejected.labels(self._app).inc(rejected)

    def set_tasks(self, count: int) -> None:
        self.tasks.labels(self._app).set(count)
