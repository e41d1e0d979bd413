"""schema.compatibility: when a record needs a new file, and projections onto the file's schema."""

from __future__ import annotations

import pytest

from connect.data import Schema, SinkRecord
from connect.data.schema import FLOAT64_SCHEMA, INT32_SCHEMA, INT64_SCHEMA, STRING_SCHEMA
from connectors.s3.compatibility import SchemaCompatibility, SchemaProjectorException, project
from connectors.s3.config import Compatibility

V1 = Schema.struct("r", [("id", INT32_SCHEMA)], version=1)
V2 = Schema.struct("r", [("id", INT64_SCHEMA), ("name", STRING_SCHEMA.with_(optional=True))], version=2)
V3 = Schema.struct("r", [("id", INT64_SCHEMA), ("must", STRING_SCHEMA)], version=3)
V1_LONG = Schema.struct("r", [("id", INT64_SCHEMA)], version=1)


@pytest.mark.parametrize(
    ("mode", "new", "current", "needs"),
    [
        (Compatibility.NONE, V1, V1.with_(), False),
        (Compatibility.NONE, V2, V1, True),
        (Compatibility.BACKWARD, V1, V2, False),  # older record into a newer file: projected
        (Compatibility.BACKWARD, V2, V1, True),
        (Compatibility.FORWARD, V2, V1_LONG, False),  # newer record into an older file: projected
        (Compatibility.FORWARD, V1_LONG, V2, True),
        (Compatibility.FORWARD, V2, V1, True),  # a long cannot become an int
        (Compatibility.FULL, V1, V3, True),  # the file requires a field the record lacks
    ],
)
def test_when_a_new_file_is_needed(mode, new, current, needs):
    assert SchemaCompatibility(mode).needs_new_file(new, current) is needs


def test_versions_are_required_beyond_none():
    with pytest.raises(SchemaProjectorException, match="version required"):
        SchemaCompatibility(Compatibility.BACKWARD).needs_new_file(V1.with_(version=None), V2)


def test_projection_widens_numbers_and_fills_missing_optional_fields():
    assert project(V1, {"id": 7}, V2) == {"id": 7, "name": None}
    assert project(INT32_SCHEMA, 3, FLOAT64_SCHEMA) == 3.0
    with pytest.raises(SchemaProjectorException):
        project(V1, {"id": 7}, V3)
    record = SinkRecord("t", 0, None, None, V1, {"id": 1}, 0)
    projected = SchemaCompatibility(Compatibility.BACKWARD).project(record, V2)
    assert (projected.value_schema, projected.value) == (V2, {"id": 1, "name": None})
