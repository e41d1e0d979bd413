"""Tables against a real broker: CDC tables from every change-event form, table filter/map_values/to_stream,
global tables, and stream-table / stream-global-table / table-table joins."""

from __future__ import annotations

import base64

import orjson
import pytest

from streams import CopartitionError, KafkaStreams, StreamsBuilder
from tests.support.kafka import wait_until
from tests.support.streams import create_topics, latest, produce_json, read_json, running

SOURCE = {"version": "3.7.0.Final", "connector": "postgresql", "name": "shop", "db": "shop", "table": "t"}


def envelope(op, before, after):
    return {"before": before, "after": after, "source": SOURCE, "op": op, "ts_ms": 1}


def with_schema(value):
    """The row as Debezium's JsonConverter (schemas.enable=true) writes it, a numeric as base64 Decimal."""
    row = {
        "type": "struct",
        "optional": True,
        "name": "shop.public.t.Value",
        "fields": [
            {"type": "int32", "optional": False, "field": "id"},
            {"type": "string", "optional": True, "field": "name"},
            {
                "type": "bytes",
                "optional": True,
                "name": "org.apache.kafka.connect.data.Decimal",
                "version": 1,
                "parameters": {"scale": "2"},
                "field": "price",
            },
        ],
    }
    schema = {
        "type": "struct",
        "optional": False,
        "name": "shop.public.t.Envelope",
        "fields": [
            {**row, "field": "before"},
            {**row, "field": "after"},
            {
                "type": "struct",
                "optional": False,
                "field": "source",
                "fields": [{"type": "string", "optional": False, "field": "connector"}],
            },
            {"type": "string", "optional": False, "field": "op"},
        ],
    }
    return {"schema": schema, "payload": value}


def price(cents: int) -> str:
    return base64.b64encode(cents.to_bytes(4, "big", signed=True)).decode()


def test_cdc_table_understands_every_change_event_form(services, unique_name, tmp_path):
    kafka, n = services.kafka_bootstrap, unique_name
    create_topics(kafka, {f"{n}-cdc": 1, f"{n}-rows": 1})
    records = [
        ({"id": 1}, envelope("r", None, {"id": 1, "name": "snapshot"})),  # snapshot read: an upsert
        ({"id": 2}, envelope("c", None, {"id": 2, "name": "created"})),
        ({"id": 2}, envelope("u", {"id": 2, "name": "created"}, {"id": 2, "name": "updated"})),
        ({"id": 3}, envelope("c", None, {"id": 3, "name": "doomed"})),
        ({"id": 3}, envelope("d", {"id": 3, "name": "doomed"}, None)),
        ({"id": 3}, None),  # the tombstone after a delete
        ({"id": 4}, {"id": 4, "name": "unwrapped", "__deleted": "false"}),
        ({"id": 5}, {"id": 5, "name": "unwrapped, deleted", "__deleted": "false"}),
        ({"id": 5}, {"id": 5, "name": "unwrapped, deleted", "__deleted": "true"}),
        ({"id": 6}, {"id": 6, "name": "plain row"}),
        (None, {"op": "t", "source": SOURCE, "before": None, "after": None}),  # truncate: no key, no change
    ]
    schemad = [
        (
            {"id": 7},
            with_schema(
                {
                    "before": None,
                    "after": {"id": 7, "name": "typed", "price": price(1250)},
                    "source": {"connector": "postgresql"},
                    "op": "c",
                }
            ),
        )
    ]
    produce_json(kafka, f"{n}-cdc", records + schemad)
    b = StreamsBuilder()
    b.cdc_table(f"{n}-cdc", store="rows").to_stream().to(f"{n}-rows")
    expected = {
        1: {"id": 1, "name": "snapshot"},
        2: {"id": 2, "name": "updated"},
        4: {"id": 4, "name": "unwrapped"},
        6: {"id": 6, "name": "plain row"},
        7: {"id": 7, "name": "typed", "price": 12.5},
    }
    with running(b.build(), kafka, n, tmp_path) as app:
        out = read_json(kafka, f"{n}-rows", lambda r: len(latest(r)) == 5 and len(r) >= 9)
        wait_until(lambda: len(app.store("rows")) == 5, message="the store holds five rows")
        stored = {k["id"]: v for k, v in app.store("rows").items()}
    assert {orjson.loads(k)["id"]: v for k, v in latest(out).items()} == expected
    assert {k: {**v, **({"price": float(v["price"])} if "price" in v else {})} for k, v in stored.items()} == expected


