"""The enrichment example: orders joined with their customer and product into one document per order.

    python app.py setup      # create the CDC topics and the output topic (partitioned, before the worker)
    python app.py run        # run the streams application until Ctrl-C

Postgres `orders`, `customers`, `products` → the CDC source (`shop.public.*`) → this application: each
order row is joined with the current customer row and product row it references (two left foreign-key
joins) → `shop.orders-enriched` → the Elasticsearch sink, which indexes one document per order and
deletes it when the order is deleted. Updating a customer updates the document of every order of that
customer; changing an order's customer_id moves it to the new customer.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from streams import KafkaStreams, StreamsBuilder, Topology

PREFIX = "shop"
OUTPUT = "shop.orders-enriched"


def customer_doc(row: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if row is None else {"id": row["id"], "name": row["name"], "email": row["email"]}


def product_doc(row: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if row is None else {"id": row["id"], "name": row["name"], "price": row["price"]}


def reference(column: str) -> Any:
    """The key of the referenced row, as the CDC topic's key has it (`{"id": 7}`), or None."""

    def extract(order: dict[str, Any]) -> Any:
        return None if order[column] is None else {"id": order[column]}

    return extract


def topology(orders: str, customers: str, products: str, output: str) -> Topology:
    builder = StreamsBuilder()
    order_rows = builder.cdc_table(orders, store="orders")
    customer_rows = builder.cdc_table(customers, store="customers")
    product_rows = builder.cdc_table(products, store="products")
    (
        order_rows.left_join(
            customer_rows,
            lambda order, customer: {**order, "customer": customer_doc(customer)},
            foreign_key=reference("customer_id"),
            name="order-customer",
        )
        .left_join(
            product_rows,
            lambda order, product: {**order, "product": product_doc(product)},
            foreign_key=reference("product_id"),
            name="order-product",
        )
        .to_stream(name="documents")
        .to(output)
    )
    return builder.build()


def config(bootstrap: str, state_dir: str, application_id: str = "shop-enrichment") -> dict[str, Any]:
    return {
        "application.id": application_id,
        "bootstrap.servers": bootstrap,
        "state.dir": state_dir,
        "processing.guarantee": "exactly_once_v2",
    }


def setup(bootstrap: str) -> None:
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})
    wanted = {f"{PREFIX}.public.orders": 3, f"{PREFIX}.public.customers": 2, f"{PREFIX}.public.products": 2, OUTPUT: 3}
    existing = admin.list_topics(timeout=10).topics
    new = [NewTopic(t, n, 1) for t, n in wanted.items() if t not in existing]
    for future in admin.create_topics(new).values() if new else ():
        future.result()


def main() -> None:
    bootstrap = os.environ.get("SLUICE_KAFKA_BOOTSTRAP", "127.0.0.1:19092")
    if sys.argv[1:] == ["setup"]:
        setup(bootstrap)
        return
    tables = [f"{PREFIX}.public.{t}" for t in ("orders", "customers", "products")]
    app = KafkaStreams(topology(*tables, OUTPUT), config(bootstrap, "/tmp/shop-enrichment"))
    print(app.topology.describe())
    app.run()


if __name__ == "__main__":
    main()
