"""The source offset: where the stream stands, what of a partly flushed transaction was emitted, snapshot progress.

Streaming offsets (one per event) hold
  lsn        the event's own LSN
  lsn_commit the commit LSN of its transaction (pgoutput's Begin.final_lsn)
  lsn_proc   where a restart may resume: the end of the last transaction emitted completely before it
  event_index  the record's place among the records of its transaction (1, 2, ...)
  txId, ts_usec  the transaction id and commit time (µs)
so a restart resumes at `lsn_proc` and skips the records of transaction `lsn_commit` up to `event_index`.
Snapshot offsets hold `snapshot: true`, the slot's consistent point (`lsn`), the tables already
read completely (`snapshot_tables_done`) and, per table being read, the position (file node and
ctid) that ends its last complete chunk (`snapshot_positions`), so a crashed snapshot resumes after
the last chunk Kafka acknowledged (see snapshot.py for what that guarantees).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Position:
    """What a stored offset says about where to resume."""

    restart_lsn: int = 0  # resume streaming here (0: the slot's confirmed position)
    skip_commit_lsn: int | None = None  # in the transaction with this commit LSN...
    skip_through_index: int = 0  # ...records up to this index were emitted already
    snapshot_in_progress: bool = False
    snapshot_tables_done: tuple[str, ...] = field(default_factory=tuple)
    snapshot_positions: Mapping[str, list[str]] = field(default_factory=dict)  # table → end of its last chunk
    incremental: Mapping[str, Any] | None = None  # an incremental snapshot in progress

    @staticmethod
    def from_offset(offset: Mapping[str, Any] | None) -> Position | None:
        if not offset:
            return None
        if offset.get("snapshot") and not offset.get("snapshot_completed"):
            return Position(
                restart_lsn=int(offset.get("lsn") or 0),
                snapshot_in_progress=True,
                snapshot_tables_done=tuple(offset.get("snapshot_tables_done") or ()),
                snapshot_positions=dict(offset.get("snapshot_positions") or {}),
            )
        commit = offset.get("lsn_commit")
        return Position(
            restart_lsn=int(offset.get("lsn_proc") or offset.get("lsn") or 0),
            skip_commit_lsn=int(commit) if commit is not None else None,
            skip_through_index=int(offset.get("event_index") or 0),
            incremental=offset.get("incremental_snapshot"),
        )


def snapshot_offset(
    lsn: int,
    tables_done: list[str],
    ts_usec: int,
    completed: bool = False,
    positions: Mapping[str, list[str]] | None = None,
) -> dict[str, Any]:
    if completed:
        return {"lsn": lsn, "lsn_proc": lsn, "ts_usec": ts_usec, "snapshot_completed": True}
    offset: dict[str, Any] = {"lsn": lsn, "snapshot": True, "snapshot_tables_done": tables_done, "ts_usec": ts_usec}
    if positions:
        offset["snapshot_positions"] = dict(positions)
    return offset


def format_lsn(lsn: int) -> str:
    return f"{lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}"


def parse_lsn(text: str) -> int:
    high, low = text.split("/")
    return (int(high, 16) << 32) | int(low, 16)
