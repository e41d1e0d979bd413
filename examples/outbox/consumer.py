"""Consumes shop.OrderPlaced and processes each event once, deduplicating on the event's `id` header.

Delivery is at least once (a worker crash replays what it had not committed), so the consumer
records each processed id in the same SQLite transaction as its effect; a replayed event is skipped.

    python consumer.py              # runs until Ctrl-C; SLUICE_KAFKA_BOOTSTRAP names the brokers
"""

from __future__ import annotations

import json
import os
import sqlite3

from confluent_kafka import Consumer

TOPIC = "shop.OrderPlaced"


def process(db: sqlite3.Connection, event_id: str, order: dict) -> bool:
    """Apply one event unless it was applied already; True when it was new."""
    with db:  # one transaction: the dedupe record and the effect commit together
        seen = db.execute("INSERT OR IGNORE INTO processed (event_id) VALUES (?)", (event_id,)).rowcount == 0
        if seen:
            return False
        db.execute(
            "INSERT INTO revenue (customer, total) VALUES (?, ?) ON CONFLICT (customer) "
            "DO UPDATE SET total = total + excluded.total",
            (order["customer"], order["total"]),
        )
    return True


def main() -> None:
    db = sqlite3.connect(os.environ.get("OUTBOX_EXAMPLE_DB", "orders-consumer.sqlite"))
    db.execute("CREATE TABLE IF NOT EXISTS processed (event_id TEXT PRIMARY KEY)")
    db.execute("CREATE TABLE IF NOT EXISTS revenue (customer TEXT PRIMARY KEY, total REAL NOT NULL)")
    consumer = Consumer(
        {
            "bootstrap.servers": os.environ.get("SLUICE_KAFKA_BOOTSTRAP", "127.0.0.1:19092"),
            "group.id": "order-revenue",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([TOPIC])
    try:
        while True:
            message = consumer.poll(1.0)
            if message is None or message.error() is not None:
                continue
            event_id = dict(message.headers() or [])["id"].decode()
            order = json.loads(message.value())
            new = process(db, event_id, order)
            print(("processed" if new else "duplicate, skipped"), event_id, order["orderId"], flush=True)
            consumer.commit(message, asynchronous=False)
    except KeyboardInterrupt:
        pass
    finally:
        consumer.close()


if __name__ == "__main__":
    main()
