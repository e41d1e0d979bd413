"""Elasticsearch stopped mid-stream, then started: nothing lost, nothing twice, offsets never ahead of ES.

The feed loop does what the worker does with a sink task: put batches, offer a batch again after
a RetriableException, put empty batches while the task has its partitions paused, and ask
`pre_commit` for the offsets to commit. A client that notes which items Elasticsearch acknowledged
checks, at every commit, that no offset is committed before its write succeeded.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from connect.data import SinkRecord
from connect.errors import RetriableException
from connect.spi import TopicPartition
from connectors.elasticsearch.client import EsClient
from connectors.elasticsearch.config import EsSinkConfig
from connectors.elasticsearch.sink import ElasticsearchSinkTask
from tests.integration.connectors.elasticsearch.es_index import EsIndex
from tests.support.kafka import wait_until
from tests.support.sink_context import SinkContext

SERVICES = Path(__file__).resolve().parents[2] / "scripts" / "services"
BATCH = 20  # records per put, every 50 ms: a stream of about 400 records/s


class AckNotingClient(EsClient):
    """The real client, noting the ids of the items Elasticsearch acknowledged.

    A 409 counts: the document is there with this version or a newer one (e.g. a request that was
    written before the node died, and retried because its response was lost).
    """

    def __init__(self, config: EsSinkConfig) -> None:
        super().__init__(config)
        self.acked: set[int] = set()

    def bulk(self, body: bytes) -> list[dict[str, Any]]:
        items = super().bulk(body)
        ids = [line.split(b'"_id":"', 1)[1].split(b'"', 1)[0] for line in body.splitlines()[::2]]
        self.acked.update(
            int(i) for i, item in zip(ids, items, strict=True) if next(iter(item.values()))["status"] in (200, 201, 409)
        )
        return items


class Feed(threading.Thread):
    """Feeds records (key = offset) to the task as the worker would, until told to finish."""

    def __init__(self, task: ElasticsearchSinkTask, context: SinkContext, client: AckNotingClient, tp: TopicPartition):
        super().__init__(daemon=True)
        self.task, self.context, self.client, self.tp = task, context, client, tp
        self.refused = 0  # puts refused with RetriableException
        self.paused_seen = False
        self.committed = 0
        self.fed = 0
        self.finish = threading.Event()
        self.violations: list[str] = []

    def commit(self, position: int) -> None:
        safe = self.task.pre_commit({self.tp: position})[self.tp]
        missing = set(range(self.committed, safe)) - self.client.acked
        if missing:
            self.violations.append(f"offset {safe} committed before {sorted(missing)[:5]} were written")
        self.committed = max(self.committed, safe)

    def put(self, batch: list[SinkRecord], position: int) -> None:
        """Put until accepted: a refused batch is offered again after a pause, as the worker does."""
        while True:
            try:
                self.task.put(batch)
                return
            except RetriableException:
                self.refused += 1
                self.commit(position)
                time.sleep(0.5)

    def run(self) -> None:
        while not self.finish.is_set():
            lo = self.fed
            self.put(
                [
                    SinkRecord(self.tp.topic, 0, None, o, None, {"n": o, "text": f"row {o}"}, o)
                    for o in range(lo, lo + BATCH)
                ],
                lo,
            )
            while self.context.paused:  # the worker fetches nothing for paused partitions
                self.paused_seen = True
                self.put([], lo + BATCH)
                self.commit(lo + BATCH)
                time.sleep(0.1)
            self.fed = lo + BATCH
            self.commit(self.fed)
            time.sleep(0.05)


def run_services(*args: str) -> None:
    subprocess.run([sys.executable, str(SERVICES), *args], check=True, timeout=300, capture_output=True)


@pytest.mark.skipif(not SERVICES.exists(), reason="needs scripts/services to stop and start Elasticsearch")
def test_elasticsearch_down_mid_stream_loses_nothing_and_the_task_recovers_by_itself(services, unique_name):
    es_url = services.es_url
    tp = TopicPartition(unique_name, 0)
    props = {
        "connection.url": es_url,
        "max.retries": "3",
        "retry.backoff.ms": "100",
        "max.buffered.records": "500",
        "batch.size": "200",
    }
    client = AckNotingClient(EsSinkConfig.parse(props))
    task, context = ElasticsearchSinkTask(client=client), SinkContext({tp})
    task.initialize(context)
    task.start(props)
    with EsIndex(es_url, unique_name) as target:
        feed = Feed(task, context, client, tp)
        feed.start()
        try:
            wait_until(lambda: len(client.acked) >= 500, timeout=60, message="the first writes")
            run_services("down", "elasticsearch")
            try:
                # Writes fail: the task refuses batches once its retries are used up, and commits nothing unwritten.
                wait_until(lambda: feed.refused > 0, timeout=60, message="put refusing records while ES is down")
            finally:
                run_services("up", "elasticsearch")
            written_before = len(client.acked)
            wait_until(
                lambda: len(client.acked) >= written_before + 500,
                timeout=120,
                message="writes going on again without anyone restarting the task",
            )
            feed.finish.set()
            feed.join(timeout=30)
            task.flush({})
            feed.commit(feed.fed)
        finally:
            feed.finish.set()
            task.stop()
        assert feed.violations == []
        assert feed.committed == feed.fed
        docs = target.documents()
        assert len(docs) == target.count() == feed.fed
        assert all(source["n"] == int(doc_id) and version == int(doc_id) for doc_id, (source, version) in docs.items())
