"""Fixtures of the SQL sink's integration tests: the target databases."""

from tests.integration.connectors.jdbc.targets import sink_database, target  # noqa: F401
