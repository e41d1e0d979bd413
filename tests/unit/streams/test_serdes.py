"""Serdes: round trips, the Change serde of table repartitions, CDC JSON with the schema envelope."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from streams.processors.base import Change
from streams.serdes import CDC_JSON, JSON, LONG, ChangeSerde

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@given(
    json_values.filter(lambda v: v is not None),
    json_values.filter(lambda v: v is not None),
    st.booleans(),
    st.booleans(),
)
def test_change_serde_round_trips(new, old, has_new, has_old):
    serde = ChangeSerde(JSON)
    change = Change(new if has_new else None, old if has_old else None)
    assert serde.deserialize(serde.serialize(change)) == change


@given(st.integers(-(2**63), 2**63 - 1))
def test_long_serde_is_kafkas_long(n):
    assert LONG.deserialize(LONG.serialize(n)) == n and len(LONG.serialize(n)) == 8


def test_cdc_json_reads_the_schema_envelope_with_types():
    data = (
        b'{"schema":{"type":"struct","optional":false,"fields":[{"type":"int32","optional":false,"field":"id"},'
        b'{"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"},'
        b'"field":"price"}]},"payload":{"id":7,"price":"BOo="}}'
    )
    assert CDC_JSON.deserialize(data) == {"id": 7, "price": Decimal("12.58")}
    assert CDC_JSON.deserialize(b'{"id":7}') == {"id": 7}
    assert CDC_JSON.deserialize(None) is None
