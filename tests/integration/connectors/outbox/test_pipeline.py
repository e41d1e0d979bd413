"""The outbox connector end to end: Postgres outbox table → standalone worker → routed Kafka topics."""

from __future__ import annotations

import itertools
import subprocess
import sys
import threading
import time
import uuid

import orjson
import psycopg
import pytest
from confluent_kafka.admin import AdminClient, NewTopic
from psycopg.conninfo import conninfo_to_dict

from connect.runtime.herder import State
from connect.runtime.standalone import StandaloneHerder, running
from tests.support.kafka import read_topic, wait_until

pytestmark = pytest.mark.integration

SEED_TABLE = """CREATE TABLE {t} (
  id UUID PRIMARY KEY, aggregate_id VARCHAR(64) NOT NULL, event_type VARCHAR(128) {type_null},
  payload {payload} NOT NULL, idempotency_key VARCHAR(128) NOT NULL UNIQUE,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now())"""


@pytest.fixture
def setup(services, unique_name, pg, tmp_path):
    """Worker and connector configs for an outbox table `unique_name` in the seed's layout (created by the test)."""
    info = conninfo_to_dict(services.pg_dsn)
    worker = {
        "bootstrap.servers": services.kafka_bootstrap,
        "key.converter": "JsonConverter",
        "key.converter.schemas.enable": "false",
        "value.converter": "JsonConverter",
        "value.converter.schemas.enable": "false",
        "offset.storage.file.filename": str(tmp_path / "offsets.json"),
        "offset.flush.interval.ms": "200",
        "listeners": "http://127.0.0.1:0",
    }
    connector = {
        "connector.class": "outbox",
        "database.hostname": info.get("host", "127.0.0.1"),
        "database.port": str(info.get("port", 5432)),
        "database.user": info["user"],
        "database.password": info.get("password", ""),
        "database.dbname": info["dbname"],
        "topic.prefix": unique_name,
        "slot.name": unique_name,
        "publication.name": unique_name,
        "outbox.table": f"public.{unique_name}",
        "outbox.column.key": "aggregate_id",
        "outbox.column.type": "event_type",
        "outbox.column.route": "event_type",
        "outbox.column.timestamp": "created_at",
        "outbox.column.idempotency.key": "idempotency_key",
        "route.topic.replacement": f"{unique_name}.${{routedByValue}}",
        "status.update.interval.ms": "300",
        "poll.interval.ms": "100",
    }
    yield worker, connector
    pg.execute(
        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
        "WHERE slot_name = %s AND active_pid IS NULL",
        (unique_name,),
    )
    pg.execute(f"DROP PUBLICATION IF EXISTS {unique_name}")
    pg.execute(f"DROP TABLE IF EXISTS {unique_name}_pruned, {unique_name}")


def create_table(pg, name: str, *, payload: str = "jsonb", type_null: str = "NOT NULL") -> None:
    pg.execute(SEED_TABLE.format(t=name, payload=payload, type_null=type_null))


def insert(conn, table: str, aggregate: str, event_type: str | None, payload: str) -> str:
    event_id = str(uuid.uuid4())
    conn.execute(
        f"INSERT INTO {table} (id, aggregate_id, event_type, payload, idempotency_key) VALUES (%s, %s, %s, %s, %s)",
        (event_id, aggregate, event_type, payload, f"{event_id}-key"),
    )
    return event_id


def headers(message) -> dict[str, bytes]:
    return dict(message.headers() or [])


def started(worker, connector, name: str = "outbox") -> StandaloneHerder:
    herder = StandaloneHerder(worker)
    herder.start()
    herder.put_connector_config(name, connector, allow_replace=False)
    herder.wait_for(name, running, timeout=30)
    return herder


def test_committed_transaction_yields_its_events_and_a_rolled_back_one_none(setup, pg, services, unique_name):
    worker, connector = setup
    create_table(pg, unique_name)
    herder = started(worker, connector)
    try:
        with pg.transaction():  # the order and its events commit together
            placed = insert(pg, unique_name, "ord-1", "OrderPlaced", '{"orderId": "ord-1", "total": 10}')
            paid = insert(pg, unique_name, "ord-1", "OrderPaid", '{"orderId": "ord-1"}')
        with pg.transaction():
            insert(pg, unique_name, "ord-2", "OrderPlaced", '{"orderId": "ord-2", "total": 20}')
            raise psycopg.Rollback
        with pg.transaction():
            later = insert(pg, unique_name, "ord-3", "OrderPlaced", '{"orderId": "ord-3", "total": 30}')
        got = read_topic(services.kafka_bootstrap, f"{unique_name}.OrderPlaced", lambda ms: len(ms) >= 2)
        paid_msgs = read_topic(services.kafka_bootstrap, f"{unique_name}.OrderPaid", lambda ms: len(ms) >= 1)
    finally:
        herder.stop()
    assert [orjson.loads(m.key()) for m in got] == ["ord-1", "ord-3"], "the rolled-back order published nothing"
    assert [orjson.loads(m.value()) for m in got] == [
        {"orderId": "ord-1", "total": 10},
        {"orderId": "ord-3", "total": 30},
    ]
    assert [headers(m)["id"].decode() for m in got] == [placed, later]
    assert headers(got[0])["idempotency_key"].decode() == f"{placed}-key"
    assert [orjson.loads(m.key()) for m in paid_msgs] == ["ord-1"]
    assert headers(paid_msgs[0])["id"].decode() == paid
    created = pg.execute(
        f"SELECT (extract(epoch FROM created_at) * 1000)::bigint FROM {unique_name} WHERE id = %s", (placed,)
    ).fetchone()[0]
    assert abs(got[0].timestamp()[1] - created) <= 1, "the Kafka timestamp is the row's created_at"


