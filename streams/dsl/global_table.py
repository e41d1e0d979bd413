"""GlobalKTable: a table replicated in full to every instance, for lookups by any key from any partition.

products = builder.global_table("shop.public.products", cdc=True)
lines = builder.stream("order-lines").join(
    products,
    lambda line, product: {**line, "product": product},
    key_selector=lambda k, line: {"id": line["product_id"]},
)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class GlobalKTable:
    store: str
    key_serde: Any
    value_serde: Any
