"""Latency summaries for the benches: nearest-rank p50/p99/max, and a report line beside a p99 target."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Summary:
    """p50, p99 and max of a set of latencies in seconds, and the p50 of each third of them in the order given
    (in commit order: steady, or growing because a stage falls behind)."""

    count: int
    p50: float
    p99: float
    max: float
    thirds: tuple[float, ...] = ()


def percentile(ordered: Sequence[float], q: float) -> float:
    """The nearest-rank percentile of sorted values: the smallest one with at least q% of them at or below it."""
    if not ordered:
        raise ValueError("no values")
    if not 0 < q <= 100:
        raise ValueError(f"percentile {q} is not in (0, 100]")
    return ordered[math.ceil(q / 100 * len(ordered) - 1e-9) - 1]


def summarize(values: Iterable[float]) -> Summary | None:
    """None when there is nothing to summarize (a pipeline that delivered nothing)."""
    given = list(values)
    if not given:
        return None
    ordered = sorted(given)
    n = len(given)
    thirds = tuple(percentile(sorted(given[i * n // 3 : (i + 1) * n // 3]), 50) for i in range(3)) if n >= 3 else ()
    return Summary(n, percentile(ordered, 50), percentile(ordered, 99), ordered[-1], thirds)


def duration(seconds: float) -> str:
    """Milliseconds below a second (one decimal under 10 ms), seconds with two decimals above."""
    if abs(seconds) >= 1:
        return f"{seconds:.2f} s"
    ms = seconds * 1000
    return f"{ms:.1f} ms" if abs(ms) < 10 else f"{ms:.0f} ms"


def report(label: str, summary: Summary | None, target_p99: float | None = None, trend: bool = False) -> str:
    """`label  p50 … p99 … max …  (n records)`; with a target, whether p99 met it and the ratio p99 / target;
    with `trend`, the p50 of each third."""
    if summary is None:
        return f"{label}  no records measured"
    text = (
        f"{label}  p50 {duration(summary.p50):>8}  p99 {duration(summary.p99):>8}  max {duration(summary.max):>8}"
        f"  ({summary.count:,} records)"
    )
    if target_p99 is not None:
        verdict = "met" if summary.p99 < target_p99 else "MISSED"
        text += f"  target p99 < {duration(target_p99)}: {verdict} ({summary.p99 / target_p99:.2f} of it)"
    if trend and summary.thirds:
        text += "; p50 by third of the run " + " / ".join(duration(t) for t in summary.thirds)
    return text
