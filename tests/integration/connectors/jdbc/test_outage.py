"""The database goes away (a proxy in front of it is cut) and comes back: a database that does not answer is an
outage, so the sink hands the batch back to the worker as retriable at once (no blind in-place retries); once the
database is back every record is written."""

from __future__ import annotations

import orjson
import pytest

from connect.data import Schema, Type
from connect.errors import RetriableException
from connect.runtime.herder import State
from connect.runtime.standalone import running
from connectors.jdbc.sink import JdbcSinkTask
from tests.integration.connectors.jdbc.test_sink import Context, row
from tests.support.kafka import produce, wait_until
from tests.support.tcp_proxy import TcpProxy

SCHEMA = Schema.struct("r", [("id", Schema(Type.INT64)), ("txt", Schema(Type.STRING, True))])


def through(target, proxy: TcpProxy) -> dict[str, str]:
    """The target's settings with the URL pointing at the proxy."""
    host_port = target.url.split("://", 1)[1].split("/", 1)[0]
    return target.props(**{"connection.url": target.url.replace(host_port, f"127.0.0.1:{proxy.port}")})


def upstream(target) -> tuple[str, int]:
    host, port = target.url.split("://", 1)[1].split("/", 1)[0].split(":")
    return host, int(port)


def test_put_raises_retriable_while_the_database_is_unreachable_and_writes_the_batch_once_back(target, unique_name):
    with TcpProxy(*upstream(target)) as proxy:
        task = JdbcSinkTask()
        task.initialize(Context())  # type: ignore[arg-type]
        settings = {"insert.mode": "upsert", "pk.mode": "record_key", "auto.create": "true"}
        task.start(
            through(target, proxy)
            | settings
            | {"table.name.format": unique_name, "max.retries": "2", "retry.backoff.ms": "50"}
        )
        task.put([row(0, 1, SCHEMA, txt="before")])
        proxy.down()
        batch = [row(1, 2, SCHEMA, txt="during"), row(2, 1, SCHEMA, txt="changed")]
        for _ in range(2):  # each offer of the batch is refused as retriable while the database is away
            with pytest.raises(RetriableException, match=r"(?s)cannot connect to .*the worker will offer") as err:
                task.put(batch)
        assert f"127.0.0.1:{proxy.port}" in str(err.value)
        proxy.up()
        task.put(batch)  # the worker offers the same batch again
        task.stop()
    assert target.rows(unique_name, ["id", "txt"]) == [(1, "changed"), (2, "during")]


def test_the_worker_rides_out_an_outage_without_losing_a_record(herder, target, services, unique_name):
    topic = unique_name
    envelope = {
        "type": "struct",
        "fields": [{"field": "id", "type": "int64"}, {"field": "txt", "type": "string", "optional": True}],
    }
    key_schema = {"type": "struct", "fields": [{"field": "id", "type": "int64"}]}

    def records(lo: int, hi: int) -> list[tuple[bytes, bytes]]:
        return [
            (
                orjson.dumps({"schema": key_schema, "payload": {"id": i}}),
                orjson.dumps({"schema": envelope, "payload": {"id": i, "txt": f"row {i}"}}),
            )
            for i in range(lo, hi)
        ]

    with TcpProxy(*upstream(target)) as proxy:
        produce(services.kafka_bootstrap, topic, records(0, 100))
        name = f"{unique_name}-jdbc"
        herder.put_connector_config(
            name,
            through(target, proxy)
            | {"connector.class": "jdbc", "topics": topic, "insert.mode": "upsert", "pk.mode": "record_key"}
            | {"auto.create": "true", "table.name.format": unique_name, "max.retries": "1", "retry.backoff.ms": "100"},
            allow_replace=False,
        )
        herder.wait_for(name, running)
        wait_until(lambda: len(target.rows(unique_name, ["id"]) or ()) == 100, timeout=60, message="the first rows")
        proxy.down()
        produce(services.kafka_bootstrap, topic, records(100, 300))
        wait_until(lambda: herder.connector_status(name).tasks[0].state is not State.FAILED, timeout=2, message="x")
        proxy.up()
        wait_until(
            lambda: len(target.rows(unique_name, ["id"]) or ()) == 300, timeout=90, message="every row after the outage"
        )
        assert herder.connector_status(name).tasks[0].state is State.RUNNING
    assert target.rows(unique_name, ["id", "txt"]) == [(i, f"row {i}") for i in range(300)]