def test_table_operators_and_joins(services, unique_name, tmp_path):
    kafka, n = services.kafka_bootstrap, unique_name
    create_topics(
        kafka,
        {
            f"{n}-{t}": 2
            for t in ("users", "prefs", "clicks", "countries", "out1", "out2", "out3", "out4", "out5", "out6", "out7")
        },
    )
    b = StreamsBuilder()
    users = b.table(f"{n}-users", store="users")
    prefs = b.table(f"{n}-prefs", store="prefs", in_memory=True)
    countries = b.global_table(f"{n}-countries")
    adults = users.filter(lambda k, u: u["age"] >= 18).map_values(
        lambda u: {"name": u["name"].upper(), "country": u["country"]}
    )
    clicks = b.stream(f"{n}-clicks")
    clicks.join(adults, lambda c, u: {"page": c["page"], "user": u["name"]}).to(f"{n}-out1")
    clicks.left_join(users, lambda c, u: {"page": c["page"], "user": u and u["name"]}).to(f"{n}-out2")
    clicks.join(
        countries,
        lambda c, country: {"page": c["page"], "country": country["name"]},
        key_selector=lambda k, c: c["country"],
    ).to(f"{n}-out3")
    adults.join(prefs, lambda u, p: {**u, **p}).to_stream().to(f"{n}-out4")
    adults.left_join(prefs, lambda u, p: {**u, "theme": p and p["theme"]}).to_stream().to(f"{n}-out5")
    users.outer_join(
        prefs, lambda u, p: {"user": u and u["name"], "theme": p and p["theme"]}, store="outer"
    ).to_stream().to(f"{n}-out6")
    users.filter_not(lambda k, u: u["age"] >= 18).to_stream().to(f"{n}-out7")

    produce_json(kafka, f"{n}-countries", [("no", {"name": "Norway"}), ("it", {"name": "Italy"})])
    produce_json(
        kafka,
        f"{n}-users",
        [
            ("u1", {"name": "ann", "age": 30, "country": "no"}),
            ("u2", {"name": "bob", "age": 12, "country": "it"}),
            ("u3", {"name": "cid", "age": 40, "country": "it"}),
        ],
    )
    produce_json(
        kafka, f"{n}-prefs", [("u1", {"theme": "dark"}), ("u2", {"theme": "light"}), ("u4", {"theme": "blue"})]
    )
    with running(b.build(), kafka, n, tmp_path) as app:
        wait_until(lambda: len(app.store("users")) == 3 and len(app.store("prefs")) == 3, message="tables loaded")
        produce_json(
            kafka,
            f"{n}-clicks",
            [
                ("u1", {"page": "a", "country": "no"}),
                ("u2", {"page": "b", "country": "it"}),
                ("u9", {"page": "c", "country": "se"}),
            ],
        )
        out1 = read_json(kafka, f"{n}-out1", lambda r: len(r) >= 1)
        out2 = read_json(kafka, f"{n}-out2", lambda r: len(r) >= 3)
        out3 = read_json(kafka, f"{n}-out3", lambda r: len(r) >= 2)
        # an update and a delete flow through the table-table joins
        produce_json(kafka, f"{n}-users", [("u1", {"name": "ann", "age": 31, "country": "no"}), ("u3", None)])
        produce_json(kafka, f"{n}-prefs", [("u3", {"theme": "red"})])
        out4 = read_json(
            kafka, f"{n}-out4", lambda r: latest(r) == {"u1": {"name": "ANN", "country": "no", "theme": "dark"}}
        )
        out5 = read_json(kafka, f"{n}-out5", lambda r: latest(r).keys() == {"u1"})
        expected6 = {
            "u1": {"user": "ann", "theme": "dark"},
            "u2": {"user": "bob", "theme": "light"},
            "u3": {"user": None, "theme": "red"},
            "u4": {"user": None, "theme": "blue"},
        }
        out6 = read_json(kafka, f"{n}-out6", lambda r: latest(r) == expected6)
        out7 = read_json(kafka, f"{n}-out7", lambda r: len(r) >= 1)
    assert out1 == [("u1", {"page": "a", "user": "ANN"})]
    assert sorted(out2, key=str) == sorted(
        [
            ("u1", {"page": "a", "user": "ann"}),
            ("u2", {"page": "b", "user": "bob"}),
            ("u9", {"page": "c", "user": None}),
        ],
        key=str,
    )
    assert sorted(out3, key=str) == [
        ("u1", {"page": "a", "country": "Norway"}),
        ("u2", {"page": "b", "country": "Italy"}),
    ]
    assert latest(out4) == {"u1": {"name": "ANN", "country": "no", "theme": "dark"}}
    assert latest(out5) == {"u1": {"name": "ANN", "country": "no", "theme": "dark"}}
    assert ("u3", None) in out5  # cid deleted: its join result is retracted
    assert latest(out6) == expected6
    assert latest(out7) == {"u2": {"name": "bob", "age": 12, "country": "it"}}


def test_copartitioning_is_checked_before_processing(services, unique_name, tmp_path):
    kafka, n = services.kafka_bootstrap, unique_name
    create_topics(kafka, {f"{n}-orders": 3, f"{n}-customers": 2})
    b = StreamsBuilder()
    b.stream(f"{n}-orders").join(b.table(f"{n}-customers"), lambda o, c: o).to(f"{n}-orders")
    app = KafkaStreams(b.build(), {"application.id": n, "bootstrap.servers": kafka, "state.dir": str(tmp_path)})
    app.start()
    with pytest.raises(CopartitionError, match=rf"{n}-orders \(3 partitions\).*{n}-customers \(2 partitions\)"):
        app.wait_until_running(30)
    app.close()
    assert app.state == "ERROR"
