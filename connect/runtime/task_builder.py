"""Builds a task runner from configs: converters, error handling and dead letters, transforms, Kafka clients.

Configuration errors raise here, before anything runs, so the Worker can report the task FAILED.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from confluent_kafka import Producer

from connect.config.providers import resolve
from connect.data import ConnectRecord, SinkRecord
from connect.errors import ConfigException
from connect.plugins import PluginKind, PluginRegistry
from connect.runtime.closing import Closeable, close_all
from connect.runtime.connector_config import ConnectorConfig
from connect.runtime.errors import DeadLetterQueueReporter, LogReporter, RetryWithToleranceOperator
from connect.runtime.errors.context import ErrorContext, RawMessage
from connect.runtime.exactly_once import ExactlyOnceSettings
from connect.runtime.kafka_clients import KafkaClients
from connect.runtime.metrics import TaskMetrics
from connect.runtime.sink_task import WorkerSinkTask
from connect.runtime.source_task import WorkerSourceTask
from connect.runtime.states import TaskId
from connect.runtime.topic_creation import TopicCreator
from connect.runtime.transform_chain import build_chain
from connect.runtime.worker_config import PluginSettings
from connect.runtime.worker_task import StatusListener, WorkerTask
from connect.spi import Converter, HeaderConverter, SinkTask, SourceTask
from connect.storage.offsets import OffsetBackingStore


class TaskBuilder:
    def __init__(
        self,
        registry: PluginRegistry,
        clients: KafkaClients,
        offset_store: OffsetBackingStore,
        exactly_once: ExactlyOnceSettings | None = None,
    ) -> None:
        self.registry = registry
        self.clients = clients
        self.offset_store = offset_store
        self.exactly_once = exactly_once

    def converter(self, key: str, plugin: PluginSettings, is_key: bool) -> Converter:
        converter = self.registry.load(PluginKind.CONVERTER, plugin.class_name)()
        try:
            converter.configure(resolve(plugin.settings), is_key)
        except ConfigException as exc:
            close_all(key, converter)
            raise ConfigException(f"{key}.{exc.name}", exc.value, exc.reason) from None
        except BaseException:
            close_all(key, converter)  # what it opened before failing
            raise
        return converter

    def header_converter(self, plugin: PluginSettings) -> HeaderConverter:
        converter = self.registry.load(PluginKind.HEADER_CONVERTER, plugin.class_name)()
        try:
            converter.configure(resolve(plugin.settings))
        except BaseException:
            close_all("header.converter", converter)
            raise
        return converter

    def build(
        self,
        task_id: TaskId,
        config: ConnectorConfig,
        task_props: Mapping[str, Any],
        listener: StatusListener,
        start_paused: bool,
    ) -> WorkerTask:
        """A ready-to-start task runner; configuration errors raise before anything runs, and what was opened
        for the task until then is closed (once built, the runner closes it when the task stops)."""
        metrics = TaskMetrics(task_id.connector, task_id.task)
        opened: list[Closeable] = []
        try:
            plugins = self._plugins(task_id, config, metrics, opened)
            task = config.connector_class.task_class()
            flush_ms = config.worker.offset_flush_interval_ms
            if config.is_sink:
                assert isinstance(task, SinkTask)
                return WorkerSinkTask(
                    task_id,
                    task,
                    task_props,
                    **plugins,
                    consumer_config=self.clients.consumer_config(config, task_id.task),
                    subscription=list(config.subscription),
                    flush_interval_ms=flush_ms,
                    listener=listener,
                    metrics=metrics,
                    max_poll_records=config.max_poll_records,
                    start_paused=start_paused,
                )
            assert isinstance(task, SourceTask)
            producer_config = self.clients.producer_config(config, f"-{task_id.task}")
            runner: Any = WorkerSourceTask
            extra: dict[str, Any] = {}
            if self.exactly_once is not None:
                runner, extra = self._exactly_once(task_id, config, producer_config)
            elif config.exactly_once_required:
                raise ConfigException(
                    "exactly.once.support",
                    "required",
                    "this worker has no exactly-once source support (exactly.once.source.support=enabled, distributed)",
                )
            return runner(  # type: ignore[no-any-return]
                task_id,
                task,
                task_props,
                **plugins,
                producer_config=producer_config,
                offset_store=self.offset_store,
                topic_creator=TopicCreator(self.clients.admin, config.topic_creation),
                flush_interval_ms=flush_ms,
                flush_timeout_ms=config.worker.offset_flush_timeout_ms,
                listener=listener,
                metrics=metrics,
                start_paused=start_paused,
                **extra,
            )
        except BaseException:
            close_all(f"task {task_id.connector}-{task_id.task}", *reversed(opened))
            raise

    def _plugins(
        self, task_id: TaskId, config: ConnectorConfig, metrics: TaskMetrics, opened: list[Closeable]
    ) -> dict[str, Any]:
        """The task's converters, error handling (with its dead-letter producer) and transforms, as the runners'
        keyword arguments; each is added to `opened` as soon as it holds something to close."""
        errors = config.errors
        key_conv = self.converter("key.converter", config.key_converter, True)
        opened.append(key_conv)
        value_conv = self.converter("value.converter", config.value_converter, False)
        opened.append(value_conv)
        header_conv = self.header_converter(config.header_converter)
        opened.append(header_conv)
        reporters: list[Any] = []
        if errors.log_enable:
            reporters.append(LogReporter(task_id.connector, task_id.task, errors.log_include_messages))

        def on_error(ctx: ErrorContext, tolerated: bool) -> None:
            metrics.error(ctx.stage)

        if errors.dead_letter_topic:
            self.clients.ensure_dead_letter_topic(errors.dead_letter_topic, errors.dead_letter_replication_factor)
            dlq_producer = Producer(self.clients.producer_config(config, f"-dlq-{task_id.task}"))
            dlq = _CountingDlq(
                DeadLetterQueueReporter(
                    errors.dead_letter_topic,
                    task_id.connector,
                    task_id.task,
                    errors.dead_letter_context_headers,
                    dlq_producer.produce,
                    _reserializer(key_conv, value_conv, header_conv),
                ),
                dlq_producer,
                metrics,
            )
            opened.append(dlq)
            reporters.append(dlq)
        operator = RetryWithToleranceOperator(errors, reporters, on_error)
        chain = build_chain(self.registry, config.chain, operator)
        opened.append(chain)
        return {
            "key_converter": key_conv,
            "value_converter": value_conv,
            "header_converter": header_conv,
            "operator": operator,
            "chain": chain,
        }

    def _exactly_once(
        self, task_id: TaskId, config: ConnectorConfig, producer_config: dict[str, Any]
    ) -> tuple[type[WorkerSourceTask], dict[str, Any]]:
        """The transactional runner and its settings; the producer gets the task's transactional id."""
        from connect.runtime.exactly_once_source_task import ExactlyOnceWorkerSourceTask

        assert self.exactly_once is not None
        if config.transaction_boundary == "connector":
            raise ConfigException(
                "transaction.boundary", "connector", "this connector does not define its own transaction boundaries"
            )
        producer_config["transactional.id"] = self.exactly_once.transactional_id(task_id.connector, task_id.task)
        producer_config["partitioner"] = "murmur2_random"  # offset records land where Java's producer puts them
        interval = config.transaction_boundary_interval_ms or config.worker.offset_flush_interval_ms
        return ExactlyOnceWorkerSourceTask, {
            "exactly_once": self.exactly_once,
            "boundary": config.transaction_boundary,
            "boundary_interval_ms": interval,
        }


