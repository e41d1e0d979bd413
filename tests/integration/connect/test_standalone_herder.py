"""The standalone herder's Kafka Connect 4.x semantics: versions in statuses, RESTARTING in restart answers,
a STOPPED connector kept stopped by config updates, active topics kept across config updates, task configs
generated only for a STARTED connector."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from connect.runtime.herder import State, TargetState
from connect.runtime.standalone import StandaloneHerder, running
from tests.fixtures.worker import worker_props
from tests.support import plugins
from tests.support.kafka import produce, wait_until


@pytest.fixture
def herder(services, tmp_path: Path) -> Iterator[StandaloneHerder]:
    props = worker_props(services, tmp_path, **{"key.converter": "PlainJson", "value.converter": "PlainJson"})
    started = StandaloneHerder(props, registry=plugins.fake_registry())
    started.start()
    yield started
    started.stop()


def counting(topic: str, **extra: str) -> dict[str, str]:
    return {"connector.class": "counting", "topic": topic, "count": "20", **extra}


def states(herder: StandaloneHerder, name: str) -> tuple[str, list[str]]:
    status = herder.connector_status(name)
    return status.connector.state.value, [t.state.value for t in status.tasks]


def test_statuses_carry_the_plugin_version(herder: StandaloneHerder, unique_name: str):
    herder.put_connector_config("src", counting(unique_name), allow_replace=False)
    status = herder.wait_for("src", running).to_json()
    assert status["connector"]["version"] == plugins.CountingSource.version
    assert [t["version"] for t in status["tasks"]] == [plugins.CountingSource.version]
    assert herder.task_status("src", 0).to_json()["version"] == plugins.CountingSource.version


def test_a_restart_answers_restarting_for_what_it_restarts(herder: StandaloneHerder, unique_name: str, tmp_path):
    herder.put_connector_config("src", counting(unique_name, **{"tasks.max": "1"}), allow_replace=False)
    herder.wait_for("src", running)
    everything = herder.restart_connector("src", include_tasks=True)
    assert (everything.connector.state, [t.state for t in everything.tasks]) == (State.RESTARTING, [State.RESTARTING])
    herder.wait_for("src", running)
    nothing_failed = herder.restart_connector("src", include_tasks=True, only_failed=True)
    assert (nothing_failed.connector.state, [t.state for t in nothing_failed.tasks]) == (State.RUNNING, [State.RUNNING])
    # a sink whose file cannot be opened: its task FAILED, the connector RUNNING; only the task restarts
    sink = {"connector.class": "file", "topics": unique_name, "file": str(tmp_path)}
    herder.put_connector_config("sink", sink, allow_replace=False)
    herder.wait_for("sink", lambda s: [t.state for t in s.tasks] == [State.FAILED])
    failed_only = herder.restart_connector("sink", include_tasks=True, only_failed=True)
    assert (failed_only.connector.state, [t.state for t in failed_only.tasks]) == (State.RUNNING, [State.RESTARTING])
    assert failed_only.tasks[0].trace  # the trace of the failure being restarted, as Connect shows it
    herder.stop_connector("src")
    stopped = herder.restart_connector("src", include_tasks=True)
    assert (stopped.connector.state, stopped.tasks) == (State.RESTARTING, [])
    assert states(herder, "src") == ("STOPPED", [])


def test_a_config_update_keeps_a_stopped_connector_stopped(herder: StandaloneHerder, unique_name: str):
    _, info = herder.put_connector_config(
        "src", counting(unique_name), allow_replace=False, initial_state=TargetState.STOPPED
    )
    assert info.tasks == [] and states(herder, "src") == ("STOPPED", [])
    assert herder.connector_info("src").type == "source"
    _, info = herder.put_connector_config("src", counting(unique_name, count="30"), allow_replace=True)
    assert info.tasks == [] and states(herder, "src") == ("STOPPED", [])
    info = herder.patch_connector_config("src", {"count": "40"})
    assert info.tasks == [] and states(herder, "src") == ("STOPPED", [])
    herder.resume_connector("src")
    herder.wait_for("src", running)
    assert herder.task_configs("src")[0].config["count"] == "40"


def test_a_config_update_keeps_the_active_topics(herder: StandaloneHerder, unique_name: str):
    herder.put_connector_config("src", counting(unique_name), allow_replace=False)
    wait_until(lambda: herder.connector_active_topics("src") == [unique_name], message="topic in use")
    herder.put_connector_config("src", counting(unique_name, count="25"), allow_replace=True)
    assert herder.connector_active_topics("src") == [unique_name]
    herder.patch_connector_config("src", {"count": "30"})
    assert herder.connector_active_topics("src") == [unique_name]
    herder.reset_connector_active_topics("src")
    assert herder.connector_active_topics("src") == []


def test_a_masked_value_written_back_keeps_its_secret(herder: StandaloneHerder, unique_name: str):
    secret_config = counting(unique_name, **{"extra.url": "http://u:kept-secret@h", "extra.password": "kept-pw"})
    herder.put_connector_config("src", secret_config, allow_replace=False)
    shown = herder.connector_config("src")
    assert shown["extra.url"] == "http://u:[hidden]@h" and shown["extra.password"] == "[hidden]"
    herder.put_connector_config("src", {**shown, "count": "21"}, allow_replace=True)
    stored = herder.configs.snapshot().connector_config("src")
    assert stored["extra.url"] == "http://u:kept-secret@h" and stored["extra.password"] == "kept-pw"


def test_a_sinks_active_topics_are_those_it_consumed_from_since_the_reset(
    herder: StandaloneHerder, unique_name: str, services
):
    produce(services.kafka_bootstrap, unique_name, [(None, b'{"seq": 1}')])
    herder.put_connector_config("sink", {"connector.class": "collecting", "topics": unique_name}, allow_replace=False)
    wait_until(lambda: herder.connector_active_topics("sink") == [unique_name], message="topic consumed")
    herder.reset_connector_active_topics("sink")
    assert herder.connector_active_topics("sink") == []  # still assigned, but nothing consumed since
    produce(services.kafka_bootstrap, unique_name, [(None, b'{"seq": 2}')])
    wait_until(lambda: herder.connector_active_topics("sink") == [unique_name], message="topic consumed again")


def test_a_paused_connector_keeps_its_task_configs_until_it_resumes(herder: StandaloneHerder, unique_name: str):
    herder.put_connector_config("src", counting(unique_name), allow_replace=False)
    herder.wait_for("src", running)
    herder.pause_connector("src")
    herder.put_connector_config("src", counting(unique_name, count="30"), allow_replace=True)
    herder.restart_task("src", 0)  # restarted while PAUSED: not started until the resume
    assert herder.task_configs("src")[0].config["count"] == "20"
    assert states(herder, "src") == ("PAUSED", ["PAUSED"])
    herder.resume_connector("src")
    herder.wait_for("src", running)
    assert herder.task_configs("src")[0].config["count"] == "30"


def test_a_connector_created_paused_has_tasks_only_once_resumed(herder: StandaloneHerder, unique_name: str):
    _, info = herder.put_connector_config(
        "src", counting(unique_name), allow_replace=False, initial_state=TargetState.PAUSED
    )
    assert info.tasks == [] and states(herder, "src") == ("PAUSED", [])
    herder.stop_connector("src")
    herder.pause_connector("src")
    assert states(herder, "src") == ("PAUSED", [])
    herder.resume_connector("src")
    herder.wait_for("src", running)
    assert len(herder.task_configs("src")) == 1
