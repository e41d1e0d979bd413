"""One task's outage state: what it waits for and since when, the backoff, and how it is reported.

The rule itself (connectors raise RetriableException, the runtime waits with `connect.spi.outages.backoff`
for as long as it takes) is documented in `connect/spi/outages.py`. The task runners call `failed(reason)`
for each refused attempt (it says how long to wait), `progress()` after each successful poll or put, and
the outage ends with the first progress. Every change is published through the task's status listener
(RUNNING with a trace while waiting, no trace once recovered) and the Prometheus metrics below.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from confluent_kafka import KafkaError, KafkaException
from prometheus_client import Counter, Gauge

from connect.spi.outages import backoff

log = logging.getLogger(__name__)

TARGET = "its system"  # the database, index or cache a connector talks to
KAFKA = "Kafka"
CONVERTER = "a converter's registry"  # what a converter looks schemas up in (the Schema Registry)

_LABELS = ("connector", "task")
OUTAGES = Counter("connect_task_outages", "Outages a task went through (its system unreachable).", _LABELS)
RETRIES = Counter(
    "connect_task_outage_retries", "Attempts a task retried while its system was unreachable (reconnects).", _LABELS
)
WAITING = Gauge("connect_task_waiting", "1 while the task waits for its system to come back.", _LABELS)
SINCE_PROGRESS = Gauge(
    "connect_task_seconds_since_progress",
    "Seconds since the task last completed a poll or put (grows while it waits or is stuck).",
    _LABELS,
)


@dataclass(frozen=True, slots=True)
class OutageInfo:
    reason: str
    since: float  # wall-clock seconds
    attempts: int
    next_attempt_in: float

    @property
    def since_iso(self) -> str:
        return datetime.fromtimestamp(self.since, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")

    def trace(self) -> str:
        return (
            f"Waiting since {self.since_iso} (retry {self.attempts}, next in {self.next_attempt_in:.1f} s): "
            f"{self.reason}"
        )

    def to_json(self) -> dict[str, Any]:
        return {"reason": self.reason, "since": self.since_iso, "attempts": self.attempts}


class _ProgressClock:
    """What the seconds-since-progress gauge reads; holds nothing of the task, so a stopped task is freed."""

    __slots__ = ("last", "running")

    def __init__(self) -> None:
        self.last = time.monotonic()
        self.running = True

    def seconds(self) -> float:
        return time.monotonic() - self.last if self.running else 0.0


class Outage:
    """The outage state of one task; `on_change(info | None)` publishes it (None: no outage).

    A task can wait for two systems at once, its own (`TARGET`: the database, index or cache) and
    Kafka (`KAFKA`); each is opened by `failed` and closed by `progress` for that system.
    """

    def __init__(self, connector: str, task: int, on_change: Callable[[OutageInfo | None], None]) -> None:
        labels = (connector, str(task))
        self._name = f"{connector}-{task}"
        self._on_change = on_change
        self._outages = OUTAGES.labels(*labels)
        self._retries = RETRIES.labels(*labels)
        self._waiting = WAITING.labels(*labels)
        self._clock = _ProgressClock()
        SINCE_PROGRESS.labels(*labels).set_function(self._clock.seconds)
        self._open: dict[str, OutageInfo] = {}

    @property
    def current(self) -> OutageInfo | None:
        """The outage to show: the oldest one open, with every open reason."""
        if not self._open:
            return None
        infos = sorted(self._open.values(), key=lambda i: i.since)
        first = infos[0]
        if len(infos) == 1:
            return first
        return OutageInfo("; ".join(i.reason for i in infos), first.since, first.attempts, first.next_attempt_in)

    def waiting_for(self, system: str) -> bool:
        return system in self._open

    def failed(self, reason: str, system: str = TARGET) -> float:
        """An attempt was refused for a reason that may pass: how many seconds to wait before the next."""
        previous = self._open.get(system)
        attempts = 1 if previous is None else previous.attempts + 1
        delay = backoff(attempts)
        if previous is None:
            self._outages.inc()
            self._waiting.set(1)
            log.warning("task %s waits for %s to come back: %s", self._name, system, reason)
        else:
            self._retries.inc()
            if previous.reason != reason:
                log.warning("task %s still waiting: %s", self._name, reason)
        self._open[system] = OutageInfo(reason, time.time() if previous is None else previous.since, attempts, delay)
        self._on_change(self.current)
        return delay

    def progress(self, system: str = TARGET) -> None:
        """The system answered (a poll or put went through): its outage, if any, is over."""
        if system == TARGET:
            self._clock.last = time.monotonic()
        info = self._open.pop(system, None)
        if info is not None:
            if not self._open:
                self._waiting.set(0)
            log.info(
                "task %s: %s is back after %.1f s (%d attempt(s)); it was: %s",
                self._name,
                system,
                time.time() - info.since,
                info.attempts,
                info.reason,
            )
            self._on_change(self.current)

    def close(self) -> None:
        self._clock.running = False
        self._waiting.set(0)
        self._open.clear()


class KafkaWatch:
    """Kafka itself unreachable: librdkafka's error callback opens a `KAFKA` outage, probes close it.

    librdkafka reconnects by itself and says when every broker is down, but never when one is back,
    so while the outage is open `check` asks the cluster for metadata, at the outage backoff's pace.
    Both run in the task thread (the callback is served by the client's poll/consume/flush).
    """

    def __init__(self, outage: Outage) -> None:
        self._outage = outage
        self._next_probe = 0.0

    def on_error(self, error: KafkaError) -> None:
        """librdkafka's `error_cb`."""
        if error.code() == KafkaError._ALL_BROKERS_DOWN:
            self._next_probe = time.monotonic() + self._outage.failed(f"Kafka unreachable: {error.str()}", KAFKA)

    def check(self, client: Any) -> None:
        """While Kafka is marked down, probe `client` (a producer or consumer) now and then."""
        if not self._outage.waiting_for(KAFKA) or time.monotonic() < self._next_probe:
            return
        try:
            client.list_topics(timeout=1.0)
        except KafkaException as exc:
            self._next_probe = time.monotonic() + self._outage.failed(f"Kafka unreachable: {exc}", KAFKA)
            return
        self._outage.progress(KAFKA)
