"""Redis stopped and started mid-stream: nothing lost, offsets never ahead of Redis, the task recovers by itself.

The feed loop does what the worker does with a sink task: put batches, offer a batch again after a
RetriableException, and commit what `pre_commit` returns. At every commit the test checks that each
record below the committed offset is in Redis. The services script starts Redis without persistence;
for the restart to keep what Redis acknowledged (as a production cache of read models would), the
test has Redis save on shutdown, and removes the dump once Redis has loaded it.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import redis

from connect.data import SinkRecord
from connect.errors import RetriableException
from connectors.redis.sink import RedisSinkTask
from tests.integration.connectors.redis.redis_keys import KeySpace, started_task
from tests.support.kafka import wait_until

SERVICES = Path(__file__).resolve().parents[2] / "scripts" / "services"
BATCH = 50  # records per put, every 20 ms


class Feed(threading.Thread):
    """Feeds HASH records (key = offset) to the task as the worker would, until told to finish."""

    def __init__(self, task: RedisSinkTask, topic: str, keys: KeySpace) -> None:
        super().__init__(daemon=True)
        self.task, self.topic, self.keys = task, topic, keys
        self.fed = self.committed = self.refused = 0
        self.finish = threading.Event()
        self.violations: list[str] = []
        self.error: BaseException | None = None

    def commit(self) -> None:
        self.task.pre_commit({})
        self.committed = self.fed
        if self.fed % 500 == 0:  # spot-check that what is committed is in Redis
            probe = [f"{self.keys.prefix}:{o}" for o in range(max(0, self.fed - 500), self.fed, 37)]
            try:
                if self.keys.r.exists(*probe) != len(probe):
                    self.violations.append(f"offsets below {self.fed} committed but not all in Redis")
            except redis.ConnectionError:
                pass  # Redis went down again between the write and this check

    def run(self) -> None:
        try:
            while not self.finish.is_set():
                lo = self.fed
                batch = [
                    SinkRecord(self.topic, 0, None, o, None, {"n": o, "text": f"row {o}"}, o)
                    for o in range(lo, lo + BATCH)
                ]
                while True:
                    try:
                        self.task.put(batch)
                        break
                    except RetriableException:
                        self.refused += 1
                        time.sleep(0.2)  # the worker backs off, then offers the same batch again
                self.fed = lo + BATCH
                self.commit()
                time.sleep(0.02)
        except BaseException as exc:
            self.error = exc


def run_services(*args: str) -> None:
    subprocess.run([sys.executable, str(SERVICES), *args], check=True, timeout=300, capture_output=True)


@pytest.mark.skipif(not SERVICES.exists(), reason="needs scripts/services to stop and start Redis")
def test_redis_restarted_mid_stream_loses_nothing_and_the_task_recovers_by_itself(services, unique_name):
    admin = redis.Redis.from_url(services.redis_url)
    dump = Path(admin.config_get("dir")["dir"]) / admin.config_get("dbfilename")["dbfilename"]
    task = started_task(
        {
            "redis.uri": services.redis_url,
            "redis.type": "HASH",
            "redis.key.prefix": unique_name,
        }
    )
    with KeySpace(services.redis_url, unique_name) as keys:
        feed = Feed(task, unique_name, keys)
        feed.start()
        try:
            wait_until(lambda: feed.fed >= 1000, timeout=60, message="the first writes")
            admin.config_set("save", "3600 1")  # keep acknowledged writes through the restart
            run_services("down", "redis")
            try:
                wait_until(lambda: feed.refused > 0, timeout=60, message="put refusing batches while Redis is down")
                stalled_at = feed.fed
            finally:
                run_services("up", "redis")
            wait_until(
                lambda: feed.fed >= stalled_at + 1000,
                timeout=120,
                message="writes going on again without anyone restarting the task",
            )
            feed.finish.set()
            feed.join(timeout=30)
        finally:
            feed.finish.set()
            task.stop()
            dump.unlink(missing_ok=True)
            admin.close()
        assert feed.error is None, feed.error
        assert feed.violations == []
        assert feed.committed == feed.fed
        names = {k.decode() for k in keys.names()}
        assert names == {f"{unique_name}:{o}" for o in range(feed.fed)}
        pipe = keys.r.pipeline()
        for o in range(feed.fed):
            pipe.hgetall(f"{unique_name}:{o}")
        assert pipe.execute() == [{b"n": str(o).encode(), b"text": f"row {o}".encode()} for o in range(feed.fed)]
