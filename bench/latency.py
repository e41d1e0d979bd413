"""Freshness bench: p50/p99/max from Postgres COMMIT to the record in Kafka and to searchable in Elasticsearch.

    python bench/latency.py [--rate 5000] [--tx-rows 10] [--writers 4] [--seconds 30] [--warmup 5]
                            [--es-poll-ms 50] [--debezium] [--trace-bulk] [--worker-prop KEY=VALUE]
                            [--sink-prop KEY=VALUE] [--pg ...] [--kafka ...] [--es ...] [--connect-url ...]

What runs: one worker (`python -m sluice.cli standalone`, its own process, JsonConverter without schemas
as in BENCH.md; with `--sink-worker`, one for each connector) with our Postgres source on BENCH.md's
10-column table and the Elasticsearch sink (ExtractNewRecordState, document id = the row's key) on its
topic. `--writers` writer processes insert `--rate` rows/s between them, `--tx-rows` rows per transaction
(`BEGIN; INSERT ... SELECT` then `COMMIT`), each on a fixed schedule (a writer that falls behind sends at
once, never skips; the lag is printed, and so is the rate reached: that is what the box sustained). The
first `--warmup` seconds of transactions are written but not counted. With `--debezium`, Debezium 3.7's
PostgreSQL connector on the Kafka Connect anchor (`SLUICE_CONNECT_URL`, from `scripts/services env`)
captures the same table into its own topic in the same run, so both COMMIT → Kafka figures come from the
same transactions; it has no Elasticsearch sink there (the anchor holds no Confluent sink), so its search
figure is not measured. The anchor's JVM is the shared test service, tuned for start-up (C1 only, serial
GC, 512 MB heap) and running whatever else the suite gave it: its CPU and RSS are printed for what they
are, not as Debezium's.
Clocks. Everything runs on one box and reads the same realtime clock.
- COMMIT: the transaction's commit timestamp as Postgres wrote it in the WAL and pgoutput sends it in
  BEGIN (µs), which the events carry as `source.ts_us` (Debezium's ms figure, `source.ts_ms`, would add
  up to 1 ms of truncation). It is the server's clock read inside COMMIT, so a writer descheduled after
  COMMIT returns cannot shift it; and it is not taken on trust from the pipeline under test: every
  transaction's value is checked against the writer's own clock read just before sending COMMIT and just
  after it returned (the share inside that window is printed). Its error: it is read just before the
  commit record is written and fsynced (fsync and synchronous_commit are on), so it precedes the moment
  the change becomes decodable by the WAL flush: figures include that flush (conservative by "commit_ts →
  COMMIT returned", printed).
- In Kafka: the broker's append time. The topics are created before the connectors start, with
  `message.timestamp.type=LogAppendTime`, so each record carries the time the broker appended it (when
  a consumer could first read it), independent of any consumer's polling. ms resolution: truncation
  understates each figure by 0-1 ms.
- Searchable: a reader process (a realistic one: `_search` requests, which see only refreshed
  segments, never per-document GETs, which are real-time and bypass refresh) asks every `--es-poll-ms`
  for the documents above the highest `_seq_no` below which it has seen them all, sorted by `_seq_no`
  (a document's sequence number in the index's one shard); a document counts as searchable when the
  first response holding it arrived. This overstates by at most one poll interval plus a search round
  trip (printed). The index is created beforehand with `refresh_interval: 1s` (as the target says;
  setting it explicitly also keeps Elasticsearch from skipping refreshes on an index it thinks idle).
  The refresh alone makes a document wait 0.5 s on average and up to 1 s.
Floors, measured in the same run: COMMIT → a bare replication client (our protocol layer on a slot of its
own, reading the stream and nothing else: what Postgres and the box leave to any CDC connector), and a
one-document `_bulk` acknowledged → searchable (a probe writing to the same index: what Elasticsearch's
refresh leaves to any sink). `--trace-bulk` puts a timing proxy between the sink and Elasticsearch and
splits Kafka → searchable into the sink's part (up to the `_bulk` reaching Elasticsearch), indexing (to
its answer) and refresh (to searchable); the hop costs a little, so the default run goes without it. Also
printed: the worker's CPU over the measured window and its peak RSS, the share of the box's CPU in use,
the load average and how long the services have been up (the box is shared: its figures move with what
else runs). Everything the run creates (table, slots, publications, topics, index, consumer group, the
Debezium connector) is removed at the end.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import queue
import shutil
import tempfile
import time
import uuid
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
from _cdc import INSERT_SQL, TABLE_SQL, connector_config, wait_streaming
from _freshness import Commit, commit_times, commits, figures, sink_legs
from _freshness_io import (
    anchor_usage,
    create_topic,
    debezium_config,
    drop_slots,
    es_refreshes,
    poll_searchable,
    probe_index,
    read_events,
    receive_bare,
    topic_has_records,
    trace_bulk,
    uptimes,
    write_steadily,
)
from _measure import Worker, box_cpu, delete_topics
from _percentiles import duration, report, summarize
from confluent_kafka.admin import AdminClient
from psycopg.conninfo import conninfo_to_dict

KAFKA_TARGET = 0.100  # BENCH.md: p99 COMMIT → record in Kafka under 100 ms at 5k rows/s
SEARCH_TARGET = 1.5  # p99 COMMIT → searchable in Elasticsearch under 1.5 s (refresh 1 s)
PROBE_EVERY = 0.1  # seconds between the floor probe's documents


def sink_config(es: str, topic: str) -> dict[str, str]:
    return {
        "connector.class": "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector",
        "topics": topic,
        "connection.url": es,
        "key.ignore": "false",
        "schema.ignore": "true",
        "behavior.on.null.values": "delete",
        "transforms": "unwrap",
        "transforms.unwrap.type": "io.debezium.transforms.ExtractNewRecordState",
    }


def props(given: list[str]) -> dict[str, str]:
    return dict(prop.split("=", 1) for prop in given)


def wait_until(what: str, check: Any, helpers: list[Any], timeout: float = 90.0) -> None:
    """Wait for `check()`; fail with `what` after `timeout`, or at once when a helper process died."""
    deadline = time.monotonic() + timeout
    while not check():
        if not all(p.is_alive() for p in helpers):
            raise RuntimeError(f"{what}: a helper process died (its error is above)")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} within {timeout:.0f} s")
        time.sleep(0.05)


def as_map(keys: bytes, values: bytes) -> dict[int, int]:
    """Two packed int64 arrays as key → the first value given for it."""
    out: dict[int, int] = {}
    for k, v in zip(array("q", keys), array("q", values), strict=True):
        out.setdefault(k, v)
    return out


@dataclass
class WorkerUsage:
    """One worker process over the measured window (from the end of the warm-up to the last row searchable)."""

    what: str
    cpu: float
    starved: float  # seconds its threads were runnable but waiting for a CPU
    rss: float  # peak


@dataclass
class Usage:
    workers: list[WorkerUsage]
    window: float
    box_busy: float  # the share of the box's CPU time in use over the window, all processes
    refreshes: tuple[int, float]  # the index's refreshes over the window, and the seconds they took
    anchor_cpu: float | None
    anchor_rss: float | None


@dataclass
class Measured:
    commits: list[Commit]
    measure_from_ns: int
    lag: float
    searchable: dict[int, int]
    search_trips: array
    floor: list[float]
    bare: list[float]
    bulk: tuple[dict[int, int], dict[int, int]] | None
    usage: Usage


class Run:
    """One run: its names, clients and helper processes; `cleanup` removes everything it created."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.began = time.monotonic()
        self.pg = conninfo_to_dict(args.pg)
        self.name = name = f"bench_lat_{uuid.uuid4().hex[:8]}"
        self.topic, self.dbz_topic = f"{name}.public.{name}", f"{name}_dbz.public.{name}"
        self.conn = psycopg.connect(args.pg, autocommit=True)
        self.admin = AdminClient({"bootstrap.servers": args.kafka})
        self.es = httpx.Client(base_url=args.es, timeout=30)
        self.connect = httpx.Client(base_url=args.connect_url, timeout=60) if args.debezium else None
        self.workdir = Path(tempfile.mkdtemp(prefix="latency_"))
        self.ctx = mp.get_context("fork")
        self.stop, self.seen = self.ctx.Event(), self.ctx.Value("q", 0)
        self.found, self.probed, self.received, self.traced = (self.ctx.Queue() for _ in range(4))
        self.helpers: list[Any] = []
        self.dbz_created = False
        self.workers: dict[str, Worker] = {}  # what it runs → the worker process

    def start(self) -> None:
        """Table, topics and index first (the topics stamped on append), then the pipelines, streaming."""
        args, name = self.args, self.name
        if self.connect is not None:
            try:
                self.connect.get("/connectors", timeout=15).raise_for_status()
            except httpx.HTTPError as exc:
                anchor = args.connect_url
                raise SystemExit(f"--debezium: the Kafka Connect anchor at {anchor} does not answer: {exc!r}") from None
        self.conn.execute(TABLE_SQL.format(t=name))
        create_topic(self.admin, self.topic)
        settings = {"number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "1s"}
        self.es.put(f"/{self.topic}", json={"settings": settings}).raise_for_status()
        es_for_sink = args.es
        if args.trace_bulk:
            port = self.ctx.Value("i", 0)
            self.start_helper(trace_bulk, args.es, port, self.stop, self.traced)
            wait_until("the bulk tracing proxy did not start", lambda: port.value > 0, self.helpers, 10)
            es_for_sink = f"http://127.0.0.1:{port.value}"
        source = {f"{name}-pg": connector_config(self.pg, name, name, "no_data")}
        sink = {f"{name}-search": {**sink_config(es_for_sink, self.topic), **props(args.sink_prop)}}
        parts = {"source": source, "ES sink": sink} if args.sink_worker else {"source + ES sink": {**source, **sink}}
        for what, connectors in parts.items():
            workdir = self.workdir / what.replace(" ", "_").replace("+", "and")
            self.workers[what] = Worker(workdir, args.kafka, connectors, props(args.worker_prop))
        if self.connect is not None:
            create_topic(self.admin, self.dbz_topic)
            config = debezium_config(self.pg, name + "_dbz", name)
            response = self.connect.post("/connectors", json={"name": name, "config": config})
            if response.status_code != 201:
                raise RuntimeError(f"the anchor refused the Debezium connector: {response.text}")
            self.dbz_created = True
            wait_streaming(self.conn, name + "_dbz", timeout=120)
        wait_streaming(self.conn, name)
        self.conn.execute(f"CREATE PUBLICATION {name}_bare FOR TABLE {name}")
        ready = self.ctx.Event()
        self.start_helper(receive_bare, args.pg, name + "_bare", name + "_bare", ready, self.stop, self.received)
        wait_until("the bare replication client did not start", ready.is_set, self.helpers, 120)
        self.start_helper(
            poll_searchable, args.es, self.topic, args.es_poll_ms / 1000, self.stop, self.seen, self.found
        )
        self.start_helper(probe_index, args.es, self.topic, PROBE_EVERY, self.stop, self.probed)
        # One row through every leg first: the sink's group joined and writing, Debezium streaming.
        self.conn.execute(INSERT_SQL.format(t=name, lo=0, hi=0))
        wait_until("the first row did not become searchable", lambda: self.seen.value >= 1, self.helpers)
        if self.connect is not None:
            wait_until(
                "Debezium did not deliver the first row",
                lambda: topic_has_records(args.kafka, self.dbz_topic),
                self.helpers,
            )

    def start_helper(self, target: Any, *args: Any) -> None:
        self.helpers.append(self.ctx.Process(target=target, args=args, daemon=True))
        self.helpers[-1].start()

    def measure(self) -> Measured:
        """Writers at the steady rate; then wait until every row is searchable."""
        args = self.args
        tx_per_s = args.rate / args.tx_rows / args.writers
        per_writer = max(1, round((args.warmup + args.seconds) * tx_per_s))
        start = time.time() + 0.5
        out = self.ctx.Queue()
        writers = [
            self.ctx.Process(
                target=write_steadily,
                args=(args.pg, self.name, w, args.writers, args.tx_rows, tx_per_s, start, per_writer, out),
            )
            for w in range(args.writers)
        ]
        for p in writers:
            p.start()
        time.sleep(max(0.0, start + args.warmup - time.time()))
        before = {what: (w.cpu_seconds(), w.cpu_wait_seconds()) for what, w in self.workers.items()}
        anchor0, box0, refresh0, window0 = (
            anchor_usage(),
            box_cpu(),
            es_refreshes(self.es, self.topic),
            time.monotonic(),
        )
        results = []
        deadline = time.monotonic() + args.warmup + args.seconds + 600
        while len(results) < len(writers):
            try:
                results.append(out.get(timeout=1))
            except queue.Empty:
                if any(p.exitcode not in (None, 0) for p in writers) or time.monotonic() > deadline:
                    raise RuntimeError("a writer process failed or stalled (its error is above)") from None
        for p in writers:
            p.join()
        rows = args.writers * per_writer * args.tx_rows
        wait_until("not every row became searchable", lambda: self.seen.value >= rows + 1, self.helpers, 180)
        anchor1, box1, refresh1 = anchor_usage(), box_cpu(), es_refreshes(self.es, self.topic)
        same_anchor = anchor0 is not None and anchor1 is not None and anchor0[0] == anchor1[0]
        usage = Usage(
            [
                WorkerUsage(
                    what,
                    w.cpu_seconds() - before[what][0],
                    max(0.0, w.cpu_wait_seconds() - before[what][1]),
                    w.peak_rss_mb(),
                )
                for what, w in self.workers.items()
            ],
            time.monotonic() - window0,
            (box1[0] - box0[0]) / max(box1[1] - box0[1], 1e-9),
            (refresh1[0] - refresh0[0], refresh1[1] - refresh0[1]),
            anchor1[1] - anchor0[1] if same_anchor else None,  # type: ignore[index]
            anchor1[2] if same_anchor else None,  # type: ignore[index]
        )
        self.stop.set()
        found_ids, found_at, trips = self.found.get(timeout=60)
        probe_ids, probe_acked = self.probed.get(timeout=60)
        searchable = as_map(found_ids, found_at)
        floor = [(searchable[i] - t) / 1e9 for i, t in as_map(probe_ids, probe_acked).items() if i in searchable]
        measure_from_ns = int((start + args.warmup) * 1e9)
        bare_commits, bare_arrived = self.received.get(timeout=60)
        bare = [
            (arrived - ts * 1000) / 1e9
            for ts, arrived in zip(array("q", bare_commits), array("q", bare_arrived), strict=True)
            if ts * 1000 >= measure_from_ns
        ]
        bulk = None
        if args.trace_bulk:
            ids, arrived, answered = self.traced.get(timeout=60)
            bulk = as_map(ids, arrived), as_map(ids, answered)
        stamps = {w: array("q", s) for w, s, _ in results}
        return Measured(
            commits(stamps, args.writers, args.tx_rows),
            measure_from_ns,
            max(r[2] for r in results),
            searchable,
            array("d", trips),
            floor,
            bare,
            bulk,
            usage,
        )

    @property
    def group(self) -> str:
        return f"connect-{self.name}-search"

    def _drop_postgres(self) -> None:
        with psycopg.connect(self.args.pg, autocommit=True) as conn:  # the run's own may have been cut
            drop_slots(conn, self.name)
            for pub in (self.name, self.name + "_dbz", self.name + "_bare"):
                conn.execute(f"DROP PUBLICATION IF EXISTS {pub}")
            conn.execute(f"DROP TABLE IF EXISTS {self.name}")

    def _delete_topics(self) -> None:
        # The table's topics, and `<prefix>.message` ones: a logical decoding message another session emits
        # reaches every slot, ours and Debezium's too.
        topics = self.admin.list_topics(timeout=30).topics
        delete_topics(self.args.kafka, sorted(t for t in topics if t.startswith(self.name)))

    def _delete_group(self) -> None:
        self.admin.delete_consumer_groups([self.group], request_timeout=30)[self.group].result()

    def cleanup(self, keep_files: bool) -> None:
        self.stop.set()
        for p in self.helpers:
            p.join(5)
            if p.is_alive():
                p.terminate()
        for worker in self.workers.values():
            if worker.proc.poll() is None:
                worker.stop()
        if self.connect is not None and self.dbz_created:
            try:
                self.connect.delete(f"/connectors/{self.name}")
            except httpx.HTTPError as exc:
                print(f"(Debezium connector {self.name} not deleted from the anchor: {exc!r})")
        for what, step in (
            ("slots, publications and table", self._drop_postgres),
            ("index", lambda: self.es.delete(f"/{self.topic}")),
            ("topics", self._delete_topics),
            ("consumer group", self._delete_group),
        ):
            try:  # every step, even when one fails (a service another session restarted meanwhile)
                step()
            except Exception as exc:
                print(f"(cleanup: {what} of {self.name} not removed, remove by hand: {exc!r})")
        if keep_files:
            print(f"(worker files and log kept in {self.workdir})")
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)


