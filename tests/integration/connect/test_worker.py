"""The standalone worker against a real Kafka: delivery, offsets across restarts, errors and dead letters."""

from __future__ import annotations

import orjson
import pytest

from connect.errors import ConnectorConfigError
from connect.runtime.herder import State
from connect.runtime.standalone import StandaloneHerder, running
from tests.support import plugins
from tests.support.kafka import produce, read_topic, wait_until


@pytest.fixture
def worker_props(services, tmp_path):
    return {
        "bootstrap.servers": services.kafka_bootstrap,
        "key.converter": "PlainJson",
        "value.converter": "PlainJson",
        "header.converter": "Utf8Headers",
        "offset.storage.file.filename": str(tmp_path / "offsets.json"),
        "offset.flush.interval.ms": "200",
        "listeners": "http://127.0.0.1:0",
    }


@pytest.fixture
def herder_factory(worker_props):
    started: list[StandaloneHerder] = []

    def make() -> StandaloneHerder:
        herder = StandaloneHerder(worker_props, registry=plugins.fake_registry())
        herder.start()
        started.append(herder)
        return herder

    yield make
    for h in started:
        h.stop()


def dead_letters(topic: str) -> dict[str, str]:
    """Tolerate errors and dead-letter them to `topic`, with the context headers."""
    return {
        "errors.tolerance": "all",
        "errors.deadletterqueue.topic.name": topic,
        "errors.deadletterqueue.topic.replication.factor": "1",
        "errors.deadletterqueue.context.headers.enable": "true",
    }


def seqs(messages):
    return [orjson.loads(m.value())["seq"] for m in messages]


def test_source_records_reach_kafka_and_offsets_survive_restart(herder_factory, unique_name, services):
    herder = herder_factory()
    config = {"connector.class": "counting", "topic": unique_name, "count": "500"}
    herder.put_connector_config("src", config, allow_replace=False)
    herder.wait_for("src", running)
    messages = read_topic(services.kafka_bootstrap, unique_name, lambda ms: len(ms) >= 500)
    assert sorted(seqs(messages)) == list(range(500))
    wait_until(
        lambda: herder.connector_offsets("src") == [{"partition": {"task": "0"}, "offset": {"seq": 499}}],
        message="offset 499 flushed",
    )
    herder.stop()
    # A new worker with the same offsets file continues after 499 instead of starting over.
    again = herder_factory()
    again.put_connector_config("src", {**config, "count": "600"}, allow_replace=False)
    messages = read_topic(services.kafka_bootstrap, unique_name, lambda ms: len(ms) >= 600)
    assert sorted(seqs(messages)) == list(range(600))


def test_sink_dead_letters_unreadable_records_and_continues(herder_factory, unique_name, services):
    topic, dlq = unique_name, unique_name + "-dlq"
    produce(services.kafka_bootstrap, topic, [(b'"a"', b'{"n": 1}'), (b'"b"', b"{not json"), (b'"c"', b'{"n": 3}')])
    herder = herder_factory()
    name = unique_name + "-sink"
    herder.put_connector_config(
        name, {"connector.class": "collecting", "topics": topic, **dead_letters(dlq)}, allow_replace=False
    )
    wait_until(lambda: len(plugins.SINK_RECEIVED.get(name, [])) >= 2, message="good records in the sink")
    assert [r.value["n"] for r in plugins.SINK_RECEIVED[name]] == [1, 3]
    [dead] = read_topic(services.kafka_bootstrap, dlq, lambda ms: len(ms) >= 1)
    headers = dict(dead.headers())
    assert dead.value() == b"{not json" and dead.key() == b'"b"'
    assert headers["__connect.errors.topic"] == topic.encode()
    assert headers["__connect.errors.offset"] == b"1"
    assert headers["__connect.errors.stage"] == b"VALUE_CONVERTER"
    assert headers["__connect.errors.connector.name"] == name.encode()
    assert b"not JSON" in headers["__connect.errors.exception.message"]
    assert herder.connector_status(name).tasks[0].state is State.RUNNING


