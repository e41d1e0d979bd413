"""Test session setup: integration tests are marked by folder and get the real services; unit tests never do."""

import pytest

pytest_plugins = ["tests.fixtures.services", "tests.fixtures.worker", "tests.fixtures.pipeline"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/tests/integration/" in str(item.path):
            item.add_marker(pytest.mark.integration)
        elif "services" in item.fixturenames:
            raise pytest.UsageError(f"{item.nodeid} needs the real services: move it under tests/integration")