class _CountingDlq:
    """Wraps the dead-letter reporter: counts, and flushes so a reported record is really stored."""

    def __init__(self, inner: DeadLetterQueueReporter, producer: Producer, metrics: TaskMetrics) -> None:
        self.inner = inner
        self._producer = producer
        self._metrics = metrics

    def report(self, ctx: ErrorContext) -> None:
        if self.inner.report(ctx):
            self._metrics.dead_lettered.inc()
            self._producer.flush(10)

    def close(self) -> None:
        self._producer.flush(10)
        self._producer.close()


def _reserializer(key_conv: Converter, value_conv: Converter, header_conv: HeaderConverter) -> Any:
    """Turn a rejected record back into bytes with the task's converters, as Kafka Connect's errant reporter
    does for sinks (a sink record after conversion, or a source record that failed before reaching Kafka)."""

    def to_raw(record: ConnectRecord) -> RawMessage:
        if isinstance(record, SinkRecord):
            topic, partition, offset = (
                record.original_topic,
                record.original_kafka_partition,
                record.original_kafka_offset,
            )
        else:  # a source record that never reached Kafka: its intended topic, no position
            topic = record.topic
            partition, offset = -1 if record.kafka_partition is None else record.kafka_partition, -1
        headers = [(h.key, header_conv.from_connect_header(topic, h.key, h.schema, h.value)) for h in record.headers]
        return RawMessage(
            topic,
            partition,
            offset,
            key_conv.from_connect(topic, record.key_schema, record.key),
            value_conv.from_connect(topic, record.value_schema, record.value),
            headers,
            record.timestamp,
        )

    return to_raw