def test_malformed_row_fails_the_task_naming_the_column(setup, pg, services, unique_name):
    worker, connector = setup
    create_table(pg, unique_name, type_null="NULL")
    herder = started(worker, connector)
    try:
        insert(pg, unique_name, "ord-1", None, '{"orderId": "ord-1"}')
        status = herder.wait_for("outbox", lambda s: s.tasks and s.tasks[0].state is State.FAILED, timeout=30)
    finally:
        herder.stop()
    assert "column 'event_type'" in status.tasks[0].trace


def test_tolerated_malformed_rows_are_dead_lettered_skipped_and_never_pruned(setup, pg, services, unique_name):
    worker, connector = setup
    create_table(pg, unique_name, payload="text", type_null="NULL")
    dlq = f"{unique_name}.dlq"
    herder = started(
        worker,
        {
            **connector,
            "errors.tolerance": "all",
            "outbox.prune.enabled": "true",
            "outbox.prune.interval.ms": "0",
            "errors.deadletterqueue.topic.name": dlq,
            "errors.deadletterqueue.topic.replication.factor": "1",
            "errors.deadletterqueue.context.headers.enable": "true",
        },
    )
    try:
        no_type = insert(pg, unique_name, "ord-1", None, '{"orderId": "ord-1"}')
        not_json = insert(pg, unique_name, "ord-1", "OrderPlaced", "not json")
        good = insert(pg, unique_name, "ord-2", "OrderPlaced", '{"orderId": "ord-2"}')
        got = read_topic(services.kafka_bootstrap, f"{unique_name}.OrderPlaced", lambda ms: len(ms) >= 1)
        dead = read_topic(services.kafka_bootstrap, dlq, lambda ms: len(ms) >= 2)
        wait_until(
            lambda: pg.execute(f"SELECT count(*) FROM {unique_name}").fetchone()[0] == 2,
            timeout=30,
            message="the published row pruned",
        )
        assert herder.connector_status("outbox").tasks[0].state is State.RUNNING
    finally:
        herder.stop()
    assert [headers(m)["id"].decode() for m in got] == [good]
    left = {r[0] for r in pg.execute(f"SELECT id::text FROM {unique_name}").fetchall()}
    assert left == {no_type, not_json}, "skipped rows stay in the table for inspection"
    # The dead-letter topic holds each malformed row's change event, with the reason and where it came from.
    assert [orjson.loads(m.value())["after"]["id"] for m in dead] == [no_type, not_json]
    context = [headers(m) for m in dead]
    assert "event_type" in context[0]["__connect.errors.exception.message"].decode()
    assert "payload" in context[1]["__connect.errors.exception.message"].decode()
    assert {c["__connect.errors.stage"] for c in context} == {b"TASK_POLL"}
    assert {c["__connect.errors.connector.name"] for c in context} == {b"outbox"}
    assert {c["__connect.errors.topic"] for c in context} == {f"{unique_name}.public.{unique_name}".encode()}


def create_topic(bootstrap: str, topic: str, partitions: int, config: dict[str, str] | None = None) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, partitions, 1, config=config or {})])[topic].result(30)