def print_report(run: Run, m: Measured, load_before: float) -> None:
    args = run.args
    rows = len(m.commits) * args.tx_rows + 1
    events, size = read_events(args.kafka, run.topic, rows)
    measured = [c for c in m.commits if c.sent_ns >= m.measure_from_ns]
    committed_at, clock_note = commit_times(measured, events)
    ours = figures(measured, committed_at, events, m.searchable)
    theirs = (
        figures(measured, committed_at, read_events(args.kafka, run.dbz_topic, rows)[0], None) if run.connect else None
    )
    span = (m.commits[-1].returned_ns - m.commits[0].sent_ns) / 1e9
    reached = len(m.commits) * args.tx_rows / span
    trip = summarize((c.returned_ns - c.sent_ns) / 1e9 for c in measured)
    search_trip, floor = summarize(m.search_trips), summarize(m.floor)
    print(
        f"latency: {args.rate:,.0f} rows/s asked = {args.writers} writer processes x "
        f"{args.rate / args.tx_rows / args.writers:,.1f} tx/s x {args.tx_rows} rows; {args.seconds:g} s measured "
        f"after {args.warmup:g} s of warm-up; change events of {size:.0f} B"
    )
    print(
        f"writers: {reached:,.0f} rows/s reached over the run ({reached / args.rate:.2f} of the rate asked), "
        f"furthest behind schedule {duration(m.lag)}; {len(measured) * args.tx_rows:,} rows in {len(measured):,} tx "
        "measured" + ("" if trip is None else f"; COMMIT round trip p50 {duration(trip.p50)} p99 {duration(trip.p99)}")
    )
    print(clock_note)
    print(report("COMMIT → record in Kafka   sluice  ", ours.kafka, KAFKA_TARGET, trend=True))
    if theirs is not None:
        print(report("COMMIT → record in Kafka   Debezium", theirs.kafka, KAFKA_TARGET, trend=True))
        if ours.kafka is not None and theirs.kafka is not None:
            print(
                f"  Debezium / sluice: p50 {theirs.kafka.p50 / ours.kafka.p50:.1f}x, "
                f"p99 {theirs.kafka.p99 / ours.kafka.p99:.1f}x"
            )
    print(report("  floor: COMMIT → a bare replication client", summarize(m.bare)))
    print(report("COMMIT → searchable in ES  sluice  ", ours.search, SEARCH_TARGET, trend=True))
    print(report("  of which Kafka → searchable      ", ours.kafka_to_search, trend=True))
    if m.bulk is not None:
        legs = sink_legs(measured, events, *m.bulk, m.searchable)
        print(report("    Kafka → _bulk at Elasticsearch (the sink)", legs[0], trend=True))
        print(report("    _bulk at Elasticsearch → answered        ", legs[1], trend=True))
        print(report("    _bulk answered → searchable              ", legs[2], trend=True))
    print(report("  floor: one-doc _bulk acked → searchable", floor))
    print(
        f"ES reader: _search every {args.es_poll_ms:g} ms"
        + ("" if search_trip is None else f" (round trip p50 {duration(search_trip.p50)})")
        + f"; the floor probe writes one document per {PROBE_EVERY * 1000:g} ms to the same index "
        "(refresh_interval 1 s alone makes a document wait 0.5 s on average, 1 s at most)"
    )
    count, took = m.usage.refreshes
    if count:
        print(
            f"ES refreshes of the index over the window: {count} in {m.usage.window:.1f} s (one per "
            f"{m.usage.window / count:.2f} s, refresh_interval 1 s), {1000 * took / count:.0f} ms each on average"
        )
    for label, fig in (("sluice", ours), ("Debezium", theirs)):
        if fig is not None and (fig.missing_kafka or fig.missing_search):
            print(f"MISSING ({label}): {fig.missing_kafka:,} rows not in Kafka, {fig.missing_search:,} not searchable")
    u = m.usage
    rows = len(measured) * args.tx_rows
    for w in u.workers:
        print(
            f"worker ({w.what}): {w.cpu:.1f} CPU-s over {u.window:.1f} s ({100 * w.cpu / u.window:.0f}% of a core, "
            f"{w.cpu / rows * 1e6:.0f} µs per row measured), peak RSS {w.rss:.0f} MB; its threads waited "
            f"{w.starved:.1f} s for a CPU (run-queue time, /proc schedstat)"
        )
    print(f"the box's CPU was {100 * u.box_busy:.0f}% busy over the window (all its cores, all processes)")
    if run.connect is not None and u.anchor_cpu is not None:
        print(
            f"Kafka Connect anchor JVM (shared: Debezium and whatever else runs there): {u.anchor_cpu:.1f} CPU-s "
            f"over the same window, RSS {u.anchor_rss:.0f} MB"
        )
    print(
        f"box: {os.cpu_count()} cores; load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after "
        "(shared with other work: figures move with it)"
    )
    ran = time.monotonic() - run.began
    up = uptimes(run.conn, run.es)
    print("services up: " + ", ".join(f"{name} {'?' if s is None else f'{s:,.0f} s'}" for name, s in up.items()))
    restarted = [name for name, s in up.items() if s is not None and s < ran]
    if restarted:
        print(f"RESTARTED DURING THE RUN (by other work on the box): {', '.join(restarted)}: these figures say little")


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rate", type=float, default=5000, help="rows/s, all writers together")
    ap.add_argument("--tx-rows", type=int, default=10, help="rows per transaction")
    ap.add_argument("--writers", type=int, default=4, help="writer processes")
    ap.add_argument("--seconds", type=float, default=30, help="seconds of writing measured")
    ap.add_argument("--warmup", type=float, default=5, help="seconds written first and not measured")
    ap.add_argument("--es-poll-ms", type=float, default=50, help="how often the reader searches")
    ap.add_argument("--debezium", action="store_true", help="Debezium on the Kafka Connect anchor, same run")
    ap.add_argument(
        "--sink-worker", action="store_true", help="run the sink in a worker process of its own (default: one worker)"
    )
    ap.add_argument(
        "--trace-bulk",
        action="store_true",
        help="put a timing proxy between the sink and Elasticsearch: splits Kafka → searchable into its legs",
    )
    ap.add_argument(
        "--worker-prop",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an extra worker property, to try a setting (e.g. consumer.fetch.queue.backoff.ms=50)",
    )
    ap.add_argument(
        "--sink-prop", action="append", default=[], metavar="KEY=VALUE", help="an extra Elasticsearch sink setting"
    )
    ap.add_argument(
        "--pg", default=os.environ.get("SLUICE_PG_DSN", "postgresql://sluice:sluice@127.0.0.1:15432/sluice")
    )
    ap.add_argument("--kafka", default=os.environ.get("SLUICE_KAFKA_BOOTSTRAP", "127.0.0.1:19092"))
    ap.add_argument("--es", default=os.environ.get("SLUICE_ES_URL", "http://127.0.0.1:19200"))
    ap.add_argument("--connect-url", default=os.environ.get("SLUICE_CONNECT_URL", "http://127.0.0.1:18083"))
    return ap.parse_args()


def main() -> None:
    args = parse_args()
    load_before = os.getloadavg()[0]
    run = Run(args)
    ok = False
    try:
        run.start()
        measured = run.measure()
        print_report(run, measured, load_before)
        ok = True
    finally:
        run.cleanup(keep_files=not ok)


if __name__ == "__main__":
    main()
