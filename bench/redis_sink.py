"""Redis sink bench: records/s through the sink task's put path beside the redis-py pipelining limit of one run.

    python bench/redis_sink.py [--records 100000] [--redis redis://127.0.0.1:16379/0] [--batch 500] [--rounds 3]

For each of HASH and STRING: (1) the limit: the `redis` client sending the very commands the sink
sends (built beforehand, outside the timing) in non-transactional pipelines of `--batch` records;
(2) the floor of the sink's own write path: the same pre-built commands through the sink's client
(its RESP packer and one round trip per batch, without redis-py's per-command pipeline bookkeeping);
(3) the sink task's `put` of the same records in batches of `--batch` (as the worker hands them over),
which converts each record (key, fields, JSON) and writes the batch before returning. Records are
rows of 8 columns (~250 bytes). Phases are interleaved over `--rounds` rounds, the best run of each
counts; each runs in its own process, so its peak RSS is its own (the limits hold every pre-built
command). Prints records/s, the ratios (goal: sink >= 70% of the redis-py limit) and peak RSS.
"""

from __future__ import annotations

import argparse
import time
import uuid
from decimal import Decimal
from typing import Any

import redis
from _measure import in_process, peak_rss_mb

from connect.data import SinkRecord


def row(i: int) -> dict[str, Any]:
    return {
        "id": i,
        "sku": f"SKU-{i:08d}",
        "price": Decimal(i % 100_000) / 100,
        "qty": i % 97,
        "in_stock": i % 3 != 0,
        "category": f"category-{i % 50}",
        "updated_at": "2026-11-23T08:00:00Z",
        "description": f"item {i} of the bench catalogue, a plain text field of a typical row " * 2,
    }


def records(topic: str, n: int) -> list[SinkRecord]:
    return [SinkRecord(topic, 0, None, i, None, row(i), i) for i in range(n)]


def props(url: str, kind: str, prefix: str) -> dict[str, str]:
    return {"redis.uri": url, "redis.type": kind, "redis.key.prefix": prefix}


def clear(r: redis.Redis, prefix: str) -> int:
    """Delete the run's keys; how many there were."""
    deleted = 0
    batch: list[bytes] = []
    for key in r.scan_iter(match=f"{prefix}:*", count=5000):
        batch.append(key)
        if len(batch) == 5000:
            deleted += r.unlink(*batch)
            batch.clear()
    if batch:
        deleted += r.unlink(*batch)
    return deleted


def run_limit(url: str, kind: str, prefix: str, n: int, batch: int, own_client: bool, out: Any) -> None:
    from connectors.redis.client import RedisClient
    from connectors.redis.config import RedisSinkConfig
    from connectors.redis.convert import CommandBuilder

    config = RedisSinkConfig.parse(props(url, kind, prefix))
    builder = CommandBuilder(config)
    recs = records(prefix, n)
    batches = [builder.build(recs[lo : lo + batch]).commands for lo in range(0, n, batch)]
    del recs
    r = redis.Redis.from_url(url)
    client = RedisClient(config)
    client.connect()
    start = time.perf_counter()
    for commands in batches:
        if own_client:
            client.execute(commands, False)
            continue
        pipe = r.pipeline(transaction=False)
        for command in commands:
            pipe.execute_command(*command)
        pipe.execute()
    elapsed = time.perf_counter() - start
    assert clear(r, prefix) == n
    out.put((n / elapsed, peak_rss_mb()))


def run_sink(url: str, kind: str, prefix: str, n: int, batch: int, out: Any) -> None:
    from connectors.redis.sink import RedisSinkTask

    recs = records(prefix, n)
    task = RedisSinkTask()
    task.start(props(url, kind, prefix))
    start = time.perf_counter()
    for lo in range(0, n, batch):
        task.put(recs[lo : lo + batch])
    elapsed = time.perf_counter() - start
    task.stop()
    assert clear(redis.Redis.from_url(url), prefix) == n
    out.put((n / elapsed, peak_rss_mb()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--redis", default="redis://127.0.0.1:16379/0")
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--rounds", type=int, default=3, help="each phase runs this often; the best run counts")
    args = ap.parse_args()
    tag = f"bench-redis-{uuid.uuid4().hex[:8]}"
    n, batch = args.records, args.batch
    print(f"records: {n} rows of 8 columns, {batch} per put / pipeline, best of {args.rounds} rounds")
    for kind in ("HASH", "STRING"):
        runs: dict[str, list[tuple[float, float]]] = {"redis-py": [], "own": [], "sink": []}
        for r in range(args.rounds):  # interleaved, so drifts in machine load hit every phase alike
            for name, own in (("redis-py", False), ("own", True)):
                runs[name].append(in_process(run_limit, args.redis, kind, f"{tag}-{kind}-{name}-{r}", n, batch, own))
            runs["sink"].append(in_process(run_sink, args.redis, kind, f"{tag}-{kind}-sink-{r}", n, batch))
        (limit, limit_rss), (floor, floor_rss), (sink, sink_rss) = (max(runs[k]) for k in runs)
        print(f"{kind:6} limit  redis-py pipeline, pre-built     {limit:9.0f} records/s   peak RSS {limit_rss:6.0f} MB")
        print(f"{kind:6} floor  sink's client, pre-built         {floor:9.0f} records/s   peak RSS {floor_rss:6.0f} MB")
        print(f"{kind:6} sink   put (convert + write)            {sink:9.0f} records/s   peak RSS {sink_rss:6.0f} MB")
        print(f"{kind:6} ratio  sink / redis-py limit            {sink / limit:9.1%}   (goal >= 70%)")
        print(f"{kind:6} ratio  sink / its own write path        {sink / floor:9.1%}   (the cost of converting)")


if __name__ == "__main__":
    main()