def test_sink_put_rejections_are_dead_lettered_one_by_one(herder_factory, unique_name, services):
    topic, dlq = unique_name, unique_name + "-dlq"
    produce(
        services.kafka_bootstrap, topic, [(None, b'{"n": 1}'), (None, b'{"n": 2, "fail": true}'), (None, b'{"n": 3}')]
    )
    herder = herder_factory()
    name = unique_name + "-sink"
    herder.put_connector_config(
        name, {"connector.class": "collecting", "topics": topic, **dead_letters(dlq)}, allow_replace=False
    )
    wait_until(lambda: len(plugins.SINK_RECEIVED.get(name, [])) >= 2, message="good records in the sink")
    assert sorted(r.value["n"] for r in plugins.SINK_RECEIVED[name]) == [1, 3]
    [dead] = read_topic(services.kafka_bootstrap, dlq, lambda ms: len(ms) >= 1)
    assert orjson.loads(dead.value()) == {"n": 2, "fail": True}
    assert dict(dead.headers())["__connect.errors.stage"] == b"TASK_PUT"


def test_a_stopped_sink_commits_no_offset_past_the_records_its_target_has_not_acknowledged(
    herder_factory, unique_name, services
):
    """The consumer's close revokes the partitions after the task closed them (dropping what it held): that
    revocation commits nothing, so the records the target never acknowledged are read again by the next run."""
    topic, name = unique_name, unique_name + "-sink"
    produce(services.kafka_bootstrap, topic, [(None, orjson.dumps({"n": n})) for n in range(5)])
    herder = herder_factory()
    herder.put_connector_config(name, {"connector.class": "holding", "topics": topic}, allow_replace=False)
    wait_until(lambda: len(plugins.HELD.get(name, [])) == 5, message="the records held by the sink")
    herder.stop()
    again = herder_factory()
    again.put_connector_config(name, {"connector.class": "collecting", "topics": topic}, allow_replace=False)
    wait_until(lambda: len(plugins.SINK_RECEIVED.get(name, [])) >= 5, message="the held records read again")
    assert sorted(r.value["n"] for r in plugins.SINK_RECEIVED[name]) == list(range(5))


def test_tolerance_none_fails_the_task_with_a_readable_reason(herder_factory, unique_name, services):
    produce(services.kafka_bootstrap, unique_name, [(None, b"{broken")])
    herder = herder_factory()
    name = unique_name + "-sink"
    herder.put_connector_config(name, {"connector.class": "collecting", "topics": unique_name}, allow_replace=False)
    status = herder.wait_for(name, lambda s: s.tasks and s.tasks[0].state is State.FAILED)
    assert "Tolerance exceeded in error handler" in status.tasks[0].trace
    assert "not JSON" in status.tasks[0].trace


def test_source_transform_failure_with_tolerance_all_dead_letters_only_that_record(
    herder_factory, unique_name, services
):
    plugins.POISON.add(3)
    dlq = unique_name + "-dlq"
    herder = herder_factory()
    herder.put_connector_config(
        "poisoned",
        {
            "connector.class": "counting",
            "topic": unique_name,
            "count": "10",
            "transforms": "p",
            "transforms.p.type": "Poison",
            **dead_letters(dlq),
        },
        allow_replace=False,
    )
    try:
        messages = read_topic(services.kafka_bootstrap, unique_name, lambda ms: len(ms) >= 9)
        dead = read_topic(services.kafka_bootstrap, dlq, lambda ms: len(ms) >= 1)
    finally:
        plugins.POISON.discard(3)
    assert sorted(seqs(messages)) == [0, 1, 2, 4, 5, 6, 7, 8, 9]
    # The source record as it reached the failing transform, serialized by the connector's converters.
    assert seqs(dead) == [3]
    context = dict(dead[0].headers())
    assert context["__connect.errors.stage"] == b"TRANSFORMATION"
    assert context["__connect.errors.topic"] == unique_name.encode()
    assert context["__connect.errors.offset"] == b"-1"


