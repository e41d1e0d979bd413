"""Measurement helpers shared by the benches: peak RSS, and running a phase in a fresh process."""

from __future__ import annotations

import multiprocessing as mp
import resource
from typing import Any


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def in_process(target: Any, *args: Any) -> tuple[float, float]:
    """Run `target(*args, queue)` in a forked process (its own RSS); return what it puts on the queue."""
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, out))
    proc.start()
    result = out.get(timeout=600)
    proc.join()
    return result
