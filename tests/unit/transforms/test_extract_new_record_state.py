"""ExtractNewRecordState (Debezium's unwrap): modes for deletes and tombstones, added fields and headers, routing."""

import pytest

from connect.data import INT32_SCHEMA, INT64_SCHEMA, OPTIONAL_STRING_SCHEMA, STRING_SCHEMA, Header, Schema
from connect.errors import ConfigException, DataException
from connect.plugins import PluginKind, default_registry
from tests.unit.transforms.records import ENVELOPE, KEY, ROW, change_record, configured, row, source
from transforms.extract_new_record_state import ExtractNewRecordState

DELETED = row(id=2, customer="bob")

# mode props -> (what a delete becomes, whether tombstones are kept, whether upserts carry __deleted)
MODES = [
    ({}, "null", False, False),  # Debezium's default: delete.tombstone.handling.mode=tombstone
    ({"delete.tombstone.handling.mode": "drop"}, "dropped", False, False),
    ({"delete.tombstone.handling.mode": "tombstone"}, "null", False, False),
    ({"delete.tombstone.handling.mode": "REWRITE"}, "rewrite", False, True),
    ({"delete.tombstone.handling.mode": "rewrite-with-tombstone"}, "rewrite", True, True),
    ({"delete.tombstone.handling.mode": "delete-to-tombstone"}, "tombstone", False, False),
    ({"drop.tombstones": "true"}, "dropped", False, False),  # deprecated keys: delete.handling.mode=drop
    ({"drop.tombstones": "false", "delete.handling.mode": "none"}, "null", True, False),
    ({"delete.handling.mode": "rewrite"}, "rewrite", False, True),
    ({"delete.tombstone.handling.mode": "drop", "drop.tombstones": "false"}, "dropped", False, False),
]


@pytest.mark.parametrize("schemas", [True, False], ids=["schema", "schemaless"])
@pytest.mark.parametrize(("props", "on_delete", "keeps_tombstones", "rewrite"), MODES)
def test_modes(props, on_delete, keeps_tombstones, rewrite, schemas):
    unwrap = configured(ExtractNewRecordState, props)
    marker = {"__deleted": "false"} if rewrite else {}
    upsert = unwrap.apply(change_record("u", row(status="old"), row(), schemas=schemas))
    assert upsert.value == {**row(), **marker} and upsert.key == {"id": 1} and upsert.topic == "db.inventory.orders"

    delete = unwrap.apply(change_record("d", DELETED, None, schemas=schemas))
    if on_delete == "dropped":
        assert delete is None
    elif on_delete == "null":
        assert delete.value is None and delete.value_schema is (ROW if schemas else None)
    elif on_delete == "tombstone":
        assert (delete.value, delete.value_schema, delete.key) == (None, None, {"id": 2})
    else:
        assert delete.value == {**DELETED, "__deleted": "true"}

    tombstone = source(None, key={"id": 2}, key_schema=KEY if schemas else None)
    assert (unwrap.apply(tombstone) is tombstone) == keeps_tombstones
    assert unwrap.apply(change_record("t", None, None, schemas=schemas)) is None  # truncates are dropped


def test_with_schema_the_output_is_the_after_schema_plus_fields_built_once():
    unwrap = configured(
        ExtractNewRecordState,
        {"delete.tombstone.handling.mode": "rewrite", "add.fields": "op,table,lsn,source.ts_ms,ts_ms:event_ts,id"},
    )
    out = unwrap.apply(change_record("c", None, row(status=None), transaction=None))
    assert out.value == {
        **row(status="new"),
        "__deleted": "false",
        "__op": "c",
        "__table": "orders",
        "__lsn": 7,
        "__source_ts_ms": 1_700_000_000_000,
        "__event_ts": 1_700_000_000_123,
        "__id": None,
    }
    fields = {f.name: f.schema for f in out.value_schema.fields}
    assert list(fields)[:5] == ["id", "customer", "status", "total", "__deleted"]
    assert fields["__deleted"] == OPTIONAL_STRING_SCHEMA and fields["__op"] == STRING_SCHEMA.as_optional()
    assert fields["__lsn"] == INT64_SCHEMA.as_optional() and fields["__id"] == STRING_SCHEMA.as_optional()
    assert (out.value_schema.name, out.value_schema.optional) == (ROW.name, False)
    again = unwrap.apply(change_record("u", row(), row(id=5)))
    assert again.value_schema is out.value_schema  # derived once per envelope schema, not per record
    delete = unwrap.apply(change_record("d", DELETED, None))
    assert delete.value["__op"] == "d" and delete.value_schema.field("__deleted").schema == OPTIONAL_STRING_SCHEMA


