"""S3 killed mid-stream, then started again: put refuses records while it is down, nothing is lost or written
twice, no offset is said safe before its objects exist, and the task recovers without a restart.

The store is a private S3Proxy (the jar `scripts/services` installed) on its own port and folder, so
killing it disturbs no other test.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from connect.data import SinkRecord
from connect.errors import RetriableException
from connect.spi import TopicPartition
from tests.fixtures.services import Services
from tests.integration.connectors.s3.s3_bucket import Bucket, Driver, sink_props
from tests.support.kafka import wait_until

HOME = Path(os.environ.get("SLUICE_HOME", "/var/tmp/sluice-services"))
JARS = sorted((HOME / "cache" / "s3proxy").glob("s3proxy-*-jar-with-dependencies.jar"))
FLUSH, BATCH = 40, 20


class PrivateS3:
    """An S3Proxy of this test's own, started and SIGKILLed at will; its data survives restarts."""

    def __init__(self, services: Services, folder: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        (folder / "buckets").mkdir(parents=True)
        self.conf = folder / "s3proxy.conf"
        self.conf.write_text(
            "\n".join(
                [
                    f"s3proxy.endpoint=http://127.0.0.1:{self.port}",
                    "s3proxy.authorization=aws-v2-or-v4",
                    f"s3proxy.identity={services.s3_access_key}",
                    f"s3proxy.credential={services.s3_secret_key}",
                    "jclouds.provider=filesystem",
                    f"jclouds.filesystem.basedir={folder / 'buckets'}",
                    "",
                ]
            )
        )
        self.log = folder / "s3proxy.log"
        self.proc: subprocess.Popen | None = None
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                ["java", "-Xmx128m", "-XX:TieredStopAtLevel=1", "-jar", str(JARS[-1]), "--properties", str(self.conf)],
                stdout=out,
                stderr=out,
            )
        wait_until(self._answers, timeout=60, message="the private S3Proxy")

    def _answers(self) -> bool:
        try:
            urllib.request.urlopen(self.endpoint, timeout=1)
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False
        return True

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)


@pytest.fixture
def private_s3(services, tmp_path):
    store = PrivateS3(services, tmp_path / "s3")
    store.start()
    yield store
    store.kill()


@pytest.mark.skipif(not JARS, reason="needs the S3Proxy jar installed by scripts/services")
def test_s3_down_mid_stream_loses_nothing_and_the_task_recovers_by_itself(services, private_s3, unique_name):
    own = Services(**{**services.__dict__, "s3_endpoint": private_s3.endpoint})
    tp = TopicPartition(unique_name, 0)
    with Bucket(own, unique_name) as bucket:
        props = sink_props(
            own, bucket, **{"flush.size": str(FLUSH), "s3.part.retries": "0", "s3.retry.backoff.ms": "50"}
        )
        sink = Driver(props, {tp})
        fed, refused, safe_seen = 0, 0, []

        def feed_once() -> None:
            nonlocal fed, refused
            batch = [SinkRecord(tp.topic, 0, None, None, None, {"n": o}, o) for o in range(fed, fed + BATCH)]
            try:
                sink.put(batch)
                fed += BATCH
            except RetriableException:
                refused += 1  # the worker keeps the batch and offers it again after a pause
                time.sleep(0.1)
            safe_seen.append(sink.safe()[tp])

        try:
            while len(bucket.objects()) < 3:
                feed_once()
            written = fed
            private_s3.kill()
            wait_until(lambda: (feed_once(), refused > 0)[1], timeout=60, message="put refusing records")
            assert fed < written + 40 * FLUSH, "put kept accepting records while S3 was down"
            private_s3.start()
            wait_until(lambda: (feed_once(), fed >= written + 10 * FLUSH)[1], timeout=90, message="writes again")
            while fed % FLUSH:
                feed_once()
            sink.wait_safe({tp: fed}, timeout=60)
        finally:
            sink.stop()
        numbers = [r["n"] for key in bucket.objects() for r in bucket.records(key)]
        assert numbers == list(range(fed))
        assert safe_seen == sorted(safe_seen)
        starts = [int(k.rsplit("+", 1)[1].split(".")[0]) for k in bucket.objects()]
        assert all(s % FLUSH == 0 for s in starts)
