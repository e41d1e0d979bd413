"""Transformations and predicates: pure functions of one record, no I/O.

A transformation returns a new record, or None to drop it; a record it cannot handle
raises DataException, which the runtime routes by the error settings.

    class Upper(Transformation):
        def apply(self, record):
            return record.replace(value=record.value.upper())
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TypeVar

from connect.data import ConnectRecord
from connect.spi.plugin import Plugin

R = TypeVar("R", bound=ConnectRecord)


class Transformation(Plugin, ABC):
    """A single-message transform."""

    @abstractmethod
    def apply(self, record: R) -> R | None: ...


class Predicate(Plugin, ABC):
    """A condition on a record, used to apply a transformation only to some records."""

    @abstractmethod
    def test(self, record: ConnectRecord) -> bool: ...
