"""Instances as real processes: kill -9 and restart (state restored from the changelog; counts exact under
exactly-once, never lower under at-least-once), and two instances sharing partitions, one stopping and
its tasks and state moving to the other."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.support.kafka import read_topic, wait_until
from tests.support.streams import create_topics, load, produce_json

APP = Path(__file__).with_name("count_app.py")
KEYS = 40


class Instance:
    def __init__(self, services, name: str, state_dir: Path, guarantee: str, delay_ms: int = 0) -> None:
        self.state_dir = state_dir
        state_dir.mkdir(parents=True, exist_ok=True)
        args = [services.kafka_bootstrap, name, f"{name}-in", f"{name}-out", str(state_dir), guarantee, str(delay_ms)]
        self.proc = subprocess.Popen([sys.executable, str(APP), *args], stderr=subprocess.PIPE, text=True)

    def tasks(self) -> list[str]:
        try:
            status = json.loads((self.state_dir / "status.json").read_text())
        except (OSError, ValueError):
            return []
        return status["tasks"] if status["state"] == "RUNNING" else []

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        _, err = self.proc.communicate(timeout=60)
        assert self.proc.returncode == 0, err

    def ensure_stopped(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def counts_by_key(messages) -> dict[str, list[int]]:
    seen: dict[str, list[int]] = {}
    for m in messages:
        seen.setdefault(load(m.key()), []).append(load(m.value()))
    return seen


def records(start: int, count: int) -> list[tuple[str, dict]]:
    return [(f"r{i}", {"key": f"k{i % KEYS}"}) for i in range(start, start + count)]


def expected(total: int) -> Counter:
    return Counter(f"k{i % KEYS}" for i in range(total))


@pytest.mark.parametrize("guarantee", ["exactly_once_v2", "at_least_once"])
def test_kill_9_and_restart(services, unique_name, tmp_path, guarantee):
    kafka, n = services.kafka_bootstrap, unique_name
    create_topics(kafka, {f"{n}-in": 2, f"{n}-out": 2})
    total = 3000
    produce_json(kafka, f"{n}-in", records(0, total))
    first = Instance(services, n, tmp_path / "a", guarantee, delay_ms=1)
    try:
        read_topic(kafka, f"{n}-out", lambda ms: len(ms) >= 600, timeout=60)
        first.kill()  # mid-stream: some work committed, some not
    finally:
        first.ensure_stopped()
    second = Instance(services, n, tmp_path / "a", guarantee)
    try:
        wait_until(lambda: len(second.tasks()) == 4, timeout=60, message="the restarted instance running")
        want = expected(total)
        done = read_topic(
            kafka,
            f"{n}-out",
            lambda ms: all(max(v) >= want[k] for k, v in counts_by_key(ms).items()) and len(counts_by_key(ms)) == KEYS,
            timeout=90,
        )
        second.stop()
    finally:
        second.ensure_stopped()
    seen = counts_by_key(done)
    final = {k: max(v) for k, v in seen.items()}
    if guarantee == "exactly_once_v2":
        # every count appears once and in order: nothing lost, nothing counted twice, no aborted output visible
        assert seen == {k: list(range(1, want[k] + 1)) for k in want}
    else:
        assert all(final[k] >= want[k] for k in want)


def test_two_instances_share_partitions_and_hand_over_tasks_and_state(services, unique_name, tmp_path):
    kafka, n = services.kafka_bootstrap, unique_name
    create_topics(kafka, {f"{n}-in": 4, f"{n}-out": 4})
    a = Instance(services, n, tmp_path / "a", "at_least_once")
    b = Instance(services, n, tmp_path / "b", "at_least_once")
    try:
        wait_until(
            lambda: len(a.tasks()) + len(b.tasks()) == 8 and a.tasks() and b.tasks(),
            timeout=60,
            message="both instances running tasks",
        )
        assert set(a.tasks()).isdisjoint(b.tasks())
        produce_json(kafka, f"{n}-in", records(0, 2000))
        want = expected(2000)
        read_topic(kafka, f"{n}-out", lambda ms: {k: max(v) for k, v in counts_by_key(ms).items()} == want, timeout=60)
        moved = b.tasks()
        b.stop()
        wait_until(lambda: len(a.tasks()) == 8, timeout=60, message="the survivor owning every task")
        assert set(moved) <= set(a.tasks())
        produce_json(kafka, f"{n}-in", records(2000, 2000))
        want = expected(4000)
        done = read_topic(
            kafka, f"{n}-out", lambda ms: {k: max(v) for k, v in counts_by_key(ms).items()} == want, timeout=60
        )
        a.stop()
    finally:
        a.ensure_stopped()
        b.ensure_stopped()
    # clean hand-over: the state moved with the tasks, so each count went on from where it was
    assert {k: max(v) for k, v in counts_by_key(done).items()} == want
