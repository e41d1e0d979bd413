"""Every converter, header converter, transform and predicate a task configured is closed once when the task
stops, whatever stops it: a stop, a restart, a failure, a delete, or a build that failed half-way."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest

from connect.runtime.herder import State
from connect.runtime.standalone import StandaloneHerder, running
from tests.fixtures.worker import worker_props
from tests.support import plugins
from tests.support.kafka import produce, wait_until

SOURCE_PLUGINS = 3  # key, value and header converters
SINK_PLUGINS = 3 + 2 + 2  # the converters, two transforms, two predicates (one shared, one unused)


@pytest.fixture
def herder(services, tmp_path) -> Iterator[StandaloneHerder]:
    props = worker_props(
        services,
        tmp_path,
        **{"key.converter": "TrackedJson", "value.converter": "TrackedJson", "header.converter": "TrackedHeaders"},
    )
    worker = StandaloneHerder(props, registry=plugins.fake_registry())
    worker.start()
    plugins.LIVE.clear()
    plugins.CLOSED_TWICE.clear()
    yield worker
    worker.stop()


def sink_config(topic: str) -> dict[str, str]:
    return {
        "connector.class": "collecting",
        "topics": topic,
        "transforms": "a,b",
        "transforms.a.type": "TrackedField",
        "transforms.a.field": "a",
        "transforms.a.predicate": "mine",
        "transforms.b.type": "TrackedField",
        "transforms.b.field": "b",
        "transforms.b.predicate": "mine",
        "predicates": "mine,unused",
        "predicates.mine.type": "TrackedTopicIs",
        "predicates.mine.topic": topic,
        "predicates.unused.type": "TrackedTopicIs",
        "predicates.unused.topic": "nothing",
    }


def live(expected: int, what: str) -> None:
    wait_until(lambda: len(plugins.LIVE) == expected, message=f"{expected} plugins open {what} ({len(plugins.LIVE)})")


def test_every_stop_path_closes_what_the_task_configured(herder: StandaloneHerder, services, unique_name):
    source, sink = f"{unique_name}-src", f"{unique_name}-sink"
    herder.put_connector_config(
        source, {"connector.class": "counting", "topic": f"{unique_name}-out", "count": "10"}, allow_replace=False
    )
    herder.put_connector_config(sink, sink_config(unique_name), allow_replace=False)
    herder.wait_for(source, running)
    herder.wait_for(sink, running)
    live(SOURCE_PLUGINS + SINK_PLUGINS, "with both running")

    for name in (source, sink):
        herder.restart_connector(name, include_tasks=True)
    herder.wait_for(source, running)
    herder.wait_for(sink, running)
    live(SOURCE_PLUGINS + SINK_PLUGINS, "after a restart of both")

    herder.stop_connector(sink)
    herder.wait_for(sink, lambda s: s.connector.state is State.STOPPED and not s.tasks)
    live(SOURCE_PLUGINS, "with the sink stopped")
    herder.resume_connector(sink)
    herder.wait_for(sink, running)
    live(SOURCE_PLUGINS + SINK_PLUGINS, "with the sink resumed")

    produce(services.kafka_bootstrap, unique_name, [(None, orjson.dumps({"fail": True}))])  # errors.tolerance=none
    herder.wait_for(sink, lambda s: bool(s.tasks) and s.tasks[0].state is State.FAILED)
    live(SOURCE_PLUGINS, "with the sink task failed")

    herder.delete_connector(sink)
    herder.delete_connector(source)
    live(0, "with both deleted")

    broken = {**sink_config(unique_name), "transforms": "a,b,c", "transforms.c.type": "BrokenTransform"}
    herder.put_connector_config(sink, broken, allow_replace=False)
    status = herder.wait_for(sink, lambda s: bool(s.tasks) and s.tasks[0].state is State.FAILED)
    assert "cannot reach the lookup service" in (status.tasks[0].trace or "")
    live(0, "after a task failed to build half-way")
    assert plugins.CLOSED_TWICE == []
