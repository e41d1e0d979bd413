"""The outage contract between connectors and the runtime, and the one backoff rule both use.

A system that is down is an outage, not a bad record. A connector whose system (database, search
cluster, cache, object store) cannot be reached, or refuses work for now (restarting, read-only after
a failover, overloaded: 429/503), raises `connect.errors.RetriableException` from `SourceTask.poll`,
`SinkTask.put` or `SinkTask.pre_commit`, with a message saying what it waits for. It does not sleep,
count attempts or give up: the runtime owns the waiting. For as long as the outage lasts, the runtime

- calls the same method again after `backoff(attempt)`: 0.25 s doubling up to 5 s, jittered, with no
  limit on attempts (an outage never fails a task);
- for a sink, pauses consumption of every partition, keeps the refused batch and offers that same batch
  again, committing nothing past it; for a source, keeps serving the producer and committing what
  Kafka acknowledged, then polls again (the task reconnects inside `poll`);
- says so: the task stays RUNNING (as Kafka Connect users expect) with a `trace` naming the reason and
  since when, `GET /health` lists the connector under `degraded`, and Prometheus has
  `connect_task_outages_total`, `connect_task_outage_retries_total`, `connect_task_waiting` and
  `connect_task_seconds_since_progress`.

Converters follow the same rule: one whose registry is down (the Avro converter's Schema Registry)
raises RetriableException, and the runtime waits it out instead of treating the record as bad. A
source converts the record again after each backoff; a sink delivers what it converted before it,
pauses consumption and reads the rest again after each backoff, committing nothing past it.

Any other exception fails the task: only errors that retrying cannot fix (refused credentials, a
missing permission, a broken config) do. A connector with a retry loop of its own below this line
(per-item retries of a bulk request already in flight) waits with the same `backoff`.
"""

from __future__ import annotations

import random

BACKOFF_INITIAL_S = 0.25
BACKOFF_MAX_S = 5.0


def backoff(attempt: int, initial_s: float = BACKOFF_INITIAL_S, max_s: float = BACKOFF_MAX_S) -> float:
    """Seconds to wait before retry `attempt` (1-based): initial * 2^(attempt-1), capped, jittered in its upper half.

    The jitter keeps tasks that lost the same system from retrying in step; the cap bounds how long a
    task takes to notice that the system is back.
    """
    ceiling = min(max_s, initial_s * 2 ** min(max(attempt, 1) - 1, 30))
    return ceiling / 2 + random.random() * ceiling / 2
