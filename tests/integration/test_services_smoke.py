"""One round trip per real service, through the client the product uses."""

from __future__ import annotations

import uuid

import psycopg
import pymysql
import redis
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from elasticsearch import Elasticsearch

from tests.fixtures.services import s3_client


def test_kafka_topic_produce_consume_commit(services, unique_name):
    admin = AdminClient({"bootstrap.servers": services.kafka_bootstrap})
    admin.create_topics([NewTopic(unique_name, 1, 1)])[unique_name].result(15)
    producer = Producer({"bootstrap.servers": services.kafka_bootstrap})
    producer.produce(unique_name, b"hello", b"k")
    assert producer.flush(15) == 0
    group = f"g-{uuid.uuid4().hex}"
    consumer = Consumer(
        {
            "bootstrap.servers": services.kafka_bootstrap,
            "group.id": group,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([unique_name])
    msg = None
    for _ in range(60):
        msg = consumer.poll(0.5)
        if msg is not None and msg.error() is None:
            break
    assert msg is not None and msg.value() == b"hello"
    consumer.commit(msg, asynchronous=False)
    [committed] = consumer.committed([TopicPartition(unique_name, 0)], timeout=10)
    consumer.close()
    assert committed.offset == 1


def test_postgres_logical_slot(services, unique_name):
    with psycopg.connect(services.pg_dsn, autocommit=True) as conn:
        assert conn.execute("SHOW wal_level").fetchone()[0] == "logical"
        conn.execute(f"CREATE TABLE {unique_name} (id int primary key, v text)")
        conn.execute("SELECT pg_create_logical_replication_slot(%s, 'test_decoding')", (unique_name,))
        try:
            conn.execute(f"INSERT INTO {unique_name} VALUES (1, 'one')")
            changes = [
                r[0]
                for r in conn.execute("SELECT data FROM pg_logical_slot_get_changes(%s, NULL, NULL)", (unique_name,))
            ]
        finally:
            conn.execute("SELECT pg_drop_replication_slot(%s)", (unique_name,))
            conn.execute(f"DROP TABLE {unique_name}")
    assert any("INSERT" in c and "'one'" in c for c in changes)


def test_elasticsearch_index_and_search(services, unique_name):
    es = Elasticsearch(services.es_url)
    es.indices.create(index=unique_name, settings={"number_of_replicas": 0})
    try:
        es.index(index=unique_name, id="1", document={"title": "hello search"}, refresh=True)
        hits = es.search(index=unique_name, query={"match": {"title": "search"}})["hits"]["hits"]
        assert [h["_id"] for h in hits] == ["1"]
    finally:
        es.indices.delete(index=unique_name)


def test_redis_set_get(services, unique_name):
    client = redis.Redis.from_url(services.redis_url)
    client.set(unique_name, b"value", ex=60)
    assert client.get(unique_name) == b"value"
    client.delete(unique_name)


def test_s3_put_get(services, unique_name):
    s3 = s3_client(services)
    bucket = unique_name.replace("_", "-")
    s3.create_bucket(Bucket=bucket)
    try:
        s3.put_object(Bucket=bucket, Key="a/b.json", Body=b'{"x": 1}')
        assert s3.get_object(Bucket=bucket, Key="a/b.json")["Body"].read() == b'{"x": 1}'
    finally:
        s3.delete_object(Bucket=bucket, Key="a/b.json")
        s3.delete_bucket(Bucket=bucket)


def test_mariadb_round_trip(services, unique_name):
    conn = pymysql.connect(
        host=services.mariadb_host,
        port=services.mariadb_port,
        user=services.mariadb_user,
        password=services.mariadb_password,
        database=services.mariadb_db,
        autocommit=True,
    )
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE TABLE {unique_name} (id INT PRIMARY KEY, v VARCHAR(20))")
            cur.execute(f"INSERT INTO {unique_name} VALUES (1, 'one')")
            cur.execute(f"SELECT v FROM {unique_name} WHERE id = 1")
            assert cur.fetchone() == ("one",)
            cur.execute(f"DROP TABLE {unique_name}")
    finally:
        conn.close()


def test_kafka_connect_anchor_runs_debezium(services):
    """The anchor of the differential tests: Kafka Connect of the broker's version, with Debezium's Postgres
    connector and the FileStream connectors loaded from its plugin path."""
    import httpx

    info = httpx.get(services.connect_url, timeout=10).json()
    plugins = {p["class"]: p["version"] for p in httpx.get(f"{services.connect_url}/connector-plugins").json()}
    assert info["version"] == "4.1.1"
    assert info["kafka_cluster_id"]
    assert plugins["io.debezium.connector.postgresql.PostgresConnector"].startswith("3.7.0")
    assert "org.apache.kafka.connect.file.FileStreamSourceConnector" in plugins


def test_schema_registry_register_and_fetch(services, unique_name):
    """Apicurio's Confluent-compatible API, through confluent-kafka's own registry client."""
    from confluent_kafka.schema_registry import Schema, SchemaRegistryClient

    client = SchemaRegistryClient({"url": services.registry_url})
    text = '{"type":"record","name":"Smoke","fields":[{"name":"id","type":"long"}]}'
    schema_id = client.register_schema(f"{unique_name}-value", Schema(text, "AVRO"))
    assert client.get_schema(schema_id).schema_str.replace(" ", "") == text
    assert client.get_latest_version(f"{unique_name}-value").schema_id == schema_id
