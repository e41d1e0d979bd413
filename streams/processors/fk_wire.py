"""The foreign-key join's internal records, as bytes: subscriptions (left → right) and responses
(right → left), after Kafka Streams' SubscriptionWrapper / SubscriptionResponseWrapper.

subscription value: instruction (1) | left partition (>i) | has hash (1) | hash (16)? | left key bytes
subscription store key: len(fk) (>I) | fk bytes | left key bytes; its value: left partition | hash | instruction
response value: has hash (1) | hash (16)? | has value (1) | right value bytes
"""

from __future__ import annotations

import struct
from hashlib import blake2b
from typing import Any

DELETE_KEY_NO_PROPAGATE = 0
DELETE_KEY_AND_PROPAGATE = 1
PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE = 2  # left join
PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE = 3  # inner join

_INT = struct.Struct(">i")
_UINT = struct.Struct(">I")
HASH_SIZE = 16


def fingerprint(value_serde: Any, value: Any) -> bytes:
    """The hash a response is checked against. Taken over the value after one serde round trip, so the value
    as first seen (e.g. a Decimal) and as read back from the store hash the same."""
    ser = value_serde.serialize
    return blake2b(ser(value_serde.deserialize(ser(value))), digest_size=HASH_SIZE).digest()


def subscription(instruction: int, partition: int, digest: bytes | None, left_key: bytes) -> bytes:
    head = bytes((instruction,)) + _INT.pack(partition)
    if digest is None:
        return head + b"\x00" + left_key
    return head + b"\x01" + digest + left_key


def read_subscription(data: bytes) -> tuple[int, int, bytes | None, bytes]:
    instruction = data[0]
    (partition,) = _INT.unpack_from(data, 1)
    if data[5]:
        return instruction, partition, data[6 : 6 + HASH_SIZE], data[6 + HASH_SIZE :]
    return instruction, partition, None, data[6:]


def store_prefix(fk: bytes) -> bytes:
    return _UINT.pack(len(fk)) + fk


def store_value(partition: int, digest: bytes, instruction: int) -> bytes:
    return _INT.pack(partition) + digest + bytes((instruction,))


def read_store_value(data: bytes) -> tuple[int, bytes, int]:
    (partition,) = _INT.unpack_from(data)
    return partition, data[4 : 4 + HASH_SIZE], data[4 + HASH_SIZE]


def response(digest: bytes | None, right: bytes | None) -> bytes:
    head = b"\x00" if digest is None else b"\x01" + digest
    return head + (b"\x00" if right is None else b"\x01" + right)


def read_response(data: bytes) -> tuple[bytes | None, bytes | None]:
    if data[0]:
        digest, at = data[1 : 1 + HASH_SIZE], 1 + HASH_SIZE
    else:
        digest, at = None, 1
    return digest, (data[at + 1 :] if data[at] else None)
