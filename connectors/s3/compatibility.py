"""`schema.compatibility`: when a record's value schema no longer fits its open file, and how a record with an
older (or newer) schema is projected onto the file's schema (Confluent's StorageSchemaCompatibility and
Kafka Connect's SchemaProjector).

NONE: any other schema needs a new file. BACKWARD and FULL: a record whose schema version is newer than
the file's needs a new file; an older one is projected (fields the file lacks are dropped, fields it has
and the record lacks take their default or null). FORWARD: likewise with older and newer swapped. In all
three a structural change projection cannot bridge (another type, name or parameters, a required field
with no default) needs a new file too.
"""

from __future__ import annotations

from typing import Any

from connect.data import Schema, SinkRecord, Type
from connect.errors import DataException
from connectors.s3.config import Compatibility

_NUMERIC = (Type.INT8, Type.INT16, Type.INT32, Type.INT64, Type.FLOAT32, Type.FLOAT64)
_METADATA_PREFIXES = ("connect.record.", "io.confluent.connect.avro.field.doc.")


class SchemaProjectorException(DataException):
    """A record that cannot be projected onto its file's schema."""


def _promotable(source: Type, target: Type) -> bool:
    return source in _NUMERIC and target in _NUMERIC and _NUMERIC.index(source) <= _NUMERIC.index(target)


def _params(schema: Schema) -> dict[str, str]:
    return {k: v for k, v in (schema.parameters or {}).items() if not k.startswith(_METADATA_PREFIXES)}


def _structurally_incompatible(source: Schema, target: Schema) -> bool:
    if source.type is not target.type and not _promotable(source.type, target.type):
        return True
    if source.name != target.name or _params(source) != _params(target):
        return True
    if source.optional and not target.optional and target.default is None:
        return True
    if source.type is Type.STRUCT:
        for field in source.fields:
            if target.has_field(field.name) and _structurally_incompatible(
                field.schema, target.field(field.name).schema
            ):
                return True
        return any(
            not source.has_field(f.name) and not f.schema.optional and f.schema.default is None for f in target.fields
        )
    if source.type is Type.ARRAY:
        assert source.value_schema is not None and target.value_schema is not None
        return _structurally_incompatible(source.value_schema, target.value_schema)
    if source.type is Type.MAP:
        assert source.key_schema is not None and target.key_schema is not None
        assert source.value_schema is not None and target.value_schema is not None
        return _structurally_incompatible(source.key_schema, target.key_schema) or _structurally_incompatible(
            source.value_schema, target.value_schema
        )
    return False


class SchemaCompatibility:
    def __init__(self, mode: Compatibility) -> None:
        self.mode = mode

    def needs_new_file(self, schema: Schema | None, current: Schema | None) -> bool:
        """Whether a record of `schema` cannot go into a file of `current` (both known)."""
        if schema is current or schema is None or current is None:
            return False
        if self.mode is Compatibility.NONE:
            return schema != current
        if schema.version is None or current.version is None:
            raise SchemaProjectorException(f"Schema version required for {self.mode} compatibility")
        if _structurally_incompatible(schema, current):
            return True
        if self.mode is Compatibility.FORWARD:
            return schema.version < current.version
        return schema.version > current.version

    def project(self, record: SinkRecord, current: Schema | None) -> SinkRecord:
        """The record with its value projected onto `current` (itself when nothing changes)."""
        schema = record.value_schema
        if self.mode is Compatibility.NONE or schema is current or current is None or schema is None:
            return record
        if schema == current:
            return record
        return record.replace(value_schema=current, value=project(schema, record.value, current))


def project(source: Schema, value: Any, target: Schema) -> Any:
    """Kafka Connect's SchemaProjector.project: `value` of `source` as a value of `target`."""
    if value is None:
        if target.default is not None:
            return target.default
        if target.optional:
            return None
        raise SchemaProjectorException(f"A null value cannot be projected onto required {target.name or target.type}")
    if source.type is Type.STRUCT and target.type is Type.STRUCT:
        out = {}
        for field in target.fields:
            if source.has_field(field.name):
                out[field.name] = project(source.field(field.name).schema, value.get(field.name), field.schema)
            elif field.schema.default is not None or field.schema.optional:
                out[field.name] = field.schema.default
            else:
                raise SchemaProjectorException(f"Required field {field.name!r} is missing from the record's schema")
        return out
    if source.type is Type.ARRAY and target.type is Type.ARRAY:
        assert source.value_schema is not None and target.value_schema is not None
        return [project(source.value_schema, v, target.value_schema) for v in value]
    if source.type is Type.MAP and target.type is Type.MAP:
        assert source.key_schema and source.value_schema and target.key_schema and target.value_schema
        return {
            project(source.key_schema, k, target.key_schema): project(source.value_schema, v, target.value_schema)
            for k, v in value.items()
        }
    if source.type is not target.type:
        if not _promotable(source.type, target.type):
            raise SchemaProjectorException(f"{source.type} cannot be projected onto {target.type}")
        return float(value) if target.type in (Type.FLOAT32, Type.FLOAT64) else int(value)
    return value
