"""Kafka Connect's group protocol on the wire: worker metadata and assignments (ConnectProtocol V0-V2).

A worker joins the group with protocol type `connect` and offers, in order of preference,
`sessioned` (V2) and `compatible` (V1): both incremental cooperative (KIP-415); V2 also says
that internal REST requests are signed (KIP-507). The layouts, in Kafka's protocol types
(strings: int16 length + UTF-8; arrays: int32 count, -1 for null; nullable bytes: int32 length):

    metadata     version:int16  url:string  config_offset:int64  allocation:nullable bytes
    assignment   version:int16  error:int16  leader:string  leader_url:string  config_offset:int64
                 assigned:[connector:string tasks:[int32]]  revoked:[...]  delay:int32

`allocation` holds the member's current assignment (an assignment as above, or null), so the
leader knows who runs what. In a connector's task list, -1 stands for the connector itself.
A V0 (`default`, eager) reader stops after `assigned`; trailing fields missing on the wire take
their defaults, as Kafka's reader allows.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum

from connect.runtime.states import TaskId

PROTOCOL_TYPE = "connect"
CONNECTOR_TASK = -1


class ConnectProtocol(StrEnum):
    """`connect.protocol` values, and the group protocol name each is offered under."""

    EAGER = "eager"
    COMPATIBLE = "compatible"
    SESSIONED = "sessioned"

    @property
    def wire_name(self) -> str:
        return "default" if self is ConnectProtocol.EAGER else self.value

    @property
    def version(self) -> int:
        return {"eager": 0, "compatible": 1, "sessioned": 2}[self.value]

    @classmethod
    def from_wire(cls, name: str) -> ConnectProtocol:
        return cls.EAGER if name == "default" else cls(name)


class AssignmentError(IntEnum):
    NO_ERROR = 0
    CONFIG_MISMATCH = 1  # the leader was behind the config log: read to its end and rejoin


@dataclass(frozen=True, slots=True)
class Assignment:
    """What the leader gave one member: the connectors and tasks to add and to revoke, and who leads."""

    leader: str
    leader_url: str
    config_offset: int
    connectors: tuple[str, ...] = ()
    tasks: tuple[TaskId, ...] = ()
    revoked_connectors: tuple[str, ...] = ()
    revoked_tasks: tuple[TaskId, ...] = ()
    delay_ms: int = 0
    error: AssignmentError = AssignmentError.NO_ERROR
    version: int = 1

    @property
    def failed(self) -> bool:
        return self.error is not AssignmentError.NO_ERROR

    @property
    def revokes(self) -> bool:
        return bool(self.revoked_connectors or self.revoked_tasks)


@dataclass(frozen=True, slots=True)
class WorkerState:
    """A member's JoinGroup metadata: its REST URL, how far it read the config log, and what it runs."""

    url: str
    config_offset: int
    assignment: Assignment | None = None
    version: int = 1


@dataclass(frozen=True, slots=True)
class ConnectorsAndTasks:
    connectors: frozenset[str] = frozenset()
    tasks: frozenset[TaskId] = field(default_factory=frozenset)

    def __bool__(self) -> bool:
        return bool(self.connectors or self.tasks)


# -- encoding ----------------------------------------------------------------------------------
def _string(value: str) -> bytes:
    raw = value.encode()
    return struct.pack(">h", len(raw)) + raw


def _connector_tasks(connectors: Iterable[str], tasks: Iterable[TaskId]) -> bytes:
    by_connector: dict[str, list[int]] = {}
    for name in connectors:
        by_connector.setdefault(name, []).append(CONNECTOR_TASK)
    for task in tasks:
        by_connector.setdefault(task.connector, []).append(task.task)
    out = [struct.pack(">i", len(by_connector))]
    for name, numbers in by_connector.items():
        out += [_string(name), struct.pack(">i", len(numbers)), struct.pack(f">{len(numbers)}i", *numbers)]
    return b"".join(out)


def encode_assignment(assignment: Assignment) -> bytes:
    head = struct.pack(">hh", assignment.version, int(assignment.error))
    body = _string(assignment.leader) + _string(assignment.leader_url) + struct.pack(">q", assignment.config_offset)
    body += _connector_tasks(assignment.connectors, assignment.tasks)
    if assignment.version >= 1:
        body += _connector_tasks(assignment.revoked_connectors, assignment.revoked_tasks)
        body += struct.pack(">i", assignment.delay_ms)
    return head + body


def encode_metadata(state: WorkerState) -> bytes:
    out = struct.pack(">h", state.version) + _string(state.url) + struct.pack(">q", state.config_offset)
    if state.version >= 1:
        allocation = None if state.assignment is None else encode_assignment(state.assignment)
        out += struct.pack(">i", -1) if allocation is None else struct.pack(">i", len(allocation)) + allocation
    return out


# -- decoding ----------------------------------------------------------------------------------
class ProtocolError(ValueError):
    """Bytes that are not Kafka Connect group metadata or assignment."""


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = memoryview(data)
        self.pos = 0

    @property
    def exhausted(self) -> bool:
        return self.pos >= len(self.data)

    def _take(self, fmt: str) -> int:
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise ProtocolError("truncated Connect protocol message")
        (value,) = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return int(value)

    def int16(self) -> int:
        return self._take(">h")

    def int32(self) -> int:
        return self._take(">i")

    def int64(self) -> int:
        return self._take(">q")

    def string(self) -> str:
        size = self.int16()
        if size < 0 or self.pos + size > len(self.data):
            raise ProtocolError("bad string in Connect protocol message")
        value = bytes(self.data[self.pos : self.pos + size]).decode()
        self.pos += size
        return value

    def nullable_bytes(self) -> bytes | None:
        size = self.int32()
        if size < 0:
            return None
        value = bytes(self.data[self.pos : self.pos + size])
        self.pos += size
        return value

    def connector_tasks(self) -> tuple[list[str], list[TaskId]]:
        connectors: list[str] = []
        tasks: list[TaskId] = []
        count = self.int32()
        for _ in range(max(count, 0)):
            name = self.string()
            for _ in range(max(self.int32(), 0)):
                number = self.int32()
                if number == CONNECTOR_TASK:
                    connectors.append(name)
                else:
                    tasks.append(TaskId(name, number))
        return connectors, tasks


def _version(reader: _Reader) -> int:
    version = reader.int16()
    if version < 0:
        raise ProtocolError(f"unsupported Connect protocol version {version}")
    return version


def decode_assignment(data: bytes | None) -> Assignment | None:
    if data is None or len(data) == 0:
        return None
    r = _Reader(data)
    version = _version(r)
    error = AssignmentError(r.int16())
    leader, leader_url, offset = r.string(), r.string(), r.int64()
    connectors, tasks = r.connector_tasks() if not r.exhausted else ([], [])
    revoked_connectors, revoked_tasks = r.connector_tasks() if version >= 1 and not r.exhausted else ([], [])
    delay = r.int32() if version >= 1 and not r.exhausted else 0
    return Assignment(
        leader,
        leader_url,
        offset,
        tuple(connectors),
        tuple(tasks),
        tuple(revoked_connectors),
        tuple(revoked_tasks),
        delay,
        error,
        version,
    )


def decode_metadata(data: bytes) -> WorkerState:
    r = _Reader(data)
    version = _version(r)
    url, offset = r.string(), r.int64()
    assignment = decode_assignment(r.nullable_bytes()) if version >= 1 and not r.exhausted else None
    return WorkerState(url, offset, assignment, version)