def test_a_source_record_that_fails_the_task_never_has_its_offset_committed(herder_factory, unique_name, services):
    """errors.tolerance=none: the failing record's offset must not be committed, so a restart reads it again."""
    plugins.POISON.add(25)
    config = {
        "connector.class": "counting",
        "topic": unique_name,
        "count": "40",
        "batch": "10",
        "transforms": "p",
        "transforms.p.type": "Poison",
    }
    herder = herder_factory()
    try:
        herder.put_connector_config("poisoned", config, allow_replace=False)
        herder.wait_for("poisoned", lambda s: bool(s.tasks) and s.tasks[0].state is State.FAILED)
        herder.stop()  # the failed task's last commit is done once it stopped
        # The batch of the failed record was cut at it: what Kafka stored before it is committed, never more.
        assert herder.connector_offsets("poisoned") == [{"partition": {"task": "0"}, "offset": {"seq": 24}}]
    finally:
        plugins.POISON.discard(25)
    again = herder_factory()
    again.put_connector_config("poisoned", config, allow_replace=False)
    messages = read_topic(services.kafka_bootstrap, unique_name, lambda ms: len(ms) >= 40)
    assert sorted(seqs(messages)) == list(range(40))


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"connector.class": "no.such.Connector"}, "connector.class"),
        ({"connector.class": "counting"}, "topic"),
        ({"connector.class": "counting", "topic": "t", "tasks.max": "two"}, "tasks.max"),
    ],
)
def test_bad_configs_are_rejected_naming_the_key(herder_factory, config, key):
    herder = herder_factory()
    with pytest.raises(ConnectorConfigError) as info:
        herder.put_connector_config("bad", config, allow_replace=False)
    assert key in str(info.value)
    assert herder.connectors() == []


def test_with_a_config_file_connectors_run_again_after_a_restart_in_their_target_state(
    worker_props, herder_factory, unique_name, services, tmp_path
):
    worker_props["config.storage.file.filename"] = str(tmp_path / "configs.json")
    worker_props["status.storage.file.filename"] = str(tmp_path / "status.json")
    herder = herder_factory()
    topic = unique_name
    herder.put_connector_config(
        "src", {"connector.class": "counting", "topic": topic, "count": "50"}, allow_replace=False
    )
    herder.put_connector_config("held", {"connector.class": "counting", "topic": topic + "-held"}, allow_replace=False)
    herder.put_connector_config(
        "parked", {"connector.class": "counting", "topic": topic + "-parked"}, allow_replace=False
    )
    herder.wait_for("held", running)
    herder.pause_connector("held")
    herder.stop_connector("parked")
    wait_until(
        lambda: herder.connector_offsets("src") == [{"partition": {"task": "0"}, "offset": {"seq": 49}}],
        message="offset 49 flushed",
    )
    herder.stop()

    again = herder_factory()
    assert again.connectors() == ["held", "parked", "src"]
    again.wait_for("src", running)
    again.wait_for("held", lambda s: s.connector.state is State.PAUSED and s.tasks[0].state is State.PAUSED)
    assert again.connector_status("parked").connector.state is State.STOPPED
    assert again.connector_status("parked").tasks == []
    # The restarted source resumed from its offset: 50 records in all, none twice.
    again.put_connector_config(
        "src", {"connector.class": "counting", "topic": topic, "count": "60"}, allow_replace=True
    )
    assert sorted(seqs(read_topic(services.kafka_bootstrap, topic, lambda ms: len(ms) >= 60))) == list(range(60))


def received_offsets(name: str) -> list[int]:
    return [r.kafka_offset for r in plugins.SINK_RECEIVED.get(name, [])]


def test_a_rewind_asked_for_in_put_comes_before_any_record_fetched_past_it(herder_factory, unique_name, services):
    produce(services.kafka_bootstrap, unique_name, [(None, orjson.dumps({"n": n})) for n in range(100)])
    herder = herder_factory()
    name = unique_name + "-sink"
    config = {
        "connector.class": "rewinding",
        "topics": unique_name,
        "consumer.override.max.poll.records": "10",  # later batches are already fetched when the rewind is asked
        "rewind.at": "25",
        "rewind.to": "5",
    }
    herder.put_connector_config(name, config, allow_replace=False)
    wait_until(lambda: name in plugins.REWOUND_AFTER, message="the rewind asked for")
    last = plugins.REWOUND_AFTER[name]
    wait_until(lambda: len(received_offsets(name)) >= last + 1 + 95, message="every record after the rewind")
    assert received_offsets(name) == [*range(last + 1), *range(5, 100)]


def test_a_skip_asked_for_in_open_is_where_the_first_batch_starts(herder_factory, unique_name, services):
    produce(services.kafka_bootstrap, unique_name, [(None, orjson.dumps({"n": n})) for n in range(100)])
    herder = herder_factory()
    name = unique_name + "-sink"
    config = {"connector.class": "rewinding", "topics": unique_name, "open.offset": "60"}
    herder.put_connector_config(name, config, allow_replace=False)
    wait_until(lambda: len(received_offsets(name)) >= 40, message="the records from offset 60")
    assert received_offsets(name) == list(range(60, 100))
