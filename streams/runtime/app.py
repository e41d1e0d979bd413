"""KafkaStreams: runs a topology in this process, sharing the work with every instance of the same
`application.id` (one consumer group; Kafka is the only coordinator).

    import logging
    from streams import KafkaStreams, StreamsBuilder

    builder = StreamsBuilder()
    builder.stream("in").filter(lambda k, v: v is not None).to("out")
    app = KafkaStreams(builder.build(), {
        "application.id": "copy-app",
        "bootstrap.servers": "localhost:9092",
        "processing.guarantee": "exactly_once_v2",   # or at_least_once (the default)
        "state.dir": "/var/lib/copy-app",
    })
    app.run()          # blocks; SIGTERM/SIGINT close it cleanly. Or app.start() ... app.close()

Lifecycle: CREATED → (start/run) STARTING: internal topics created, global tables loaded → RUNNING: the
loop polls, processes, commits every `commit.interval.ms` and on rebalance → close(): a last commit,
checkpoints, NOT_RUNNING. A fatal error (a rejected record under errors.tolerance=none, a failed commit)
aborts what was not committed and ends in ERROR with `app.error` set; `run()` raises it.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from collections.abc import Mapping
from typing import Any

from confluent_kafka import Consumer, KafkaError
from confluent_kafka.admin import AdminClient
from prometheus_client import CollectorRegistry

from streams.config import StreamsConfig
from streams.errors import StreamsError
from streams.metrics import StreamsMetrics
from streams.runtime.collector import RecordCollector
from streams.runtime.errors import ErrorHandler, ErrorHook
from streams.runtime.global_state import GlobalState
from streams.runtime.restore import ChangelogRestorer
from streams.runtime.tasks import TaskManager
from streams.runtime.topics import make_plan
from streams.state.directory import StateDirectory
from streams.state.store import ReadOnlyStore
from streams.topology.graph import Topology

log = logging.getLogger(__name__)
_NONE: dict[int, Any] = {}


class KafkaStreams:
    def __init__(
        self,
        topology: Topology,
        config: Mapping[str, Any],
        *,
        on_error: ErrorHook | None = None,
        registry: CollectorRegistry | None = None,
    ) -> None:
        self.config = StreamsConfig.parse(config)
        self.topology = topology
        topology.subtopologies()  # a topology that cannot run fails here, before any I/O
        self.metrics = StreamsMetrics(self.config.application_id, registry)
        self.state = "CREATED"
        self.error: BaseException | None = None
        self._on_error = on_error
        self._stop = threading.Event()
        self._running = threading.Event()
        self._thread: threading.Thread | None = None
        self._manager: TaskManager | None = None
        self._global: GlobalState | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        """Run in a background thread; returns at once (see `wait_until_running`)."""
        self._thread = threading.Thread(
            target=self._run_safely, name=f"streams-{self.config.application_id}", daemon=True
        )
        self._thread.start()

    def run(self) -> None:
        """Run in this thread until close() or SIGTERM/SIGINT; raises the fatal error, if any."""
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: self._stop.set())
        self._run_safely()
        if self.error is not None:
            raise self.error

    def close(self, timeout: float = 60.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def wait_until_running(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not self._running.wait(0.05):
            if self.error is not None:
                raise self.error
            if time.monotonic() > deadline:
                raise TimeoutError(f"application {self.config.application_id} did not start within {timeout} s")

    def store(self, name: str) -> ReadOnlyStore:
        """Interactive query over this instance's copy of a store (its tasks' partitions; all of a global one)."""
        if self._global is not None and name in self._global.stores:
            return ReadOnlyStore([self._global.stores[name]])
        if name not in self.topology.stores:
            raise KeyError(f"no store named {name!r}; stores: {sorted(self.topology.stores)}")
        tasks = list(self._manager.tasks.values()) if self._manager is not None else []
        return ReadOnlyStore([t.stores[name] for t in tasks if name in t.stores])

    @property
    def assigned_tasks(self) -> list[str]:
        return sorted(self._manager.tasks) if self._manager is not None else []

    # -- the loop ----------------------------------------------------------------------------
    def _run_safely(self) -> None:
        try:
            self._run()
        except BaseException as exc:
            log.error("streams application %s failed: %s", self.config.application_id, exc)
            self.error = exc
            self.state = "ERROR"
        except:  # noqa: E722  (a C extension can raise what is not an exception class; still an error)
            self.error = StreamsError(f"the application failed: {sys.exc_info()[1]!r}")
            self.state = "ERROR"

    def _run(self) -> None:
        cfg = self.config
        self.state = "STARTING"
        directory = StateDirectory(cfg.state_dir, cfg.application_id)
        directory.lock()
        closers: list[Any] = [directory.unlock]
        consumer: Consumer | None = None
        collector: RecordCollector | None = None
        clean = False
        try:
            admin = AdminClient({"bootstrap.servers": cfg.bootstrap_servers, **cfg.admin})
            plan = make_plan(self.topology, cfg.application_id, admin, cfg.replication_factor)
            process_id = directory.process_id()
            base = {"bootstrap.servers": cfg.bootstrap_servers, **cfg.consumer}
            collector = RecordCollector(cfg, process_id)
            closers.append(collector.close)
            self._global = GlobalState(
                list(self.topology.global_stores.values()),
                plan.counts,
                {**base, "group.id": f"{cfg.application_id}-global"},
                directory,
            )
            closers.append(self._global.close)
            self._global.bootstrap()
            restorer = ChangelogRestorer(
                {**base, "group.id": f"{cfg.application_id}-restore"}, self.metrics.restore_progress
            )
            closers.append(restorer.close)
            manager = self._manager = TaskManager(
                topology=self.topology,
                plan=plan,
                config=cfg,
                collector=collector,
                directory=directory,
                restorer=restorer,
                global_stores=self._global.stores,
                metrics=self.metrics,
            )
            errors = ErrorHandler(cfg, collector, self._on_error)
            consumer = Consumer(
                {
                    "group.id": cfg.application_id,
                    "client.id": f"{cfg.application_id}-{process_id[:8]}",
                    "partition.assignment.strategy": "cooperative-sticky",
                    "enable.auto.commit": False,
                    "auto.offset.reset": "earliest",
                    "isolation.level": "read_committed",
                    **base,
                }
            )
            consumer.subscribe(
                sorted(set(plan.anchors.values())),
                on_assign=manager.guarded(manager.on_assign),
                on_revoke=manager.guarded(manager.on_revoke),
                on_lost=manager.guarded(manager.on_lost),
            )
            self.state = "RUNNING"
            self._running.set()
            self._loop(consumer, manager, collector, errors)
            clean = True
        finally:
            if not clean and collector is not None:
                collector.abort()  # nothing of a failed run may commit, not even from the last revocation
            if self._manager is not None:
                try:
                    self._manager.close(consumer, clean=clean)
                except Exception as exc:
                    log.error("final commit failed: %s", exc)
                    self._manager.close(None, clean=False)
            if consumer is not None:
                consumer.close()
            for close in reversed(closers):
                try:
                    close()
                except Exception as exc:  # closing must go on whatever one part says
                    log.warning("closing: %s", exc)
            self._running.clear()
            if self.state != "ERROR":
                self.state = "NOT_RUNNING"

    def _loop(self, consumer: Consumer, manager: TaskManager, collector: RecordCollector, errors: ErrorHandler) -> None:
        cfg = self.config
        interval = cfg.commit_interval_ms / 1000
        next_commit = time.monotonic() + interval
        batch, timeout = cfg.max_poll_records, cfg.poll_ms / 1000
        by_topic = manager.by_topic
        global_state = self._global
        assert global_state is not None
        stop = self._stop
        while not stop.is_set():
            msgs = consumer.consume(batch, timeout)
            if manager.failure is not None:
                raise manager.failure
            for msg in msgs:
                err = msg.error()
                if err is not None:
                    if err.code() == KafkaError._PARTITION_EOF:
                        continue
                    raise StreamsError(f"consumer error on {msg.topic()}-{msg.partition()}: {err}")
                topic = msg.topic()
                task = by_topic.get(topic, _NONE).get(msg.partition())  # type: ignore[arg-type]
                if task is None:
                    continue  # a partition revoked after this batch was fetched
                try:
                    task.process(msg, topic)
                except Exception as exc:
                    errors.handle(msg, exc)
                    task.skip(msg)
            collector.poll()
            global_state.poll()
            now = time.monotonic()
            if now >= next_commit or manager.needs_commit():
                manager.commit(consumer)
                global_state.checkpoint()
                self.metrics.commit(errors.rejected)
                errors.rejected = 0
                manager.report(consumer)
                next_commit = now + interval
