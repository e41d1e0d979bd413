"""The latency bench's I/O: steady writers, the Elasticsearch reader and probe, stamped Kafka events, the anchor."""

from __future__ import annotations

import time
import uuid
from array import array
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import orjson
import psycopg
from _cdc import INSERT_SQL, connector_config
from _freshness import first_row
from _measure import process_cpu_seconds
from confluent_kafka import OFFSET_BEGINNING, TIMESTAMP_LOG_APPEND_TIME, Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

CONNECT_PIDFILE = Path("/var/tmp/sluice-services/run/kafka-connect.pid")
JSON = {"content-type": "application/json"}


# -- Postgres ---------------------------------------------------------------------------------
def write_steadily(
    dsn: str, table: str, writer: int, writers: int, tx_rows: int, tx_per_s: float, start: float, n: int, out: Any
) -> None:
    """A writer process: `n` transactions at `tx_per_s` from wall time `start`; puts (writer, stamps, lag).

    Its j-th transaction is number j * writers + writer (see _freshness.commits); `stamps` holds the clock
    (time_ns) just before sending and just after each COMMIT; `lag` how far behind schedule it fell at most
    (behind, it sends at once and never skips).
    """
    conn = psycopg.connect(dsn, autocommit=True)
    interval = 1 / tx_per_s
    first = time.monotonic() + (start - time.time()) + writer * interval / writers  # writers interleave
    stamps, lag = array("q"), 0.0
    for j in range(n):
        wait = first + j * interval - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        else:
            lag = max(lag, -wait)
        lo = first_row(j * writers + writer, tx_rows)
        conn.execute("BEGIN; " + INSERT_SQL.format(t=table, lo=lo, hi=lo + tx_rows - 1))
        stamps.append(time.time_ns())
        conn.execute("COMMIT")
        stamps.append(time.time_ns())
    conn.close()
    out.put((writer, stamps.tobytes(), lag))


def drop_slots(conn: psycopg.Connection, prefix: str) -> None:
    """Drop the run's slots once their connectors let go of them (a stopping worker takes a moment). A slot
    still held after 20 s belongs to a session left waiting (slot creation waits out every open transaction
    on the server, even after its client went away): that session is the run's own, so it is ended."""
    deadline = time.monotonic() + 20
    while True:
        rows = conn.execute(
            "SELECT slot_name, active_pid FROM pg_replication_slots WHERE slot_name LIKE %s", (prefix + "%",)
        ).fetchall()
        for slot, pid in rows:
            if pid is None:
                conn.execute("SELECT pg_drop_replication_slot(%s)", (slot,))
            elif time.monotonic() > deadline:
                conn.execute("SELECT pg_terminate_backend(%s, 10000)", (pid,))
                print(f"(ended the session still holding slot {slot}, pid {pid})")
        if all(pid is None for _, pid in rows):
            return
        if time.monotonic() > deadline + 15:
            print(f"(slots left behind, drop them: {', '.join(slot for slot, _ in rows)})")
            return
        time.sleep(0.5)


# -- Elasticsearch ----------------------------------------------------------------------------
def poll_searchable(url: str, index: str, every: float, stop: Any, seen: Any, out: Any) -> None:
    """The reader process: search every `every` s for documents not seen yet, until `stop`; counts the rows
    (positive ids) it saw in `seen`, then puts (ids, time_ns each first came back, search round trips)."""
    client = httpx.Client(base_url=url, timeout=30)
    ids, at, trips = array("q"), array("q"), array("d")
    floor, above = -1, set()  # every _seq_no <= floor was seen; those seen above it
    stuck_since: float | None = None
    query: dict[str, Any] = {
        "query": {"range": {"_seq_no": {"gt": floor}}},
        "sort": [{"_seq_no": {"order": "asc", "unmapped_type": "long"}}],  # unmapped until the first document
        "size": 10_000,
        "_source": False,
        "seq_no_primary_term": True,
        "track_total_hits": False,
    }
    due, rows = time.monotonic(), 0
    while not stop.is_set():
        query["query"]["range"]["_seq_no"]["gt"] = floor
        sent = time.monotonic()
        response = client.post(f"/{index}/_search", content=orjson.dumps(query), headers=JSON)
        now = time.time_ns()
        trips.append(time.monotonic() - sent)
        response.raise_for_status()
        for hit in orjson.loads(response.content)["hits"]["hits"]:
            seq = hit["_seq_no"]
            if seq > floor and seq not in above:
                above.add(seq)
                ids.append(int(hit["_id"]))
                at.append(now)
                rows += ids[-1] >= 0
        moved = floor + 1 in above
        while floor + 1 in above:
            floor += 1
            above.discard(floor)
        if above and not moved:
            # A sequence number never seen (a write that failed after taking one): step over it after 10 s.
            stuck_since = stuck_since or time.monotonic()
            if time.monotonic() - stuck_since > 10:
                floor, stuck_since = min(above) - 1, None
        else:
            stuck_since = None
        seen.value = rows
        due = max(due + every, time.monotonic())
        time.sleep(max(0.0, due - time.monotonic()))
    client.close()
    out.put((ids.tobytes(), at.tobytes(), trips.tobytes()))


