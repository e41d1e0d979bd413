"""Debezium's schema and field name adjustment for Avro, checked on Debezium's own test vectors and rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connect.data.avro_names import field_name_adjuster, is_valid_name, schema_name_adjuster
from connect.errors import ConnectException


def test_none_keeps_names():
    assert schema_name_adjuster("none") is None and field_name_adjuster("NONE") is None


@pytest.mark.parametrize(
    ("mode", "name", "adjusted"),
    [
        # From Debezium's SchemaNameAdjusterTest.
        ("avro", "test-server.connector_test.products.Key", "test_server.connector_test.products.Key"),
        ("avro", "24ColumnName", "_24ColumnName"),
        ("avro_unicode", "_hello_语言.", "_u005fhello_u005f_u8bed_u8a00."),
        # A valid name is kept; a code unit of one hex digit gets "00" before it, as Java pads it.
        ("avro", "t1234.connector_test.products.Key", "t1234.connector_test.products.Key"),
        ("avro_unicode", "a\tb", "a_u009b"),
        ("avro_unicode", "9lives", "_u0039lives"),
        # Beyond the BMP: one escape per UTF-16 surrogate.
        ("avro_unicode", "x😀", "x_ud83d_ude00"),
    ],
)
def test_schema_names(mode, name, adjusted):
    adjust = schema_name_adjuster(mode)
    assert adjust is not None and adjust(name) == adjusted


@pytest.mark.parametrize(
    ("mode", "name", "adjusted"),
    [
        ("avro", "first-name", "first_name"),
        ("avro", "a.b", "a_b"),  # dots are fine in schema full names, not in field names
        ("avro", "1st", "_1st"),
        ("avro", "größe", "gr__e"),
        ("avro", "_ok_9", "_ok_9"),
        ("avro_unicode", "a.b", "a_u002eb"),
        ("avro_unicode", "snake_case", "snake_u005fcase"),
        ("avro_unicode", "größe", "gr_u00f6_u00dfe"),
    ],
)
def test_field_names(mode, name, adjusted):
    adjust = field_name_adjuster(mode)
    assert adjust is not None and adjust(name) == adjusted


def test_two_names_becoming_one_are_refused_and_a_repeat_is_not():
    adjust = schema_name_adjuster("avro")
    assert adjust is not None
    assert adjust("some-invalid-fullname$") == adjust("some-invalid-fullname$") == "some_invalid_fullname_"
    with pytest.raises(ConnectException, match="conflicts with another different schema 'some-invalid-fullname\\$'"):
        adjust("some-invalid%fullname_")


@given(st.text(min_size=1, max_size=12))
def test_adjusted_names_are_valid_avro_names(name):
    for mode in ("avro", "avro_unicode"):
        field, schema = field_name_adjuster(mode), schema_name_adjuster(mode)
        assert field is not None and schema is not None
        assert is_valid_name(field(name))
        # A full name stays valid as long as no dot is left empty or leads a digit.
        adjusted = schema(name.replace(".", "x"))
        assert is_valid_name(adjusted)
