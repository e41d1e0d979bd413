"""Test session setup: integration tests are marked by folder and get the real services; unit tests never do.

Every test that stops or kills a real service lives in the fault suite (tests/faults/): it runs after
everything else, so no other test meets a service that is down or restarting.
"""

import pytest

pytest_plugins = [
    "tests.fixtures.services",
    "tests.fixtures.worker",
    "tests.fixtures.pipeline",
    "tests.fixtures.cluster",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/tests/integration/" in str(item.path) or "/tests/faults/" in str(item.path):
            item.add_marker(pytest.mark.integration)
        elif "services" in item.fixturenames:
            raise pytest.UsageError(f"{item.nodeid} needs the real services: move it under tests/integration")
    items.sort(key=lambda item: "/tests/faults/" in str(item.path))  # stable: file order otherwise kept
