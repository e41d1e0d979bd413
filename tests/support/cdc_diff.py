"""Field-by-field comparison of two connectors' records in Kafka (ours against the anchor's).

Records are read back per topic, run-specific values are normalised (topic prefix, processing timestamps,
the snapshot's LSN/txId, runId), and every leaf of key, value and headers is compared in topic order.
Each compared leaf is counted under a family (the column's type family, or key/envelope/schema/headers), so
a report can say how much of each family is equal.
"""

from __future__ import annotations

import json
import re
import struct
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient

_MISSING = object()


@dataclass
class Record:
    topic: str  # with the prefix replaced by PREFIX
    key: Any
    value: Any
    headers: list[tuple[str, Any]]


def read_records(bootstrap: str, prefix: str) -> dict[str, list[Record]]:
    """Every record of the topics named `<prefix>.*`, per topic, from the start to the end (one partition each),
    read by one consumer assigned to all of them at once."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    topics = sorted(t for t in admin.list_topics(timeout=10).topics if t.startswith(prefix + "."))
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": f"diff-{uuid.uuid4().hex}", "enable.auto.commit": False}
    )
    out: dict[str, list[Record]] = {topic.replace(prefix, "PREFIX", 1): [] for topic in topics}
    try:
        wanted: dict[str, int] = {}
        assignment = []
        for topic in topics:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
            if high > low:
                wanted[topic] = high - low
                assignment.append(TopicPartition(topic, 0, low))
        consumer.assign(assignment)
        remaining = sum(wanted.values())
        deadline = time.monotonic() + 120
        while remaining > 0 and time.monotonic() < deadline:
            for m in consumer.consume(min(10_000, remaining), 1.0):
                if m.error() is None and len(out[m.topic().replace(prefix, "PREFIX", 1)]) < wanted[m.topic()]:
                    out[m.topic().replace(prefix, "PREFIX", 1)].append(_record(m, prefix))
                    remaining -= 1
        assert remaining == 0, f"{remaining} records of {prefix}.* could not be read"
    finally:
        consumer.close()
    return out


def _json(data: bytes | None, prefix: str) -> Any:
    if data is None:
        return None
    data = data.replace(prefix.encode(), b"PREFIX")
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:  # e.g. a lone surrogate escaped by Jackson: the standard parser keeps it
        return json.loads(data)


def _record(message: Any, prefix: str) -> Record:
    headers = [
        (k, None if v is None else v.decode("utf-8", "replace").replace(prefix, "PREFIX"))
        for k, v in message.headers() or []
    ]
    return Record(
        message.topic().replace(prefix, "PREFIX", 1),
        _json(message.key(), prefix),
        _json(message.value(), prefix),
        headers,
    )


def wait_for_records(bootstrap: str, prefix: str, count: int, timeout: float = 180.0) -> None:
    """Until the topics named `<prefix>.*` hold `count` records together (e.g. a whole snapshot)."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"diff-{uuid.uuid4().hex}"})
    deadline = time.monotonic() + timeout
    held = 0
    try:
        while time.monotonic() < deadline:
            held = 0
            for topic in [t for t in admin.list_topics(timeout=10).topics if t.startswith(prefix + ".")]:
                low, high = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
                held += high - low
            if held >= count:
                return
            time.sleep(0.3)
    finally:
        consumer.close()
    raise AssertionError(f"{prefix}.* held {held} of {count} records after {timeout:.0f}s")


