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
from connect.runtime.errors import DeadLetterQueueReporter, ErrorConfig, LogReporter, RetryWithToleranceOperator
from connect.runtime.errors.context import ErrorContext, RawMessage
from connect.runtime.kafka_clients import KafkaClients
from connect.runtime.metrics import TaskMetrics
from connect.runtime.sink_task import WorkerSinkTask
from connect.runtime.source_task import WorkerSourceTask
from connect.runtime.states import TaskId
from connect.runtime.topic_creation import TopicCreator
from connect.runtime.transform_chain import build_chain
from connect.runtime.worker_config import prefixed
from connect.runtime.worker_task import StatusListener, WorkerTask
from connect.spi import Connector, Converter, HeaderConverter, SinkConnector, SinkTask, SourceTask
from connect.storage.offsets import OffsetBackingStore


class TaskBuilder:
    def __init__(
        self,
        worker_props: Mapping[str, Any],
        registry: PluginRegistry,
        clients: KafkaClients,
        offset_store: OffsetBackingStore,
    ) -> None:
        self.props = worker_props
        self.registry = registry
        self.clients = clients
        self.offset_store = offset_store

    def converter(self, key: str, connector_props: Mapping[str, Any], is_key: bool) -> Converter:
        """key.converter / value.converter: the connector's override with its own settings, else the worker's."""
        source = connector_props if connector_props.get(key) else self.props
        cls = self.registry.load(PluginKind.CONVERTER, str(source[key]))
        converter = cls()
        settings = resolve(prefixed(source, key + "."))
        try:
            converter.configure(settings, is_key)
        except ConfigException as exc:
            raise ConfigException(f"{key}.{exc.name}", exc.value, exc.reason) from None
        return converter

    def header_converter(self, connector_props: Mapping[str, Any]) -> HeaderConverter:
        key = "header.converter"
        source = connector_props if connector_props.get(key) else self.props
        cls = self.registry.load(PluginKind.HEADER_CONVERTER, str(source[key]))
        converter = cls()
        converter.configure(resolve(prefixed(source, key + ".")))
        return converter

    def build(
        self,
        task_id: TaskId,
        connector_cls: type[Connector],
        connector_props: Mapping[str, Any],
        task_props: Mapping[str, Any],
        listener: StatusListener,
        start_paused: bool,
    ) -> WorkerTask:
        """A ready-to-start task runner; configuration errors raise before anything runs."""
        props = resolve(connector_props)
        metrics = TaskMetrics(task_id.connector, task_id.task)
        key_conv = self.converter("key.converter", props, True)
        value_conv = self.converter("value.converter", props, False)
        header_conv = self.header_converter(props)
        errors = ErrorConfig.from_props(props)
        reporters: list[Any] = []
        if str(props.get("errors.log.enable", "false")).lower() == "true":
            reporters.append(
                LogReporter(
                    task_id.connector,
                    task_id.task,
                    str(props.get("errors.log.include.messages", "false")).lower() == "true",
                )
            )
        task_cls = connector_cls.task_class
        task = task_cls()
        flush_ms = int(self.props.get("offset.flush.interval.ms", 60_000))

        def on_error(ctx: ErrorContext, tolerated: bool) -> None:
            metrics.error(ctx.stage)

        dlq_topic = str(props.get("errors.deadletterqueue.topic.name") or "").strip()
        if dlq_topic:
            self.clients.ensure_dead_letter_topic(
                dlq_topic, int(props.get("errors.deadletterqueue.topic.replication.factor", 3))
            )
            dlq_producer = Producer(self.clients.producer_config(task_id.connector, props, f"-dlq-{task_id.task}"))
            reporters.append(
                _CountingDlq(
                    DeadLetterQueueReporter(
                        dlq_topic,
                        task_id.connector,
                        task_id.task,
                        str(props.get("errors.deadletterqueue.context.headers.enable", "false")).lower() == "true",
                        dlq_producer.produce,
                        _reserializer(key_conv, value_conv, header_conv),
                    ),
                    dlq_producer,
                    metrics,
                )
            )
        operator = RetryWithToleranceOperator(errors, reporters, on_error)
        chain = build_chain(self.registry, props, operator)
        if issubclass(connector_cls, SinkConnector):
            assert isinstance(task, SinkTask)
            consumer_config = self.clients.consumer_config(task_id.connector, task_id.task, props)
            return WorkerSinkTask(
                task_id,
                task,
                task_props,
                key_converter=key_conv,
                value_converter=value_conv,
                header_converter=header_conv,
                chain=chain,
                operator=operator,
                consumer_config=consumer_config,
                flush_interval_ms=flush_ms,
                listener=listener,
                metrics=metrics,
                max_poll_records=int(props.get("consumer.override.max.poll.records", 500)),
                start_paused=start_paused,
            )
        assert isinstance(task, SourceTask)
        producer_config = self.clients.producer_config(task_id.connector, props, f"-{task_id.task}")
        creator = TopicCreator(self.clients.admin, props)
        return WorkerSourceTask(
            task_id,
            task,
            task_props,
            key_converter=key_conv,
            value_converter=value_conv,
            header_converter=header_conv,
            chain=chain,
            operator=operator,
            producer_config=producer_config,
            offset_store=self.offset_store,
            topic_creator=creator,
            flush_interval_ms=flush_ms,
            flush_timeout_ms=int(self.props.get("offset.flush.timeout.ms", 5_000)),
            listener=listener,
            metrics=metrics,
            start_paused=start_paused,
        )


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
