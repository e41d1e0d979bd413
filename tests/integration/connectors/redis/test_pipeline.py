"""End to end through the standalone worker: Postgres → CDC source → Kafka → Redis sink.

After a mixed insert/update/delete workload every row is a hash equal to it and deleted rows have
no key; a record the sink cannot write goes to the dead-letter topic while the rest are written.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from connect.runtime.herder import State
from connect.runtime.standalone import running
from tests.fixtures.pipeline import postgres_source
from tests.integration.connectors.redis.redis_keys import KeySpace
from tests.support.kafka import produce, read_topic, wait_until


@pytest.fixture
def keys(services, unique_name) -> Iterator[KeySpace]:
    with KeySpace(services.redis_url, unique_name) as space:
        yield space


def table_as_hashes(pg: psycopg.Connection, table: str) -> dict[bytes, dict[bytes, bytes]]:
    """What the table should look like in Redis: one hash per row, null columns left out."""
    cursor = pg.execute(f'SELECT id, name, qty, price, note FROM "{table}"')
    columns = [c.name for c in cursor.description]
    return {
        f"{table}:{row[0]}".encode(): {
            c.encode(): str(v).encode() for c, v in zip(columns, row, strict=True) if v is not None
        }
        for row in cursor.fetchall()
    }


def test_a_cdc_table_is_mirrored_as_hashes_through_inserts_updates_and_deletes(pg, herder, keys, services, unique_name):
    table = unique_name
    pg.execute(f'CREATE TABLE "{table}" (id bigint PRIMARY KEY, name text, qty int, price numeric(10,2), note text)')
    pg.execute(f"""INSERT INTO "{table}" SELECT g, 'item ' || g, g % 7, g * 1.25, NULL
                   FROM generate_series(1, 200) g""")
    topic = f"{unique_name}.public.{table}"
    herder.put_connector_config(f"{unique_name}-pg", postgres_source(services, unique_name, table), allow_replace=False)
    herder.put_connector_config(
        f"{unique_name}-redis",
        {
            "connector.class": "com.redis.kafka.connect.RedisSinkConnector",
            "topics": topic,
            "redis.uri": services.redis_url,
            "redis.type": "HASH",
            "redis.key.prefix": table,
        },
        allow_replace=False,
    )
    herder.wait_for(f"{unique_name}-redis", running)
    wait_until(lambda: len(keys.names()) == 200, timeout=60, message="the snapshot written")
    # Streaming: one transaction of each kind, then a row touched several times in one transaction.
    pg.execute(f"""INSERT INTO "{table}" SELECT g, 'new ' || g, 1, 2.50, 'fresh' FROM generate_series(201, 260) g""")
    pg.execute(f"""UPDATE "{table}" SET qty = qty + 100, note = 'edited', name = NULL WHERE id % 5 = 0""")
    pg.execute(f'DELETE FROM "{table}" WHERE id % 9 = 0')
    with pg.transaction():
        pg.execute(f"""UPDATE "{table}" SET price = NULL, note = 'x' WHERE id = 1""")
        pg.execute(f"""UPDATE "{table}" SET price = 9.99, name = 'last word' WHERE id = 1""")
        pg.execute(f'DELETE FROM "{table}" WHERE id = 2')
        pg.execute(f"""INSERT INTO "{table}" VALUES (2, 'back again', 5, 0.10, NULL)""")
    expected = table_as_hashes(pg, table)
    assert len(expected) == 260 - 260 // 9 and expected[f"{table}:1".encode()][b"price"] == b"9.99"
    wait_until(lambda: keys.snapshot() == expected, timeout=60, message="Redis to mirror the table")
    for name in (f"{unique_name}-pg", f"{unique_name}-redis"):
        assert herder.connector_status(name).tasks[0].state is State.RUNNING


def test_a_record_the_sink_cannot_write_is_dead_lettered_and_the_rest_written(herder, keys, services, unique_name):
    topic, dlq = unique_name, unique_name + "-dlq"
    produce(services.kafka_bootstrap, topic, [(b"1", b'{"qty": 1}'), (b"2", b'"not a row"'), (b"3", b'{"qty": 3}')])
    name = unique_name + "-redis"
    herder.put_connector_config(
        name,
        {
            "connector.class": "redis",
            "topics": topic,
            "redis.uri": services.redis_url,
            "redis.type": "HASH",
            "key.converter": "JsonConverter",
            "key.converter.schemas.enable": "false",
            "value.converter": "JsonConverter",
            "value.converter.schemas.enable": "false",
            "errors.tolerance": "all",
            "errors.deadletterqueue.topic.name": dlq,
            "errors.deadletterqueue.topic.replication.factor": "1",
            "errors.deadletterqueue.context.headers.enable": "true",
        },
        allow_replace=False,
    )
    [dead] = read_topic(services.kafka_bootstrap, dlq, lambda ms: len(ms) >= 1, timeout=60)
    assert dead.value() == b'"not a row"' and dead.key() == b"2"
    headers = dict(dead.headers())
    assert headers["__connect.errors.offset"] == b"1"
    assert headers["__connect.errors.stage"] == b"TASK_PUT"
    assert b"redis.type=HASH needs a struct or map value" in headers["__connect.errors.exception.message"]
    good = {f"{topic}:1".encode(): {b"qty": b"1"}, f"{topic}:3".encode(): {b"qty": b"3"}}
    wait_until(lambda: keys.snapshot() == good, message="the good records")
    assert herder.connector_status(name).tasks[0].state is State.RUNNING