def test_pruning_keeps_the_table_bounded_and_deletes_only_stored_events(setup, pg, services, unique_name):
    worker, connector = setup
    create_table(pg, unique_name)
    pg.execute(f"CREATE TABLE {unique_name}_pruned (id uuid PRIMARY KEY, at timestamptz NOT NULL)")
    pg.execute(
        f"CREATE FUNCTION {unique_name}_log() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"INSERT INTO {unique_name}_pruned VALUES (OLD.id, clock_timestamp()); RETURN OLD; END $$"
    )
    pg.execute(
        f"CREATE TRIGGER {unique_name}_log AFTER DELETE ON {unique_name} FOR EACH ROW "
        f"EXECUTE FUNCTION {unique_name}_log()"
    )
    topic = f"{unique_name}.Tick"
    # The broker stamps each event when it stores it: a row's deletion must come after its event's stamp.
    create_topic(services.kafka_bootstrap, topic, 1, {"message.timestamp.type": "LogAppendTime"})
    herder = started(
        worker,
        {
            **connector,
            "outbox.prune.enabled": "true",
            "outbox.prune.batch.size": "200",
            "outbox.prune.interval.ms": "100",
        },
    )
    stop = threading.Event()
    written: list[str] = []
    sizes: list[int] = []

    def writer() -> None:
        with psycopg.connect(services.pg_dsn, autocommit=True) as conn:
            while not stop.is_set():
                with conn.transaction():
                    for _ in range(20):
                        written.append(insert(conn, unique_name, f"agg-{len(written) % 10}", "Tick", '{"n": 1}'))
                time.sleep(0.01)

    thread = threading.Thread(target=writer, daemon=True)
    try:
        thread.start()
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            sizes.append(pg.execute(f"SELECT count(*) FROM {unique_name}").fetchone()[0])
            time.sleep(0.25)
        stop.set()
        thread.join(10)
        wait_until(
            lambda: pg.execute(f"SELECT count(*) FROM {unique_name}").fetchone()[0] == 0,
            timeout=30,
            message="the table drained",
        )
    finally:
        stop.set()
        herder.stop()
    messages = read_topic(services.kafka_bootstrap, topic, lambda ms: len(ms) >= len(written), timeout=60)
    stored = {headers(m)["id"].decode(): m.timestamp()[1] for m in messages}
    assert set(stored) == set(written)
    assert len(written) > 1000 and max(sizes) < len(written) // 5, (
        f"the table stays bounded under load: sizes {sizes} for {len(written)} rows"
    )
    pruned = pg.execute(
        f"SELECT id::text, (extract(epoch FROM at) * 1000)::bigint FROM {unique_name}_pruned"
    ).fetchall()
    assert len(pruned) == len(written)
    early = [(i, at, stored[i]) for i, at in pruned if at < stored[i]]
    assert not early, f"rows deleted before Kafka stored their event: {early[:5]}"
    pg.execute(f"DROP FUNCTION IF EXISTS {unique_name}_log() CASCADE")


def test_kill_9_and_restart_lose_no_event_and_keep_per_aggregate_order(setup, pg, services, unique_name, tmp_path):
    worker, connector = setup
    create_table(pg, unique_name)
    topic = f"{unique_name}.Tick"
    create_topic(services.kafka_bootstrap, topic, 4)
    (tmp_path / "worker.properties").write_text("".join(f"{k}={v}\n" for k, v in worker.items()))
    (tmp_path / "connector.json").write_bytes(orjson.dumps({"name": "outbox", "config": connector}))
    args = [
        sys.executable,
        "-m",
        "sluice.cli",
        "standalone",
        str(tmp_path / "worker.properties"),
        str(tmp_path / "connector.json"),
    ]
    total, aggregates = 10_000, 100
    sequence = [0] * aggregates

    def write(count: int) -> None:
        with psycopg.connect(services.pg_dsn, autocommit=True) as conn:
            for start in range(0, count, 50):
                with conn.transaction():
                    for i in range(start, min(count, start + 50)):
                        agg = (i * 7) % aggregates
                        sequence[agg] += 1
                        insert(
                            conn,
                            unique_name,
                            f"agg-{agg}",
                            "Tick",
                            orjson.dumps({"agg": agg, "seq": sequence[agg]}).decode(),
                        )

    first = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        write(total // 2)
        read_topic(services.kafka_bootstrap, topic, lambda ms: len(ms) >= total // 4, timeout=60)
        first.kill()  # SIGKILL: no final offset flush, no clean slot close
        first.wait(10)
        write(total - total // 2)
        second = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            messages = read_topic(
                services.kafka_bootstrap, topic, lambda ms: len({headers(m)["id"] for m in ms}) >= total, timeout=120
            )
        finally:
            second.kill()
            second.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    by_id: dict[bytes, set[bytes]] = {}
    per_aggregate: dict[str, list[int]] = {}
    for m in messages:
        by_id.setdefault(headers(m)["id"], set()).add(m.value())
        event = orjson.loads(m.value())
        assert orjson.loads(m.key()) == f"agg-{event['agg']}"
        per_aggregate.setdefault(m.key(), []).append(event["seq"])
    assert len(by_id) == total, f"every event arrived: {len(by_id)} of {total}"
    assert all(len(values) == 1 for values in by_id.values()), "a duplicate carries the same id and payload"
    for key, seqs in per_aggregate.items():
        # At least once, in order: each event follows its predecessor, or a replay restarts at an earlier one
        # (a restart, or a reconnect resuming from the last flushed offset). Never a jump forward.
        assert seqs[0] == 1, f"{key!r} starts at {seqs[0]}"
        jumps = [(a, b) for a, b in itertools.pairwise(seqs) if b != a + 1 and b > a]
        assert not jumps, f"{key!r} skipped forward {jumps}: {seqs}"
