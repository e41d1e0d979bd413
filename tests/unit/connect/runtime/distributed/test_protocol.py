"""Connect group protocol: what one worker encodes, another decodes unchanged, in Kafka Connect's byte layout."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connect.runtime.distributed.protocol import (
    Assignment,
    AssignmentError,
    ProtocolError,
    WorkerState,
    decode_assignment,
    decode_metadata,
    encode_assignment,
    encode_metadata,
)
from connect.runtime.states import TaskId

NAMES = st.text(min_size=1, max_size=12)
TASKS = st.builds(TaskId, NAMES, st.integers(0, 50))
ASSIGNMENTS = st.builds(
    Assignment,
    leader=NAMES,
    leader_url=NAMES,
    config_offset=st.integers(-1, 2**40),
    connectors=st.lists(NAMES, unique=True, max_size=5).map(tuple),
    tasks=st.lists(TASKS, unique=True, max_size=8).map(tuple),
    revoked_connectors=st.lists(NAMES, unique=True, max_size=3).map(tuple),
    revoked_tasks=st.lists(TASKS, unique=True, max_size=4).map(tuple),
    delay_ms=st.integers(0, 2**31 - 1),
    error=st.sampled_from(list(AssignmentError)),
    version=st.sampled_from([1, 2]),
)


def _grouped(assignment: Assignment) -> Assignment:
    """The same assignment in wire order: each connector's entry (itself, then its tasks) together."""
    encoded = decode_assignment(encode_assignment(assignment))
    assert encoded is not None
    return encoded


@given(ASSIGNMENTS)
def test_an_assignment_survives_the_wire(assignment: Assignment) -> None:
    decoded = _grouped(assignment)
    assert set(decoded.connectors) == set(assignment.connectors)
    assert set(decoded.tasks) == set(assignment.tasks)
    assert set(decoded.revoked_connectors) == set(assignment.revoked_connectors)
    assert set(decoded.revoked_tasks) == set(assignment.revoked_tasks)
    assert (decoded.leader, decoded.leader_url, decoded.config_offset) == (
        assignment.leader,
        assignment.leader_url,
        assignment.config_offset,
    )
    assert (decoded.delay_ms, decoded.error, decoded.version) == (
        assignment.delay_ms,
        assignment.error,
        assignment.version,
    )
    assert decode_assignment(encode_assignment(decoded)) == decoded


@given(NAMES, st.integers(-1, 2**40), st.none() | ASSIGNMENTS)
def test_metadata_survives_the_wire(url: str, offset: int, assignment: Assignment | None) -> None:
    decoded = decode_metadata(encode_metadata(WorkerState(url, offset, assignment)))
    assert (decoded.url, decoded.config_offset) == (url, offset)
    assert decoded.assignment == (None if assignment is None else _grouped(assignment))


def test_layout_is_kafka_connects() -> None:
    """Version, error, leader, leader URL, offset, then [connector, [tasks]] with -1 for the connector itself."""
    raw = encode_assignment(Assignment("L", "http://l:8083/", 7, ("c",), (TaskId("c", 0),), (), (), 0))
    expected = (
        struct.pack(">hh", 1, 0)
        + struct.pack(">h", 1)
        + b"L"
        + struct.pack(">h", 14)
        + b"http://l:8083/"
        + struct.pack(">q", 7)
        + struct.pack(">i", 1)
        + struct.pack(">h", 1)
        + b"c"
        + struct.pack(">i", 2)
        + struct.pack(">ii", -1, 0)
        + struct.pack(">i", 0)  # nothing revoked
        + struct.pack(">i", 0)  # no delay
    )
    assert raw == expected


def test_a_v0_assignment_without_the_v1_fields_reads_with_their_defaults() -> None:
    raw = (
        struct.pack(">hh", 0, 0) + struct.pack(">h", 1) + b"L" + struct.pack(">h", 1) + b"u" + struct.pack(">qi", 3, 0)
    )
    assert decode_assignment(raw) == Assignment("L", "u", 3, version=0)


def test_an_empty_allocation_is_null() -> None:
    raw = encode_metadata(WorkerState("u", 5, None))
    assert raw.endswith(struct.pack(">i", -1))
    assert decode_metadata(raw).assignment is None


@pytest.mark.parametrize("raw", [b"", b"\x00", b"\x00\x01\x00\x05ab", b"\xff\xff"])
def test_garbage_is_a_protocol_error(raw: bytes) -> None:
    with pytest.raises(ProtocolError):
        decode_metadata(raw)
