"""Elasticsearch sink bench: documents/s through the sink task beside the bulk-helper limit of the same run.

    python bench/es_sink.py [--docs 50000] [--es http://127.0.0.1:19200] [--chunk 1000] [--size 1024]

(1) the limit: the `elasticsearch` client's `helpers.bulk` and `helpers.parallel_bulk` (5 threads;
the faster of the two counts) indexing N documents of about `--size` bytes into a fresh index,
`--chunk` documents per request; (2) the sink task's put/flush path (puts of 500 records, as the
worker hands them over, pausing when the task asks; `batch.size` = `--chunk`, other settings at their
defaults: external versions, 5 requests in flight, `max.buffered.records` 20000) writing the same
documents into another fresh index. As in the worker, each put's records are made just before it and
dropped after it (the time making them is not counted), so the sink's peak RSS shows what it keeps of
the records in flight. Phases are interleaved over `--rounds` rounds after a warm-up, the best run of each counts;
each runs in its own process, so its peak RSS is its own. Prints docs/s, the ratio (goal >= 80%)
and peak RSS.
"""

from __future__ import annotations

import argparse
import time
import uuid
from collections import deque
from typing import Any

from _measure import BenchSinkContext, in_process, peak_rss_mb
from elasticsearch import Elasticsearch, helpers

from connect.data import SinkRecord
from connect.spi import TopicPartition

PUT_SIZE = 500  # the worker's max.poll.records
IN_FLIGHT = 5  # the sink's default max.in.flight.requests; parallel_bulk gets as many threads


def document(i: int, size: int) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": i,
        "sku": f"SKU-{i:08d}",
        "price": i % 1000 / 10,
        "in_stock": i % 3 != 0,
        "category": f"category-{i % 50}",
        "updated_at": "2026-11-23T08:00:00Z",
    }
    filler = size - 160
    doc["description"] = (f"item {i} " * (filler // 8 + 1))[:filler]
    return doc


def fresh_index(es: Elasticsearch, name: str) -> None:
    es.indices.delete(index=name, ignore_unavailable=True)
    es.indices.create(index=name, settings={"number_of_replicas": 0})


def count(es: Elasticsearch, index: str) -> int:
    es.indices.refresh(index=index)
    return int(es.count(index=index)["count"])


def run_helpers(url: str, index: str, n: int, size: int, chunk: int, parallel: bool, out: Any) -> None:
    es = Elasticsearch(url, request_timeout=60)
    fresh_index(es, index)
    actions = [{"_index": index, "_id": str(i), "_source": document(i, size)} for i in range(n)]
    start = time.perf_counter()
    if parallel:
        deque(helpers.parallel_bulk(es, actions, chunk_size=chunk, thread_count=IN_FLIGHT), maxlen=0)
    else:
        helpers.bulk(es, actions, chunk_size=chunk)
    elapsed = time.perf_counter() - start
    assert count(es, index) == n
    es.indices.delete(index=index)
    out.put((n / elapsed, peak_rss_mb()))


def run_sink(url: str, index: str, n: int, size: int, chunk: int, out: Any) -> None:
    from connectors.elasticsearch.sink import ElasticsearchSinkTask

    es = Elasticsearch(url, request_timeout=60)
    fresh_index(es, index)
    task, context = ElasticsearchSinkTask(), BenchSinkContext(TopicPartition("bench", 0))
    task.initialize(context)  # type: ignore[arg-type]
    task.start({"connection.url": url, "batch.size": str(chunk), "read.timeout.ms": "30000"})
    making = 0.0  # time spent making records: the limit's documents are made before it starts too
    start = time.perf_counter()
    for lo in range(0, n, PUT_SIZE):
        while context.paused:  # the worker polls nothing for a paused partition and puts an empty batch
            time.sleep(0.005)
            task.put([])
        made = time.perf_counter()
        records = [SinkRecord(index, 0, None, i, None, document(i, size), i) for i in range(lo, min(lo + PUT_SIZE, n))]
        making += time.perf_counter() - made
        task.put(records)
    del records
    task.flush({})
    elapsed = time.perf_counter() - start - making
    committed = task.pre_commit({TopicPartition(index, 0): n})
    task.stop()
    assert committed == {TopicPartition(index, 0): n}, committed
    assert count(es, index) == n
    es.indices.delete(index=index)
    out.put((n / elapsed, peak_rss_mb()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=50_000)
    ap.add_argument("--es", default="http://127.0.0.1:19200")
    ap.add_argument("--chunk", type=int, default=1000)
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--rounds", type=int, default=2, help="each phase runs this often; the best run counts")
    args = ap.parse_args()
    tag = f"bench-es-{uuid.uuid4().hex[:8]}"
    n, size, chunk = args.docs, args.size, args.chunk
    # Elasticsearch's JIT and caches warm up over the first tens of thousands of documents.
    in_process(run_helpers, args.es, tag + "-warmup", 20_000, size, chunk, True)
    in_process(run_sink, args.es, tag + "-warmup", 20_000, size, chunk)
    runs: dict[str, list[tuple[float, float]]] = {"bulk": [], "parallel": [], "sink": []}
    for r in range(args.rounds):  # interleaved, so drifts in machine load hit every phase alike
        runs["bulk"].append(in_process(run_helpers, args.es, f"{tag}-bulk-{r}", n, size, chunk, False))
        runs["parallel"].append(in_process(run_helpers, args.es, f"{tag}-parallel-{r}", n, size, chunk, True))
        runs["sink"].append(in_process(run_sink, args.es, f"{tag}-sink-{r}", n, size, chunk))
    (bulk, bulk_rss), (parallel, par_rss), (sink, sink_rss) = (max(runs[k]) for k in ("bulk", "parallel", "sink"))
    limit = max(bulk, parallel)
    print(f"documents: {n} of ~{size} bytes, {chunk} per bulk request, best of {args.rounds} rounds")
    print(f"limit  helpers.bulk          {bulk:9.0f} docs/s   peak RSS {bulk_rss:6.0f} MB")
    print(f"limit  helpers.parallel_bulk {parallel:9.0f} docs/s   peak RSS {par_rss:6.0f} MB")
    print(f"sink   put/flush             {sink:9.0f} docs/s   peak RSS {sink_rss:6.0f} MB")
    print(f"ratio  sink / best limit     {sink / limit:9.1%}   (goal >= 80%)")


if __name__ == "__main__":
    main()