def test_without_schema_fields_absent_from_the_envelope_are_not_added():
    unwrap = configured(ExtractNewRecordState, {"add.fields": "op,source.lsn,source.nope,transaction.id"})
    out = unwrap.apply(change_record("r", None, row(), schemas=False, transaction={"id": "tx1"}))
    assert out.value == {**row(), "__op": "r", "__source_lsn": 7, "__transaction_id": "tx1"}
    assert out.value_schema is None


@pytest.mark.parametrize("schemas", [True, False])
def test_headers_are_added_to_change_events_and_op_to_tombstones(schemas):
    unwrap = configured(
        ExtractNewRecordState,
        {
            "add.headers": "op,db,source.ts_ms",
            "add.headers.prefix": "dbz.",
            "delete.tombstone.handling.mode": "rewrite-with-tombstone",
        },
    )
    out = unwrap.apply(change_record("c", None, row(), schemas=schemas))
    assert [(h.key, h.value) for h in out.headers] == [
        ("dbz.op", "c"),
        ("dbz.db", "shop"),
        ("dbz.source_ts_ms", 1_700_000_000_000),
    ]
    if schemas:
        assert out.headers[0].schema == STRING_SCHEMA.as_optional()
    tombstone = unwrap.apply(source(None, key={"id": 1}))
    assert tombstone.headers == (Header("dbz.op", "d", STRING_SCHEMA),)


@pytest.mark.parametrize("schemas", [True, False])
def test_route_by_field(schemas):
    unwrap = configured(
        ExtractNewRecordState, {"route.by.field": "customer", "delete.tombstone.handling.mode": "rewrite"}
    )
    assert unwrap.apply(change_record("c", None, row(customer="ann"), schemas=schemas)).topic == "ann"
    assert unwrap.apply(change_record("c", None, row(customer=None), schemas=schemas)).topic == "db.inventory.orders"
    assert unwrap.apply(change_record("d", row(customer="bob"), None, schemas=schemas)).topic == "bob"
    with pytest.raises(DataException, match="'nope' is not a field"):
        configured(ExtractNewRecordState, {"route.by.field": "nope"}).apply(
            change_record("c", None, row(), schemas=schemas)
        )
    with pytest.raises(DataException, match="is a int, not a string"):
        configured(ExtractNewRecordState, {"route.by.field": "id"}).apply(
            change_record("c", None, row(), schemas=schemas)
        )


def test_drop_fields_named_by_a_header():
    unwrap = configured(ExtractNewRecordState, {"drop.fields.header.name": "drop", "drop.fields.from.key": "true"})
    record = change_record("u", None, row()).replace(headers=(Header("drop", ["customer", "id", "total"]),))
    out = unwrap.apply(record)
    assert out.value == {"id": 1, "status": "paid"}  # id is required: kept while schemas stay compatible
    assert out.key == {"id": 1}
    strict = configured(
        ExtractNewRecordState,
        {
            "drop.fields.header.name": "drop",
            "drop.fields.from.key": "true",
            "drop.fields.keep.schema.compatible": "false",
        },
    )
    out = strict.apply(record)
    assert out.value == {"status": "paid"} and out.key == {}


def test_records_that_are_not_change_events_pass_unchanged():
    unwrap = configured(ExtractNewRecordState)
    for record in (
        source({"id": 1}),
        source("text"),
        source({"a": 1}, Schema.struct("x.Value", [("a", INT32_SCHEMA)])),
        source({"op": "m", "source": {}, "message": {"prefix": "p"}}),
    ):
        assert unwrap.apply(record) is record


def test_malformed_change_events_are_data_errors():
    unwrap = configured(ExtractNewRecordState, {"add.fields": "op"})
    with pytest.raises(DataException, match="not a struct"):
        unwrap.apply(source({"op": "c", "before": None, "after": "x", "source": {}}, ENVELOPE))
    with pytest.raises(DataException, match="Only Map objects"):
        unwrap.apply(source({"op": "c", "before": None, "after": [1], "source": {}}))
    no_after = Schema.struct("x.Envelope", [("op", STRING_SCHEMA)])
    with pytest.raises(DataException, match="Unknown field: after"):
        unwrap.apply(source({"op": "c"}, no_after))


@pytest.mark.parametrize(
    ("props", "key"),
    [
        ({"delete.tombstone.handling.mode": "delete.tombstone"}, "delete.tombstone.handling.mode"),
        ({"delete.handling.mode": "keep"}, "delete.handling.mode"),
        ({"add.fields": "a:b:c"}, "add.fields"),
        ({"drop.tombstones": "maybe"}, "drop.tombstones"),
    ],
)
def test_config_errors_name_the_key(props, key):
    with pytest.raises(ConfigException) as info:
        configured(ExtractNewRecordState, props)
    assert info.value.name == key


def test_registered_under_debeziums_class_name():
    cls = default_registry().load(PluginKind.TRANSFORMATION, "io.debezium.transforms.ExtractNewRecordState")
    assert cls is ExtractNewRecordState
