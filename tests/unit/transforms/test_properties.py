"""Every transform, on any JSON value and any headers (with or without a schema that may not fit): it returns a
record (or None where dropping is its job) or raises DataException, and every predicate answers a bool."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connect.data import (
    INT32_SCHEMA,
    INT64_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    ConnectRecord,
    Header,
    Schema,
    SinkRecord,
    SourceRecord,
    Type,
)
from connect.data.logical import timestamp_schema
from connect.errors import DataException
from tests.unit.transforms.records import ENVELOPE, ROW, configured
from transforms.cast import CastKey, CastValue
from transforms.drop_headers import DropHeaders
from transforms.extract_field import ExtractFieldKey, ExtractFieldValue
from transforms.extract_new_record_state import ExtractNewRecordState
from transforms.filter import Filter
from transforms.flatten import FlattenKey, FlattenValue
from transforms.header_from import HeaderFromKey, HeaderFromValue
from transforms.hoist_field import HoistFieldKey, HoistFieldValue
from transforms.insert_field import InsertFieldKey, InsertFieldValue
from transforms.insert_header import InsertHeader
from transforms.mask_field import MaskFieldKey, MaskFieldValue
from transforms.predicates import HasHeaderKey, RecordIsTombstone, TopicNameMatches
from transforms.regex_router import RegexRouter
from transforms.replace_field import ReplaceFieldKey, ReplaceFieldValue
from transforms.set_schema_metadata import SetSchemaMetadataKey, SetSchemaMetadataValue
from transforms.timestamp_converter import TimestampConverterKey, TimestampConverterValue
from transforms.timestamp_router import TimestampRouter
from transforms.value_to_key import ValueToKey

NAMES = st.sampled_from(["a", "b", "id", "n", "op", "after", "before", "source", "customer", "ts", "h", ""])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(NAMES | st.text(max_size=4), inner, max_size=5),
    max_leaves=12,
)
ROWISH = st.dictionaries(NAMES, JSON, max_size=6)  # maps whose keys the configs below name
ENVELOPEISH = st.fixed_dictionaries(
    {
        "op": st.sampled_from(["c", "u", "d", "r", "t", "x"]),
        "before": ROWISH | JSON,
        "after": ROWISH | JSON,
        "source": ROWISH | JSON,
    },
    optional={"transaction": ROWISH | st.none(), "ts_ms": JSON},
)
VALUES = JSON | ROWISH | ENVELOPEISH
NESTED = Schema.struct("n", [("x", INT32_SCHEMA)], optional=True)
STRUCT = Schema.struct(
    "thing",
    [
        ("a", INT32_SCHEMA),
        ("b", OPTIONAL_STRING_SCHEMA),
        ("id", Schema(Type.INT64, optional=True, default=5)),
        ("n", NESTED),
        ("ts", timestamp_schema(optional=True)),
        ("h", Schema.array(STRING_SCHEMA, optional=True)),
    ],
    optional=True,
)
SCHEMAS = st.sampled_from(
    [
        None,
        None,
        STRUCT,
        ROW,
        ENVELOPE,
        INT64_SCHEMA,
        STRING_SCHEMA,
        timestamp_schema(),
        Schema.array(INT32_SCHEMA),
        Schema.map(STRING_SCHEMA, INT32_SCHEMA),
    ]
)
HEADERS = st.lists(st.tuples(NAMES | st.text(max_size=4), JSON).map(lambda kv: Header(*kv)), max_size=4).map(tuple)


@st.composite
def records(draw: st.DrawFn) -> ConnectRecord:
    key_schema, value_schema = draw(SCHEMAS), draw(SCHEMAS)
    key, value = draw(VALUES), draw(VALUES)
    topic = draw(st.sampled_from(["orders", "db.inventory.orders", "audit.x"]) | st.text(max_size=10))
    timestamp = draw(st.none() | st.integers(-(2**62), 2**62) | st.integers(0, 4_102_444_800_000))
    headers = draw(HEADERS)
    if draw(st.booleans()):
        return SourceRecord(
            {"p": 1},
            {"o": 1},
            topic,
            draw(st.none() | st.integers(0, 9)),
            key_schema,
            key,
            value_schema,
            value,
            timestamp,
            headers,
        )
    return SinkRecord(
        topic,
        draw(st.integers(0, 9)),
        key_schema,
        key,
        value_schema,
        value,
        draw(st.integers(0, 99)),
        timestamp,
        headers,
    )


TRANSFORMS = [
    (CastValue, {"spec": "int8"}),
    (CastValue, {"spec": "string"}),
    (CastKey, {"spec": "boolean"}),
    (CastValue, {"spec": "a:int32,b:float32,id:string,ts:int64"}),
    (DropHeaders, {"headers": "a,h"}),
    (ExtractFieldValue, {"field": "after"}),
    (ExtractFieldKey, {"field": "id"}),
    (ExtractFieldValue, {"field": "after.id", "field.syntax.version": "V2"}),
    (Filter, {}),
    (FlattenValue, {}),
    (FlattenKey, {"delimiter": "_"}),
    (HeaderFromValue, {"fields": "a,id", "headers": "x,y", "operation": "move"}),
    (HeaderFromKey, {"fields": "b", "headers": "x", "operation": "copy"}),
    (HoistFieldValue, {"field": "wrapped"}),
    (HoistFieldKey, {"field": "k"}),
    (
        InsertFieldValue,
        {
            "topic.field": "t",
            "partition.field": "p!",
            "offset.field": "o",
            "timestamp.field": "ts?",
            "static.field": "s",
            "static.value": "v",
        },
    ),
    (InsertFieldKey, {"topic.field": "t"}),
    (InsertHeader, {"header": "h", "value.literal": "[1,2]"}),
    (MaskFieldValue, {"fields": "a,id,b,n"}),
    (MaskFieldKey, {"fields": "a,id", "replacement": "12"}),
    (RegexRouter, {"regex": "(?<db>[^.]+)[.](.*)", "replacement": "${db}-$2"}),
    (ReplaceFieldValue, {"exclude": "a", "renames": "b:c,id:key"}),
    (ReplaceFieldKey, {"include": "id,n"}),
    (SetSchemaMetadataValue, {"schema.name": "x.Y", "schema.version": "3"}),
    (SetSchemaMetadataKey, {"schema.version": "1"}),
    (TimestampConverterValue, {"target.type": "unix"}),
    (TimestampConverterValue, {"field": "ts", "target.type": "string", "format": "yyyy-MM-dd HH:mm"}),
    (TimestampConverterKey, {"target.type": "Timestamp", "format": "yyyyMMdd", "unix.precision": "seconds"}),
    (TimestampConverterValue, {"field": "a", "target.type": "Date"}),
    (TimestampRouter, {}),
    (ValueToKey, {"fields": "a,id"}),
    (ExtractNewRecordState, {}),
    (
        ExtractNewRecordState,
        {
            "delete.tombstone.handling.mode": "rewrite-with-tombstone",
            "add.fields": "op,table,lsn",
            "add.headers": "op,source.ts_ms,id",
            "route.by.field": "customer",
        },
    ),
    (
        ExtractNewRecordState,
        {"delete.handling.mode": "rewrite", "drop.fields.header.name": "h", "drop.fields.from.key": "true"},
    ),
]
CONFIGURED = [(cls, props, configured(cls, props)) for cls, props in TRANSFORMS]  # caches carry across records
MAY_DROP = (Filter, ExtractNewRecordState)
PREDICATES = [(TopicNameMatches, {"pattern": "audit[.].*"}), (HasHeaderKey, {"name": "h"}), (RecordIsTombstone, {})]


# One drawn record goes through every configured transform: drawing is the costly part, so it is shared.
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record=records())
def test_every_transform_returns_a_record_or_raises_a_data_error(record):
    for cls, props, transform in CONFIGURED:
        try:
            out = transform.apply(record)
        except DataException as exc:
            assert str(exc), f"{cls.__name__} {props}: a data error without a message"
            continue
        if out is None:
            assert issubclass(cls, MAY_DROP), f"{cls.__name__} {props} dropped a record"
        else:
            assert type(out) is type(record), f"{cls.__name__} {props} returned {out!r}"


@settings(max_examples=200, deadline=None)
@given(record=records())
def test_every_predicate_answers_a_bool(record):
    for cls, props in PREDICATES:
        assert isinstance(configured(cls, props).test(record), bool), cls.__name__
