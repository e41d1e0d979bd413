"""Test session setup: integration tests are marked by folder and get the real services."""

import pytest

pytest_plugins = ["tests.fixtures.services"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/tests/integration/" in str(item.path):
            item.add_marker(pytest.mark.integration)
