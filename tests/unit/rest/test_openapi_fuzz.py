"""Schemathesis against the app's own OpenAPI document: no 5xx, responses match their declared schemas.

Positive-data acceptance is not checked: a schema-valid connector config (or offsets, or logger
level) may still be refused with 400 by the connector's own validation, as in Kafka Connect. Nor is
negative-data rejection for `GET /connectors`: Kafka Connect ignores unknown `expand` values, and a
query string cannot tell the number schemathesis means from the string it sends.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import negative_data_rejection, positive_data_acceptance

from rest.app import create_app
from tests.unit.rest.fake_herder import FakeHerder

CONNECTORS = {
    "gen": {"name": "gen", "connector.class": "datagen", "kafka.topic": "t", "db.password": "x"},
    "sink": {"name": "sink", "connector.class": "file", "topics": "t"},
}


class KeptHerder(FakeHerder):
    """Brings the example connectors back after a generated request deletes or breaks them, so later cases
    reach the happy paths (path parameters are documented with the example name `gen`)."""

    def _get(self, name: str):  # type: ignore[no-untyped-def]
        if name in CONNECTORS and name not in self.connectors_:
            self.put_connector_config(name, CONNECTORS[name], allow_replace=False)
        return super()._get(name)


herder = KeptHerder()


# Generated `PUT /admin/loggers/...` calls change real log levels; they are put back afterwards.
pytestmark = pytest.mark.usefixtures("log_levels_restored")
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(herder))


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi(case):
    excluded = [positive_data_acceptance]
    if case.operation.label == "GET /connectors":
        excluded.append(negative_data_rejection)
    case.call_and_validate(excluded_checks=excluded)
