"""Closing what a task opened: every resource is closed, whatever closing another one raised."""

from __future__ import annotations

import logging
from typing import Protocol, runtime_checkable

log = logging.getLogger(__name__)


@runtime_checkable
class Closeable(Protocol):
    def close(self) -> None: ...


def close_all(owner: object, *resources: Closeable | None) -> None:
    """Close each resource in order; a failure is logged (naming `owner`) and the rest are still closed."""
    for resource in resources:
        if resource is None:
            continue
        try:
            resource.close()
        except Exception as exc:
            log.warning("%s: closing %s failed: %s", owner, type(resource).__name__, exc)
