"""Fixtures: a fake herder and a TestClient of the REST app serving it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from rest.app import create_app
from tests.unit.rest.fake_herder import FakeHerder


@pytest.fixture
def herder() -> FakeHerder:
    return FakeHerder()


@pytest.fixture
def client(herder: FakeHerder) -> TestClient:
    return TestClient(create_app(herder, {}), raise_server_exceptions=False)


def datagen(name: str = "gen", **extra: object) -> dict:
    return {"name": name, "config": {"connector.class": "datagen", "kafka.topic": "t", "tasks.max": "2", **extra}}
