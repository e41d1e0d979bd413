"""Fixtures: a fake herder and a TestClient of the REST app serving it."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from rest.app import create_app
from tests.unit.rest.fake_herder import FakeHerder


@pytest.fixture
def herder() -> FakeHerder:
    return FakeHerder()


@pytest.fixture
def client(herder: FakeHerder) -> TestClient:
    return TestClient(create_app(herder), raise_server_exceptions=False)


def datagen(name: str = "gen", **extra: object) -> dict:
    return {"name": name, "config": {"connector.class": "datagen", "kafka.topic": "t", "tasks.max": "2", **extra}}


@pytest.fixture(scope="module")
def log_levels_restored() -> Iterator[None]:
    """Puts every logger's level back as it was once the module's tests have changed them through the API."""

    def levels() -> dict[str, logging.Logger]:
        return {n: lg for n, lg in logging.Logger.manager.loggerDict.items() if isinstance(lg, logging.Logger)}

    before = {name: lg.level for name, lg in levels().items()}
    root = logging.getLogger().level
    yield
    logging.getLogger().setLevel(root)
    for name, logger in levels().items():
        logger.setLevel(before.get(name, logging.NOTSET))
