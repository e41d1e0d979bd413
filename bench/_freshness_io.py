"""The latency bench's I/O: steady writers, the Elasticsearch reader and probe, stamped Kafka events, the anchor."""

from __future__ import annotations

import re
import threading
import time
import uuid
from array import array
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from struct import Struct
from typing import Any

import httpx
import orjson
import psycopg
from _cdc import INSERT_SQL, connector_config
from _freshness import first_row
from _measure import TICKS, process_cpu_seconds
from confluent_kafka import OFFSET_BEGINNING, TIMESTAMP_LOG_APPEND_TIME, Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from psycopg.conninfo import conninfo_to_dict

from connectors.postgres.pgoutput import PG_EPOCH_OFFSET_US
from connectors.postgres.replication import ReplicationConnection

CONNECT_PIDFILE = Path("/var/tmp/sluice-services/run/kafka-connect.pid")
KAFKA_PIDFILE = Path("/var/tmp/sluice-services/run/kafka.pid")
JSON = {"content-type": "application/json"}
_BULK_ID = re.compile(rb'"_id":"(-?[0-9]+)"')  # in the action lines the sink writes (orjson: no spaces)
_COMMIT_TS = Struct(">q")  # pgoutput COMMIT: 'C', flags (1), commit LSN (8), end LSN (8), commit_ts (8)


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


def receive_bare(dsn: str, slot: str, publication: str, ready: Any, stop: Any, out: Any) -> None:
    """The floor of COMMIT → a CDC client: a replication connection on its own slot that only reads the
    stream (our protocol layer, no decoding); sets `ready` once streaming, then puts (commit_ts µs, time_ns
    each transaction's COMMIT message arrived) until `stop`."""
    conn = ReplicationConnection(conninfo_to_dict(dsn))
    commits, arrived = array("q"), array("q")
    try:
        conn.start(slot, conn.create_slot(slot, export_snapshot=False)[0], publication, messages=False)
        ready.set()
        while not stop.is_set():
            batch = conn.read(10_000, 0.1)
            now = time.time_ns()
            for _, payload in batch:
                if payload[:1] == b"C":
                    commits.append(_COMMIT_TS.unpack_from(payload, 18)[0] + PG_EPOCH_OFFSET_US)
                    arrived.append(now)
            if batch:
                conn.confirm(batch[-1][0])
    finally:
        conn.close()
        out.put((commits.tobytes(), arrived.tobytes()))


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


def es_refreshes(client: httpx.Client, index: str) -> tuple[int, float]:
    """(refreshes so far, seconds spent in them) of an index: how often Elasticsearch made writes searchable,
    and how long each took."""
    stats = client.get(f"/{index}/_stats/refresh").json()["_all"]["primaries"]["refresh"]
    return stats["total"], stats["total_time_in_millis"] / 1000


def uptimes(conn: psycopg.Connection, es: httpx.Client) -> dict[str, float | None]:
    """Seconds each shared service has been up (outage tests elsewhere stop and start them; a restarted JVM
    also runs cold for its first minutes); None where it cannot be told."""
    row = conn.execute("SELECT extract(epoch FROM now() - pg_postmaster_start_time())").fetchone()
    try:
        nodes = es.get("/_nodes/stats/jvm", params={"filter_path": "nodes.*.jvm.uptime_in_millis"}).json()["nodes"]
        es_up: float | None = min(node["jvm"]["uptime_in_millis"] for node in nodes.values()) / 1000
    except (httpx.HTTPError, KeyError, ValueError):
        es_up = None
    return {
        "Postgres": None if row is None else float(row[0]),
        "Kafka": process_age(KAFKA_PIDFILE),
        "Elasticsearch": es_up,
    }


def process_age(pidfile: Path) -> float | None:
    """Seconds since the process a pid file names started (/proc: its start in ticks after boot)."""
    try:
        pid = int(pidfile.read_text().strip())
        started = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]) / TICKS
        return float(Path("/proc/uptime").read_text().split()[0]) - started
    except (OSError, ValueError, IndexError):
        return None


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


def trace_bulk(url: str, port: Any, stop: Any, out: Any) -> None:
    """A timing proxy in front of Elasticsearch for the sink (`--trace-bulk`): forwards every request,
    and for each `_bulk` notes the time its body had arrived and the time Elasticsearch answered, for each
    document id in it. Writes the port it listens on to `port`; puts (ids, arrived ns, answered ns) at `stop`."""
    ids, arrived, answered = array("q"), array("q"), array("q")
    lock, local = threading.Lock(), threading.local()
    skip = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "date", "server"}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _forward(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            came = time.time_ns()
            client = getattr(local, "client", None) or httpx.Client(base_url=url, timeout=120)
            local.client = client
            headers = {k: v for k, v in self.headers.items() if k.lower() not in skip and k.lower() != "host"}
            response = client.request(self.command, self.path, content=body, headers=headers)
            if "/_bulk" in self.path and response.is_success:
                done = time.time_ns()
                found = [int(i) for i in _BULK_ID.findall(body)]
                with lock:
                    ids.extend(found)
                    arrived.extend([came] * len(found))
                    answered.extend([done] * len(found))
            self.send_response(response.status_code)
            for k, v in response.headers.items():
                if k.lower() not in skip:
                    self.send_header(k, v)
            self.send_header("content-length", str(len(response.content)))
            self.end_headers()
            self.wfile.write(response.content)

        do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _forward

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port.value = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stop.wait()
    server.shutdown()
    with lock:
        out.put((ids.tobytes(), arrived.tobytes(), answered.tobytes()))


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
