"""SetSchemaMetadata: the schema's name and version set, the value left as it is."""

import pytest

from connect.data import INT64_SCHEMA, Schema, Type
from connect.errors import ConfigException, DataException
from tests.unit.transforms.records import configured, source
from transforms.set_schema_metadata import SetSchemaMetadataKey, SetSchemaMetadataValue

ROW = Schema.struct(
    "old.Name", [("id", INT64_SCHEMA), ("tier", Schema(Type.STRING, True, "gold"))], version=1, doc="rows"
)


def test_name_and_version_are_set_and_defaults_filled():
    set_meta = configured(SetSchemaMetadataValue, schema__name="new.Name", schema__version="7")
    out = set_meta.apply(source({"id": 1, "tier": None}, ROW))
    assert (out.value_schema.name, out.value_schema.version, out.value_schema.doc) == ("new.Name", 7, "rows")
    assert out.value_schema.fields == ROW.fields and out.value == {"id": 1, "tier": "gold"}
    assert set_meta.apply(source({"id": 2}, ROW)).value_schema is out.value_schema


def test_only_the_version_and_on_the_key():
    out = configured(SetSchemaMetadataKey, schema__version="2").apply(source("v", key=5, key_schema=INT64_SCHEMA))
    assert (out.key_schema.type, out.key_schema.name, out.key_schema.version, out.key) == (Type.INT64, None, 2, 5)


def test_records_without_schema():
    set_meta = configured(SetSchemaMetadataValue, schema__name="x")
    empty = source(None)
    assert set_meta.apply(empty) is empty
    with pytest.raises(DataException, match="Schema required"):
        set_meta.apply(source({"id": 1}))


@pytest.mark.parametrize(("props", "key"), [({}, "schema.name"), ({"schema.version": "x"}, "schema.version")])
def test_config_errors_name_the_key(props, key):
    with pytest.raises(ConfigException) as info:
        configured(SetSchemaMetadataValue, props)
    assert info.value.name == key
