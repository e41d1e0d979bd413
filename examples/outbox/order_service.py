"""A tiny order service: each order and its OrderPlaced event are written in one transaction (the outbox).

    python order_service.py init            # create the orders and outbox tables
    python order_service.py place 5         # place 5 orders (5 events on shop.OrderPlaced)
    python order_service.py place 1 --fail  # a failing order: rolled back, so no event either

The database is read from SLUICE_PG_DSN (`scripts/services env` prints it).
"""

from __future__ import annotations

import argparse
import json
import os
import uuid

import psycopg

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
  id VARCHAR(64) PRIMARY KEY, customer VARCHAR(64) NOT NULL, total NUMERIC(12, 2) NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS outbox (
  id UUID PRIMARY KEY, aggregate_id VARCHAR(64) NOT NULL, event_type VARCHAR(128) NOT NULL,
  payload JSONB NOT NULL, idempotency_key VARCHAR(128) NOT NULL UNIQUE,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now());
"""


class OrderFailed(Exception):
    """A business rule rejected the order after it was written: the transaction rolls back."""


def place_order(conn: psycopg.Connection, customer: str, total: float, fail: bool = False) -> str:
    """Write the order and its event atomically: both or neither reach the database (and so Kafka)."""
    order_id = f"ord-{uuid.uuid4().hex[:12]}"
    event = {"orderId": order_id, "customer": customer, "total": total}
    with conn.transaction():
        conn.execute("INSERT INTO orders (id, customer, total) VALUES (%s, %s, %s)", (order_id, customer, total))
        conn.execute(
            "INSERT INTO outbox (id, aggregate_id, event_type, payload, idempotency_key) "
            "VALUES (%s, %s, 'OrderPlaced', %s, %s)",
            (uuid.uuid4(), order_id, json.dumps(event), f"{order_id}-OrderPlaced-v1"),
        )
        if fail:
            raise OrderFailed(f"order {order_id} rejected")
    return order_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init")
    place = sub.add_parser("place")
    place.add_argument("count", type=int, nargs="?", default=1)
    place.add_argument("--fail", action="store_true", help="reject the order after writing it (rollback)")
    args = parser.parse_args()
    with psycopg.connect(os.environ["SLUICE_PG_DSN"], autocommit=True) as conn:
        if args.command == "init":
            conn.execute(SCHEMA)
            print("tables orders and outbox ready")
            return
        for i in range(args.count):
            try:
                print("placed", place_order(conn, f"customer-{i % 3}", 10.0 + i, fail=args.fail))
            except OrderFailed as exc:
                print("rolled back:", exc)


if __name__ == "__main__":
    main()
