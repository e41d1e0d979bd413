"""Fixtures of the Elasticsearch sink's unit tests."""

from __future__ import annotations

import pytest

from tests.support.sink_context import ListReporter
from tests.unit.connectors.elasticsearch.fakes import FakeEs


@pytest.fixture
def fake_es() -> FakeEs:
    return FakeEs()


@pytest.fixture
def reporter() -> ListReporter:
    return ListReporter()
