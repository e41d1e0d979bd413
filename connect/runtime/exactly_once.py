"""Exactly-once source support (KIP-618): what a distributed worker gives its source tasks when it is on.

Each source task gets a transactional producer (transactional id `<group.id>-<connector>-<task>`);
before its first transaction the cluster's leader fences the producers of the connector's
previous tasks (`preflight`), and each transaction holds both the records and the source offsets
they reach, written to the offsets topic. A reader with `isolation.level=read_committed` sees a
record once, or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ExactlyOnceSettings:
    transactional_id: Callable[[str, int], str]
    offsets_topic: str
    preflight: Callable[[str], None]  # fence the connector's former tasks (raises when that is not possible)
