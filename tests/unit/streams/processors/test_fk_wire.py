"""The foreign-key join's wire formats round-trip; the fingerprint survives a serde round trip."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from streams.processors import fk_wire as wire
from streams.serdes import JSON

digests = st.none() | st.binary(min_size=16, max_size=16)


@given(st.integers(0, 3), st.integers(0, 2**31 - 1), digests, st.binary())
def test_subscription_round_trips(instruction, partition, digest, key):
    assert wire.read_subscription(wire.subscription(instruction, partition, digest, key)) == (
        instruction,
        partition,
        digest,
        key,
    )


@given(digests, st.none() | st.binary())
def test_response_round_trips(digest, right):
    assert wire.read_response(wire.response(digest, right)) == (digest, right)


@given(st.binary(), st.binary())
def test_store_prefix_separates_foreign_keys(a, b):
    if a != b:
        assert not (wire.store_prefix(a) + b"k").startswith(wire.store_prefix(b))


def test_a_decimal_and_its_stored_form_fingerprint_the_same():
    assert wire.fingerprint(JSON, {"price": Decimal("12.50")}) == wire.fingerprint(JSON, {"price": 12.5})
