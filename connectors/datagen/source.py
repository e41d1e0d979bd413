"""The datagen task: sequence-numbered records built cheaply, resumable from its committed offset."""

from __future__ import annotations

import random
import string
import threading
import time
from collections.abc import Mapping
from typing import Any

import orjson

from connect.data import (
    INT64_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    Schema,
    SourceRecord,
)
from connect.errors import ConnectException
from connect.spi import SourceTask
from connectors.datagen.config import DatagenConfig

VALUE_SCHEMA = Schema.struct(
    "datagen.Value",
    [
        ("seq", INT64_SCHEMA),
        ("key", OPTIONAL_STRING_SCHEMA),
        ("ts", INT64_SCHEMA),
        ("payload", STRING_SCHEMA),
    ],
)
_IDLE_WAIT = 0.1  # seconds a finished task waits per poll, so an idle task costs no CPU
_MAX_WAIT = 0.5  # a rate-limited poll returns within this, so pause/stop are prompt
_PRECOMPUTED_KEYS = 100_000  # below this cardinality, key strings are built once
_PRECOMPUTED_PAYLOAD_CHARS = 1 << 20  # payloads are built once while all of them fit in this many characters


def partition_of(connector: str, task_id: int) -> dict[str, str]:
    """The source partition of one task: its own sequence space, stable across restarts."""
    return {"datagen": f"{connector}/{task_id}"}


def payload_length(cfg: DatagenConfig) -> int:
    """Padding needed for a schemaless JSON value of about `record.size` bytes."""
    typical_seq = max(cfg.max_records - 1, 9_999_999)
    key = None if cfg.key_cardinality == 0 else f"key-{cfg.key_cardinality - 1}"
    bare = orjson.dumps({"seq": typical_seq, "key": key, "ts": 1_700_000_000_000, "payload": ""})
    return max(0, cfg.record_size - len(bare))


class DatagenSourceTask(SourceTask):
    """Emits records with `seq` 0, 1, 2, ... (continuing after the committed offset on restart)."""

    def start(self, props: Mapping[str, Any]) -> None:
        cfg = DatagenConfig.parse(props)
        if self.context is None:
            raise ConnectException("datagen task started without a context")
        self._cfg = cfg
        self._topic = cfg.topic
        self._partition = partition_of(self.context.connector_name, self.context.task_id)
        self._next = self._resume_point()
        self._end = cfg.max_records if cfg.max_records >= 0 else None
        self._key_schema = (STRING_SCHEMA if cfg.key_cardinality else None) if cfg.schema_enabled else None
        self._value_schema = VALUE_SCHEMA if cfg.schema_enabled else None
        card = cfg.key_cardinality
        self._keys = [f"key-{i}" for i in range(card)] if 0 < card <= _PRECOMPUTED_KEYS else None
        self._pad = payload_length(cfg)
        rng = random.Random(cfg.seed)
        # Twice the length, so each record takes a different window of it without a random call.
        self._padding = "".join(rng.choices(string.ascii_letters + string.digits, k=2 * self._pad))
        # Record n's payload is the window at n % pad; the usual sizes keep every window, so a record costs no slice.
        pad = self._pad
        self._payloads = (
            [self._padding[o : o + pad] for o in range(pad)]
            if pad > 0 and pad * pad <= _PRECOMPUTED_PAYLOAD_CHARS
            else None
        )
        self._wake = threading.Event()
        self._started_at = time.monotonic()
        self._emitted = 0

    def _resume_point(self) -> int:
        assert self.context is not None
        stored = self.context.offset_reader.offset(self._partition)
        if stored is None:
            return 0
        seq = stored.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < -1:
            raise ConnectException(f"datagen: stored offset {stored!r} for {self._partition} has no valid 'seq'")
        return seq + 1

    @property
    def next_seq(self) -> int:
        return self._next

    def poll(self) -> list[SourceRecord] | None:
        start = self._next
        count = self._cfg.batch_size
        if self._end is not None:
            count = min(count, self._end - start)
            if count <= 0:
                self._wake.wait(_IDLE_WAIT)
                return None
        if self._cfg.rate > 0:
            count = min(count, self._due())
            if count <= 0:
                return None
        records = self._build(start, start + count)
        self._next = start + count
        self._emitted += count
        return records

    def _due(self) -> int:
        """Records owed at this moment by the configured rate; sleeps (briefly) when none is."""
        rate = self._cfg.rate
        elapsed = time.monotonic() - self._started_at
        due = int(elapsed * rate) - self._emitted
        if due > rate + self._cfg.batch_size:
            # Far behind (the worker was paused or slow): forget the debt rather than burst to repay it.
            self._started_at = time.monotonic() - (self._emitted + 1) / rate
            return 1
        if due <= 0:
            self._wake.wait(min(_MAX_WAIT, (self._emitted + 1) / rate - elapsed))
            due = int((time.monotonic() - self._started_at) * rate) - self._emitted
        return due

    def _build(self, start: int, end: int) -> list[SourceRecord]:
        ts = int(time.time() * 1000)
        topic, part = self._topic, self._partition
        key_schema, value_schema = self._key_schema, self._value_schema
        card, keys = self._cfg.key_cardinality, self._keys
        pad, padding, payloads = self._pad, self._padding, self._payloads
        out: list[SourceRecord] = []
        append = out.append
        for seq in range(start, end):
            if keys is not None:
                key = keys[seq % card]
            elif card:
                key = f"key-{seq % card}"
            else:
                key = None
            if payloads is not None:
                payload = payloads[seq % pad]
            elif pad:
                offset = seq % pad
                payload = padding[offset : offset + pad]
            else:
                payload = ""
            # No record timestamp: the producer stamps the record as it sends it, which saves a produce argument.
            append(
                SourceRecord(
                    part,
                    {"seq": seq},
                    topic,
                    None,
                    key_schema,
                    key,
                    value_schema,
                    {"seq": seq, "key": key, "ts": ts, "payload": payload},
                )
            )
        return out

    def stop(self) -> None:
        if hasattr(self, "_wake"):
            self._wake.set()
