"""ExtractNewRecordState: Debezium's unwrap, a change event envelope flattened to the row's new state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, cast

from connect.config import ConfigDef, Importance, Type, ValidString
from connect.data import OPTIONAL_STRING_SCHEMA, Header, Schema
from connect.data.envelope import read_change, row_schema
from connect.data.schema import STRING_SCHEMA
from connect.errors import ConfigException, DataException
from connect.spi import Transformation
from transforms._base import (
    REPLACE_NULL_WITH_DEFAULT,
    R,
    Transform,
    defaults_of,
    fill_defaults,
    java_split,
    require_map,
    schema_cache,
    struct_basics,
    type_name,
    with_replace_null,
)
from transforms.replace_field import ReplaceFieldKey, ReplaceFieldValue

DELETED_FIELD = "__deleted"
MODES = ("drop", "tombstone", "rewrite", "rewrite-with-tombstone", "delete-to-tombstone")
LEGACY_KEYS = ("drop.tombstones", "delete.handling.mode")
_TOP_LEVEL = frozenset(("op", "ts_ms", "ts_us", "ts_ns"))
_TRANSACTION = frozenset(("id", "total_order", "data_collection_order"))
_DROPPERS_MAX = 64


@dataclass(frozen=True, slots=True)
class Handling:
    """What happens to tombstones and deletes, and whether upserts carry `__deleted`."""

    keep_tombstones: bool
    on_delete: str  # drop | null (value null, row schema) | tombstone (value and schema null) | rewrite
    rewrite: bool

    @staticmethod
    def of(mode: str | None, drop_tombstones: bool, delete_handling: str) -> Handling:
        """From `delete.tombstone.handling.mode`, or when it is None from the deprecated pair of keys."""
        if mode is None:
            on_delete = {"drop": "drop", "none": "null", "rewrite": "rewrite"}[delete_handling.lower()]
            return Handling(not drop_tombstones, on_delete, on_delete == "rewrite")
        return {
            "drop": Handling(False, "drop", False),
            "tombstone": Handling(False, "null", False),
            "rewrite": Handling(False, "rewrite", True),
            "rewrite-with-tombstone": Handling(True, "rewrite", True),
            "delete-to-tombstone": Handling(False, "tombstone", False),
        }[mode.lower()]


class Reference:
    """An envelope field named in `add.fields` / `add.headers`: `op`, `table`, `source.ts_ms`, `lsn:LSN`."""

    __slots__ = ("field", "name", "struct")

    def __init__(self, prefix: str, text: str) -> None:
        parts = java_split(text, ":")
        if not parts or len(parts) > 2:
            raise ValueError(f"Unexpected field name: {text}")
        steps = java_split(parts[0], ".") or [""]
        self.field = steps[0] if len(steps) == 1 else steps[1]
        if len(steps) > 1:
            self.struct: str | None = steps[0]
        elif self.field in _TRANSACTION:
            self.struct = "transaction"
        elif self.field in _TOP_LEVEL:
            self.struct = None
        elif self.field == "updateDescription":
            self.struct = "updateDescription"
        else:
            self.struct = "source"
        short = self.field if len(steps) == 1 else f"{self.struct}_{self.field}"
        self.name = prefix + (parts[1] if len(parts) == 2 else short)

    def schema_in(self, envelope: Schema) -> Schema | None:
        """The (optional) schema of the field in an envelope schema; None when the envelope has no such field."""
        parent = envelope.field(self.struct).schema if self.struct and envelope.has_field(self.struct) else envelope
        if parent.has_field(self.field):
            found = parent.field(self.field).schema
        elif envelope.has_field(self.field):
            found = envelope.field(self.field).schema
        else:
            return None
        return found.with_(optional=True, default=None)

    def present_in(self, envelope: dict) -> bool:
        """Without a schema: whether the envelope holds the field (in its struct or at the top)."""
        if self.field in envelope:
            return True
        parent = envelope.get(self.struct) if self.struct else envelope
        return self.struct in envelope if parent is None else isinstance(parent, dict) and self.field in parent

    def value_in(self, envelope: dict) -> Any:
        parent = envelope.get(self.struct) if self.struct else envelope
        if parent is None:
            return None
        if not isinstance(parent, dict):
            raise DataException(f"'{self.struct}' of the change event is a {type_name(parent)}, not a struct")
        return parent[self.field] if self.field in parent else envelope.get(self.field)


def _references(name: str, prefix: str, items: list[str]) -> tuple[Reference, ...]:
    try:
        return tuple(Reference(prefix, item) for item in items if item)
    except ValueError as exc:
        raise ConfigException(name, ",".join(items), str(exc)) from None


class _Plan:
    """What one envelope schema gives: output schemas for upserts and rewritten deletes, added fields, headers."""

    __slots__ = (
        "after",
        "after_defaults",
        "before",
        "before_defaults",
        "delete_schema",
        "fields",
        "headers",
        "upsert_schema",
    )

    def __init__(self, envelope: Schema, owner: ExtractNewRecordState) -> None:
        self.after = row_schema(envelope, "after")
        self.before = row_schema(envelope, "before")
        if self.after is None:
            raise DataException(f"Unknown field: after (not in the envelope schema {envelope.name})")
        self.fields = tuple((r, s) for r in owner.field_refs if (s := r.schema_in(envelope)) is not None)
        self.headers = tuple((r, s) for r in owner.header_refs if (s := r.schema_in(envelope)) is not None)
        rewrite = owner.handling.rewrite
        replace_null = owner.replace_null and rewrite
        self.after_defaults = defaults_of(self.after) if replace_null else {}
        self.upsert_schema = self._output(self.after, rewrite)
        self.before_defaults = defaults_of(self.before) if replace_null and self.before is not None else {}
        self.delete_schema = self._output(self.before, True) if self.before is not None and rewrite else None

    def _output(self, row: Schema, deleted: bool) -> Schema:
        fields = [(f.name, f.schema) for f in row.fields]
        if deleted:
            fields.append((DELETED_FIELD, OPTIONAL_STRING_SCHEMA))
        fields += [(ref.name, schema) for ref, schema in self.fields]
        return Schema.struct(fields=fields, **struct_basics(row))


class ExtractNewRecordState(Transform):
    aliases: ClassVar[tuple[str, ...]] = ("io.debezium.transforms.ExtractNewRecordState",)
    config_def: ClassVar[ConfigDef] = with_replace_null(
        ConfigDef()
        .define(
            "delete.tombstone.handling.mode",
            Type.STRING,
            None,
            Importance.MEDIUM,
            "How to handle deletes and tombstones: `drop` removes both; `tombstone` (the default unless a "
            "deprecated key below is set) keeps a delete as a record with a null value and drops tombstones; "
            "`rewrite` turns a delete into its before image with `__deleted=true` and drops tombstones; "
            "`rewrite-with-tombstone` does the same but keeps tombstones; `delete-to-tombstone` turns a "
            "delete into a tombstone (null value and value schema) and drops the original tombstones.",
            validator=ValidString.in_(*MODES),
        )
        .define(
            "drop.tombstones",
            Type.BOOLEAN,
            True,
            Importance.LOW,
            "Deprecated: use `delete.tombstone.handling.mode`. Read only when that is not set: whether "
            "tombstones are dropped.",
        )
        .define(
            "delete.handling.mode",
            Type.STRING,
            "drop",
            Importance.MEDIUM,
            "Deprecated: use `delete.tombstone.handling.mode`. Read only when that is not set: `none` passes "
            "deletes with a null value, `drop` removes them, `rewrite` adds a `__deleted` field to records.",
            validator=ValidString.in_("drop", "rewrite", "none"),
        )
        .define(
            "route.by.field",
            Type.STRING,
            "",
            Importance.LOW,
            "The column whose value (in the new row, or the old one for deletes) replaces the topic name.",
        )
        .define("add.fields.prefix", Type.STRING, "__", Importance.LOW, "Adds this prefix to each field listed.")
        .define(
            "add.fields",
            Type.LIST,
            [],
            Importance.LOW,
            "Envelope fields added to the value, each named with the prefix: `op,table,lsn,source.ts_ms` adds "
            "`__op`, `__table`, `__lsn` and `__source_ts_ms`; `source.ts_ms:event_ts` names one `__event_ts`.",
        )
        .define("add.headers.prefix", Type.STRING, "__", Importance.LOW, "Adds this prefix to each header.")
        .define(
            "add.headers",
            Type.LIST,
            [],
            Importance.LOW,
            "Envelope fields added as headers, named as in `add.fields`. Tombstones get a `__op` header `d`.",
        )
        .define(
            "drop.fields.header.name",
            Type.STRING,
            None,
            Importance.LOW,
            "The name of a header holding a list of field names to be removed from the event value.",
        )
        .define(
            "drop.fields.from.key",
            Type.BOOLEAN,
            False,
            Importance.LOW,
            "Whether the fields named by that header are also removed from the key.",
        )
        .define(
            "drop.fields.keep.schema.compatible",
            Type.BOOLEAN,
            True,
            Importance.LOW,
            "Whether only optional fields are removed (so schemas stay compatible), or every named field.",
        )
    )
    doc: ClassVar[str] = """
        Debezium's unwrap: replaces each change event (`before`, `after`, `source`, `op`, ...) with the new
        state of the row, so sinks that expect plain rows can read CDC topics. Deletes and tombstones are
        handled by `delete.tombstone.handling.mode` (or the deprecated `drop.tombstones` and
        `delete.handling.mode`); truncate events are dropped; records that are not change events pass
        unchanged. Envelope fields can be added to the row (`add.fields`) or as headers (`add.headers`). Works
        with and without schemas; with one, the new value schema is built once per envelope schema.

        ```
        transforms=unwrap
        transforms.unwrap.type=ExtractNewRecordState
        transforms.unwrap.delete.tombstone.handling.mode=rewrite
        transforms.unwrap.add.fields=op,table,lsn,source.ts_ms
        ```
        """

    _legacy = False  # only the deprecated delete/tombstone keys are set

    def configure(self, props: Mapping[str, Any]) -> None:
        self._legacy = props.get("delete.tombstone.handling.mode") is None and any(k in props for k in LEGACY_KEYS)
        super().configure(props)

    def setup(self, config: dict[str, Any]) -> None:
        mode = config["delete.tombstone.handling.mode"]
        if mode is None and not self._legacy:
            mode = "tombstone"
        self.handling = Handling.of(mode, config["drop.tombstones"], config["delete.handling.mode"])
        self.field_refs = _references("add.fields", config["add.fields.prefix"], config["add.fields"])
        self.header_refs = _references("add.headers", config["add.headers.prefix"], config["add.headers"])
        self._op_headers = tuple(Header(r.name, "d", STRING_SCHEMA) for r in self.header_refs if r.field == "op")
        self.route_by: str | None = config["route.by.field"] or None
        self.replace_null: bool = config[REPLACE_NULL_WITH_DEFAULT]
        self._drop_header: str | None = (config["drop.fields.header.name"] or "").strip() or None
        self._drop_from_key: bool = config["drop.fields.from.key"]
        self._drop_compatible: bool = config["drop.fields.keep.schema.compatible"]
        self._droppers: dict[tuple[bool, tuple[str, ...]], Transformation] = {}
        self._plans = schema_cache(lambda envelope: _Plan(envelope, self))

    def apply(self, record: R) -> R | None:
        envelope = record.value
        if envelope is None:
            if self._op_headers:
                record = record.replace(headers=(*record.headers, *self._op_headers))
            return record if self.handling.keep_tombstones else None
        change = read_change(record)
        if change is None:
            return record
        schema = record.value_schema
        plan = self._plans.get(schema) if schema is not None else None
        if self.header_refs:
            record = record.replace(headers=(*record.headers, *self._headers(envelope, plan)))
        if change.after is not None:
            return self._upsert(record, envelope, change.after, plan)
        if change.before is None:
            return None  # a truncate (or another event without row images): dropped, as Debezium does
        return self._delete(record, envelope, change.before, plan)

    def _headers(self, envelope: dict, plan: _Plan | None) -> tuple[Header, ...]:
        if plan is not None:
            return tuple(Header(r.name, r.value_in(envelope), s) for r, s in plan.headers)
        return tuple(Header(r.name, r.value_in(envelope)) for r in self.header_refs if r.present_in(envelope))

    def _upsert(self, record: R, envelope: dict, after: Any, plan: _Plan | None) -> R:
        rewrite = self.handling.rewrite
        if plan is None:
            if not rewrite and not self.field_refs:
                value = after
            else:
                value = dict(require_map(after, "source field insertion"))
                if rewrite:
                    value[DELETED_FIELD] = "false"
                value = self._add_fields(value, envelope, None)
            out = record.replace(value_schema=None, value=value)
        else:
            if not isinstance(after, dict):
                raise DataException(f"'after' of the change event is a {type_name(after)}, not a struct")
            if rewrite:
                value = fill_defaults(dict(after), plan.after_defaults)
                value[DELETED_FIELD] = "false"
            else:
                value = dict(after) if plan.fields else after
            out = record.replace(value_schema=plan.upsert_schema, value=self._add_fields(value, envelope, plan))
        if self.route_by is not None:
            out = self._route(out, after, plan.after if plan is not None else None, "the new row")
        return self._drop_fields(out) if self._drop_header else out

    def _delete(self, record: R, envelope: dict, before: Any, plan: _Plan | None) -> R | None:
        on_delete = self.handling.on_delete
        if on_delete == "drop":
            return None
        if on_delete == "null":
            out = record.replace(value_schema=plan.after if plan is not None else None, value=None)
        elif on_delete == "tombstone":
            out = record.replace(value_schema=None, value=None)
        elif plan is None:
            value = dict(require_map(before, "source field insertion"))
            value[DELETED_FIELD] = "true"
            out = record.replace(value=value)
        else:
            if not isinstance(before, dict):
                raise DataException(f"'before' of the change event is a {type_name(before)}, not a struct")
            value = fill_defaults(dict(before), plan.before_defaults)
            value[DELETED_FIELD] = "true"
            out = record.replace(value_schema=plan.delete_schema, value=value)
        if self.route_by is not None:
            out = self._route(out, before, plan.before if plan is not None else None, "the old row of the delete")
        if self._drop_header:
            out = self._drop_fields(out)
        if out.value is not None and on_delete == "rewrite":
            out = out.replace(value=self._add_fields(out.value, envelope, plan))
        return out

    def _add_fields(self, value: dict, envelope: dict, plan: _Plan | None) -> dict:
        """`value` (a copy this transform owns) with the `add.fields` it can find in the envelope."""
        if plan is not None:
            for ref, _ in plan.fields:
                value[ref.name] = ref.value_in(envelope)
            return value
        for ref in self.field_refs:
            if ref.present_in(envelope):
                value[ref.name] = ref.value_in(envelope)
        return value

    def _route(self, record: R, row: Any, schema: Schema | None, which: str) -> R:
        """The record sent to the topic named by the row's `route.by.field` (unchanged when that is blank)."""
        field = self.route_by or ""
        if not isinstance(row, dict):
            raise DataException(f"route.by.field: {which} is a {type_name(row)}, not a struct")
        if not (schema.has_field(field) if schema is not None else field in row):
            raise DataException(f"route.by.field: {field!r} is not a field of {which}")
        topic = row.get(field)
        if topic is not None and not isinstance(topic, str):
            raise DataException(f"route.by.field: field {field!r} of {which} is a {type_name(topic)}, not a string")
        return record.replace(topic=topic) if topic and topic.strip() else record

    def _drop_fields(self, record: R) -> R:
        """The record without the fields the `drop.fields.header.name` header lists."""
        header = next((h for h in record.headers if h.key == self._drop_header), None)
        if header is None or header.value is None:
            return record
        names = header.value
        if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
            raise DataException(f"Header {self._drop_header} must hold a list of field names, not {names!r}")
        for key, schema in ((True, record.key_schema), (False, record.value_schema)):
            if key and (not self._drop_from_key or record.key is None):
                continue
            dropped = (
                tuple(names)
                if not self._drop_compatible or schema is None
                else tuple(f.name for f in schema.fields if f.schema.optional and f.name in names)
            )
            if dropped:
                record = cast(R, self._dropper(key, dropped).apply(record))  # ReplaceField keeps every record
        return record

    def _dropper(self, key: bool, names: tuple[str, ...]) -> Transformation:
        """A ReplaceField excluding `names`, kept for reuse (the same few lists recur)."""
        dropper = self._droppers.get((key, names))
        if dropper is None:
            if len(self._droppers) >= _DROPPERS_MAX:
                self._droppers.clear()
            dropper = (ReplaceFieldKey if key else ReplaceFieldValue)()
            dropper.configure({"exclude": list(names)})
            self._droppers[(key, names)] = dropper
        return dropper