def wait_for_topic(bootstrap: str, topic: str, timeout: float = 180.0) -> None:
    """Until `topic` holds at least one record (the end marker of a workload)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"diff-{uuid.uuid4().hex}"})
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            metadata = consumer.list_topics(timeout=10).topics
            if topic in metadata and not metadata[topic].error:
                low, high = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
                if high > low:
                    return
            time.sleep(0.3)
    finally:
        consumer.close()
    raise AssertionError(f"no record reached {topic} within {timeout:.0f}s")


# -- normalisation --------------------------------------------------------------------------------
RUN_SPECIFIC = "<run>"


def normalise(record: Record) -> Record:
    """Replace values that differ between any two runs of the same connector (never a null by a value)."""
    value = record.value
    payload = _payload(record)
    if isinstance(payload, dict):
        for name in ("ts_ms", "ts_us", "ts_ns"):
            if payload.get(name) is not None and "op" in payload:
                payload[name] = RUN_SPECIFIC
        source = payload.get("source")
        if isinstance(source, dict) and source.get("version") is not None:
            source["version"] = RUN_SPECIFIC  # names the software that wrote the event
        _normalise_message_collections(payload)
        if isinstance(source, dict) and source.get("snapshot") not in (None, "false"):
            for name in ("ts_ms", "ts_us", "ts_ns", "lsn", "txId", "sequence", "xmin"):
                if source.get(name) is not None:
                    source[name] = RUN_SPECIFIC
        if payload.get("op") == "m" and isinstance(source, dict) and source.get("txId") is None:
            # A non-transactional message has no commit: its times are when the connector read it.
            payload["ts_ms"] = RUN_SPECIFIC
            for name in ("ts_ms", "ts_us", "ts_ns"):
                if source.get(name) is not None:
                    source[name] = RUN_SPECIFIC
    headers = [(k, RUN_SPECIFIC if k == "__debezium.context.runId" and v is not None else v) for k, v in record.headers]
    return Record(record.topic, record.key, value, headers)


def _payload(record: Record) -> Any:
    value = record.value
    return value.get("payload", value) if isinstance(value, dict) and "schema" in value else value


def _normalise_message_collections(payload: dict[str, Any]) -> None:
    """Debezium names the data collection of each transactional logical decoding message after a fresh Java
    object (`...LogicalDecodingMessageId@1b2c3d4e`): the name is run-specific, and so is its place in the END
    record's HashMap order, so such transactions' collections are compared sorted."""
    transaction = payload.get("transaction")
    if isinstance(transaction, dict):
        return
    collections = payload.get("data_collections")
    if not isinstance(collections, list):
        return
    named = False
    for entry in collections:
        name = entry.get("data_collection", "")
        if "LogicalDecodingMessageId@" in name:
            entry["data_collection"] = name.split("@")[0] + "@" + RUN_SPECIFIC
            named = True
    if named:
        collections.sort(key=lambda e: (e["data_collection"], e["event_count"]))


# -- comparison -----------------------------------------------------------------------------------
@dataclass
class Mismatch:
    topic: str
    index: int
    path: str
    ours: Any
    theirs: Any


@dataclass
class Comparison:
    """Leaf counts per family and the mismatches found."""

    families: Mapping[str, str]  # column name → family
    float32: frozenset[str] = frozenset()  # columns of FLOAT32 values (see _same_float32)
    equal: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    total: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    mismatches: list[Mismatch] = field(default_factory=list)

    def compare_topics(self, ours: Mapping[str, list[Record]], theirs: Mapping[str, list[Record]]) -> None:
        for topic in sorted(set(ours) | set(theirs)):
            a, b = ours.get(topic, []), theirs.get(topic, [])
            for i in range(max(len(a), len(b))):
                if i >= len(a) or i >= len(b):
                    self._count("records", False)
                    self.mismatches.append(
                        Mismatch(
                            topic,
                            i,
                            "<record>",
                            _brief(a[i]) if i < len(a) else None,
                            _brief(b[i]) if i < len(b) else None,
                        )
                    )
                    continue
                self.compare(topic, i, normalise(a[i]), normalise(b[i]))

    def compare(self, topic: str, index: int, ours: Record, theirs: Record) -> None:
        self._count("records", True)
        for path, x, y in _leaves(("key",), ours.key, theirs.key):
            self._leaf(topic, index, path, x, y, "key")
        for path, x, y in _leaves(("value",), ours.value, theirs.value):
            self._leaf(topic, index, path, x, y, None)
        for path, x, y in _leaves(("headers",), _headers(ours.headers), _headers(theirs.headers)):
            self._leaf(topic, index, path, x, y, "headers")

    def _leaf(self, topic: str, index: int, path: tuple[str, ...], x: Any, y: Any, family: str | None) -> None:
        same = _same(x, y) or (_same_float32(x, y) and any(p in self.float32 for p in path))
        self._count(family or self._family(path), same)
        if not same:
            self.mismatches.append(Mismatch(topic, index, ".".join(path), _shown(x), _shown(y)))

    def _family(self, path: tuple[str, ...]) -> str:
        in_schema = "schema" in path[:2]
        for part in path:
            family = self.families.get(part)
            if family is not None:
                return f"{family} (schema)" if in_schema else family
        return "schema" if in_schema else "envelope"

    def _count(self, family: str, same: bool) -> None:
        self.total[family] += 1
        self.equal[family] += int(same)

    def report(self) -> str:
        lines = [f"{'family':<24} {'equal':>8} {'fields':>8} {'share':>8}"]
        for family in sorted(self.total):
            share = self.equal[family] / self.total[family]
            lines.append(f"{family:<24} {self.equal[family]:>8} {self.total[family]:>8} {share:>8.2%}")
        return "\n".join(lines)

    def mismatch_report(self, limit: int = 60) -> str:
        seen: dict[tuple[str, str], int] = defaultdict(int)
        lines = []
        for m in self.mismatches:
            shape = (m.topic, re.sub(r"\[\d+\]", "[]", m.path))
            seen[shape] += 1
            if seen[shape] <= 2 and len(lines) < limit:
                lines.append(f"{m.topic}#{m.index} {m.path}: ours={m.ours!r} anchor={m.theirs!r}")
        return "\n".join(lines)


def _headers(headers: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in headers:
        out[k if k not in out else f"{k}#{sum(1 for h in out if h.startswith(k))}"] = v
    return out


def _same(x: Any, y: Any) -> bool:
    if type(x) is not type(y) and not (isinstance(x, (int, float)) and isinstance(y, (int, float))):
        return False
    return x == y or (x != x and y != y)  # NaN equals NaN here


def _same_float32(x: Any, y: Any) -> bool:
    """The same FLOAT32 value written in two decimal forms: Kafka Connect writes a float with the JVM's
    Float.toString, which before Java 19 sometimes gives more digits than the shortest form (3.38815038E14
    for the float 3.3881504E14); both parse back to the same float, which is what a consumer reads."""
    if not (isinstance(x, float) and isinstance(y, float)):
        return False
    return struct.pack("<f", x) == struct.pack("<f", y)


def _leaves(path: tuple[str, ...], x: Any, y: Any) -> Iterator[tuple[tuple[str, ...], Any, Any]]:
    if isinstance(x, dict) and isinstance(y, dict):
        for k in list(x) + [k for k in y if k not in x]:
            yield from _leaves((*path, str(k)), x.get(k, _MISSING), y.get(k, _MISSING))
    elif isinstance(x, list) and isinstance(y, list) and _named_fields(x) and _named_fields(y):
        xs, ys = {f["field"]: f for f in x}, {f["field"]: f for f in y}
        for k in list(xs) + [k for k in ys if k not in xs]:
            yield from _leaves((*path, k), xs.get(k, _MISSING), ys.get(k, _MISSING))
    elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
        for i, (a, b) in enumerate(zip(x, y, strict=True)):
            yield from _leaves((*path, f"[{i}]"), a, b)
    else:
        yield path, x, y


def _named_fields(items: list[Any]) -> bool:
    return bool(items) and all(isinstance(f, dict) and "field" in f for f in items)


def _shown(value: Any) -> Any:
    if value is _MISSING:
        return "<absent>"
    text = repr(value)
    return value if len(text) <= 200 else text[:200] + "..."


def _brief(record: Record) -> str:
    return repr({"key": record.key, "value": record.value})[:300]
