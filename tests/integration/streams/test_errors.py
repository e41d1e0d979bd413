"""Bad records and bad set-ups against a real broker: with errors.tolerance=all a record a processor
rejects goes to the dead-letter topic with KIP-1034 headers and the rest are processed; with the default
the application stops with an error naming the record; a missing source topic is named."""

from __future__ import annotations

import pytest

from streams import KafkaStreams, MissingSourceTopicError, ProcessingError, StreamsBuilder
from tests.support.kafka import produce, read_topic
from tests.support.streams import create_topics, read_json, running


def topology(n: str) -> StreamsBuilder:
    b = StreamsBuilder()
    b.stream(f"{n}-in").map_values(lambda v: {"double": v["n"] * 2}).to(f"{n}-out")
    return b


def test_rejected_records_are_dead_lettered_and_the_rest_processed(services, unique_name, tmp_path):
    kafka, n = services.kafka_bootstrap, unique_name
    create_topics(kafka, {f"{n}-in": 1, f"{n}-out": 1, f"{n}-dlq": 1})
    produce(
        kafka, f"{n}-in", [(b'"a"', b'{"n": 1}'), (b'"b"', b"not json"), (b'"c"', b'{"m": 3}'), (b'"d"', b'{"n": 4}')]
    )
    hooked = []
    b = topology(n)
    app = KafkaStreams(
        b.build(),
        {
            "application.id": n,
            "bootstrap.servers": kafka,
            "state.dir": str(tmp_path),
            "commit.interval.ms": 100,
            "errors.tolerance": "all",
            "errors.deadletterqueue.topic.name": f"{n}-dlq",
        },
        on_error=hooked.append,
    )
    app.start()
    try:
        app.wait_until_running()
        out = read_json(kafka, f"{n}-out", lambda r: len(r) >= 2)
        dead = read_topic(kafka, f"{n}-dlq", lambda ms: len(ms) >= 2)
    finally:
        app.close()
    assert app.error is None
    assert out == [("a", {"double": 2}), ("d", {"double": 8})]
    assert [(m.key(), m.value()) for m in dead] == [(b'"b"', b"not json"), (b'"c"', b'{"m": 3}')]
    headers = dict(dead[1].headers())
    assert headers["__streams.errors.exception"] == b"KeyError"
    assert headers["__streams.errors.topic"] == f"{n}-in".encode()
    assert headers["__streams.errors.offset"] == b"2"
    assert [(r.offset, type(r.error).__name__) for r in hooked] == [(1, "JSONDecodeError"), (2, "KeyError")]
    text = app.metrics.registry.get_sample_value("streams_records_rejected_total", {"application": n})
    assert text == 2


def test_by_default_a_rejected_record_stops_the_application_naming_it(services, unique_name, tmp_path):
    kafka, n = services.kafka_bootstrap, unique_name
    create_topics(kafka, {f"{n}-in": 1, f"{n}-out": 1})
    produce(kafka, f"{n}-in", [(b'"a"', b'{"n": 1}'), (b'"b"', b'{"m": 1}')])
    app = KafkaStreams(
        topology(n).build(), {"application.id": n, "bootstrap.servers": kafka, "state.dir": str(tmp_path)}
    )
    with pytest.raises(ProcessingError, match=rf"KeyError: 'n' \(record {n}-in-0@1\)"):
        app.run()
    assert app.state == "ERROR"
    # the first record was processed and its output is there
    assert len(read_topic(kafka, f"{n}-out", lambda ms: len(ms) >= 1, timeout=10)) == 1


def test_a_missing_source_topic_is_named(services, unique_name, tmp_path):
    app = KafkaStreams(
        topology(unique_name).build(),
        {"application.id": unique_name, "bootstrap.servers": services.kafka_bootstrap, "state.dir": str(tmp_path)},
    )
    with pytest.raises(MissingSourceTopicError, match=f"{unique_name}-in"):
        app.run()


def test_metrics_report_processing_and_store_sizes(services, unique_name, tmp_path):
    kafka, n = services.kafka_bootstrap, unique_name
    create_topics(kafka, {f"{n}-in": 1})
    b = StreamsBuilder()
    b.stream(f"{n}-in").group_by_key().count(store="c")
    produce(kafka, f"{n}-in", [(f'"k{i % 5}"'.encode(), b"1") for i in range(50)])
    with running(b.build(), kafka, n, tmp_path) as app:
        from tests.support.kafka import wait_until

        reg = app.metrics.registry
        wait_until(
            lambda: reg.get_sample_value("streams_records_processed_total", {"application": n, "task": "0_0"}) == 50,
            message="50 records counted",
        )
        wait_until(
            lambda: reg.get_sample_value("streams_store_entries", {"application": n, "store": "c", "task": "0_0"}) == 5,
            message="5 keys in the store",
        )
        assert (
            reg.get_sample_value("streams_consumer_lag", {"application": n, "topic": f"{n}-in", "partition": "0"}) == 0
        )
