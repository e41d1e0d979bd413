"""Avro schema resolution as registries check it: what breaks, named by field, and fastavro agreeing on data."""

from __future__ import annotations

import io

import fastavro
import pytest
from fastavro.utils import generate_many
from hypothesis import given, settings

from connect.converters.avro_compat import explain, incompatibilities
from tests.support.avro_schema_pairs import evolved


def record(*fields, name="Row"):
    return {"type": "record", "name": name, "namespace": "shop", "fields": list(fields)}


ID = {"name": "id", "type": "long"}


@pytest.mark.parametrize(
    ("reader", "writer", "problem"),
    [
        (record(ID, {"name": "qty", "type": "int"}), record(ID), "field `qty` of record `shop.Row`: it has no default"),
        (record(ID, {"name": "qty", "type": "int", "default": 0}), record(ID), None),
        (record({"name": "id", "type": "string"}), record(ID), "field `id` of record `shop.Row`: reader type string"),
        (record({"name": "id", "type": "double"}), record({"name": "id", "type": "int"}), None),  # int widens
        (record({"name": "id", "type": "int"}), record({"name": "id", "type": "double"}), "cannot read writer type"),
        (record({"name": "id", "type": "bytes"}), record({"name": "id", "type": "string"}), None),
        (record({"name": "id", "type": ["null", "long"]}), record(ID), None),
        (record(ID), record({"name": "id", "type": ["null", "long"]}), "writer type null"),
        (record(ID), record(ID, name="Other"), "the reader's record `shop.Row` is not the writer's `shop.Other`"),
        (
            record({"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["A"]}}),
            record({"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["A", "B"]}}),
            "lacks the writer's symbols B",
        ),
        (
            record({"name": "m", "type": {"type": "map", "values": {"type": "array", "items": "int"}}}),
            record({"name": "m", "type": {"type": "map", "values": {"type": "array", "items": "string"}}}),
            "field `m` of record `shop.Row`: reader type int cannot read writer type string",
        ),
    ],
)
def test_reader_against_writer(reader, writer, problem):
    found = [str(i) for i in incompatibilities(reader, writer)]
    assert found == [] if problem is None else any(problem in f for f in found), found


def test_a_field_nested_in_a_named_record_is_named_once_with_its_path():
    def envelope(value):
        return record(
            {"name": "before", "type": ["null", value], "default": None},
            {"name": "after", "type": ["null", "shop.Value"], "default": None},
            name="Envelope",
        )

    old = envelope(record(ID, name="Value"))
    new = envelope(record(ID, {"name": "qty", "type": "int"}, name="Value"))
    assert [str(i) for i in explain("BACKWARD_TRANSITIVE", new, old)] == [
        "field `qty` of record `shop.Value` (at `before.qty`): it has no default and data written without it "
        "cannot be read"
    ]
    assert explain("FORWARD", new, old) == [] and explain("NONE", new, old) == []
    assert len(explain("FULL", new, old)) == 1


def _utf8(datum):
    """Random bytes as UTF-8 text, since bytes may be read as a string (schema-wise fine; data-wise not always)."""
    if isinstance(datum, bytes):
        return datum.hex().encode()
    if isinstance(datum, dict):
        return {k: _utf8(v) for k, v in datum.items()}
    if isinstance(datum, list):
        return [_utf8(v) for v in datum]
    return datum


@settings(max_examples=150, deadline=None)
@given(evolved())
def test_what_we_call_compatible_fastavro_reads(pair):
    old, new = pair
    for reader, writer in ((new, old), (old, new)):
        if incompatibilities(reader, writer):
            continue
        parsed_writer, parsed_reader = fastavro.parse_schema(writer), fastavro.parse_schema(reader)
        for datum in generate_many(parsed_writer, 3):
            out = io.BytesIO()
            fastavro.schemaless_writer(out, parsed_writer, _utf8(datum))
            out.seek(0)
            fastavro.schemaless_reader(out, parsed_writer, parsed_reader)  # raises when it cannot resolve