def es_uptime(client: httpx.Client) -> float:
    """Seconds the Elasticsearch node has been up (the shared node is restarted by outage tests; a fresh JVM
    runs cold for its first minutes)."""
    nodes = client.get("/_nodes/stats/jvm", params={"filter_path": "nodes.*.jvm.uptime_in_millis"}).json()["nodes"]
    return min(node["jvm"]["uptime_in_millis"] for node in nodes.values()) / 1000


def probe_index(url: str, index: str, every: float, stop: Any, out: Any) -> None:
    """The floor probe: every `every` s one document of ids -1, -2, ... in a `_bulk` of its own, until `stop`;
    puts (ids, time_ns each write was acknowledged). What the reader then sees is Elasticsearch's own delay."""
    client = httpx.Client(base_url=url, timeout=30)
    ids, acked = array("q"), array("q")
    due, n = time.monotonic(), 0
    while not stop.is_set():
        n -= 1
        body = orjson.dumps({"index": {"_index": index, "_id": str(n)}}) + b"\n" + orjson.dumps({"id": n}) + b"\n"
        response = client.post("/_bulk", content=body, headers={"content-type": "application/x-ndjson"})
        if response.is_success and not orjson.loads(response.content).get("errors"):
            ids.append(n)
            acked.append(time.time_ns())
        due = max(due + every, time.monotonic())
        time.sleep(max(0.0, due - time.monotonic()))
    client.close()
    out.put((ids.tobytes(), acked.tobytes()))


# -- Kafka ------------------------------------------------------------------------------------
def create_topic(admin: AdminClient, topic: str) -> None:
    """One partition, each record stamped by the broker with the time it appended it."""
    futures = admin.create_topics(
        [NewTopic(topic, 1, 1, config={"message.timestamp.type": "LogAppendTime"})], operation_timeout=30
    )
    futures[topic].result()


def read_events(kafka: str, topic: str, rows: int, timeout: float = 120.0) -> tuple[dict[int, tuple[int, int]], float]:
    """row id → (broker append time in ms, source.ts_us) of each row's first change event, until `rows` rows;
    and the mean size of the values in bytes."""
    consumer = Consumer(
        {"bootstrap.servers": kafka, "group.id": f"bench-{uuid.uuid4().hex}", "enable.auto.commit": False}
    )
    consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    found: dict[int, tuple[int, int]] = {}
    size = count = 0
    deadline = time.monotonic() + timeout
    try:
        while len(found) < rows and time.monotonic() < deadline:
            for msg in consumer.consume(1000, 1.0):
                value = msg.value()
                if msg.error() is not None or not value:
                    continue
                kind, appended = msg.timestamp()
                if kind != TIMESTAMP_LOG_APPEND_TIME:
                    raise RuntimeError(f"{topic} is not stamped with LogAppendTime: was it created before the bench?")
                event = orjson.loads(value)
                size, count = size + len(value), count + 1
                if event.get("after"):
                    found.setdefault(event["after"]["id"], (appended, event["source"]["ts_us"]))
    finally:
        consumer.close()
    return found, size / max(count, 1)


def topic_has_records(kafka: str, topic: str) -> bool:
    consumer = Consumer({"bootstrap.servers": kafka, "group.id": f"bench-{uuid.uuid4().hex}"})
    try:
        return consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=5, cached=False)[1] >= 1
    finally:
        consumer.close()


# -- Debezium on the Kafka Connect anchor -----------------------------------------------------
def debezium_config(pg: Mapping[str, Any], name: str, table: str) -> dict[str, str]:
    """Our source's settings in Debezium's own keys, JSON without schemas as in BENCH.md; its defaults otherwise."""
    return {
        **connector_config(pg, name, table, "no_data"),
        "plugin.name": "pgoutput",
        "key.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "key.converter.schemas.enable": "false",
        "value.converter.schemas.enable": "false",
    }


def anchor_usage() -> tuple[int, float, float] | None:
    """(pid, CPU seconds, RSS in MB now) of the shared Kafka Connect anchor, when its pid file says where it is."""
    try:
        pid = int(CONNECT_PIDFILE.read_text().strip())
        rss = next(
            int(line.split()[1]) / 1024
            for line in Path(f"/proc/{pid}/status").read_text().splitlines()
            if line.startswith("VmRSS:")
        )
        return pid, process_cpu_seconds(pid), rss
    except (OSError, ValueError, StopIteration):
        return None
