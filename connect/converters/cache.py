"""Bounded caches for what converters derive once per schema (its JSON form, an Avro schema, a plan)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
S = TypeVar("S")


class LruCache(Generic[K, V]):
    """A dict that forgets its least recently used entry past `capacity` entries."""

    __slots__ = ("_capacity", "_data")

    def __init__(self, capacity: int) -> None:
        self._capacity = max(1, capacity)
        self._data: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._data.get(key)
        if value is not None:
            self._data.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._data[key] = value
        self._data.move_to_end(key)
        if len(self._data) > self._capacity:
            self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


class DerivedCache(Generic[S, V]):
    """`build(schema)` computed once per schema: looked up by identity first, then by equality.

    Hashing a Schema walks the whole tree, so the identity map (which keeps each schema alive,
    so its id cannot be reused) answers the common case of one schema object per stream.
    """

    __slots__ = ("_build", "_by_id", "_by_value", "_capacity")

    def __init__(self, build: Callable[[S], V], capacity: int) -> None:
        self._build = build
        self._capacity = max(1, capacity)
        self._by_id: dict[int, tuple[S, V]] = {}
        self._by_value: LruCache[S, V] = LruCache(capacity)  # type: ignore[type-var]

    def get(self, schema: S) -> V:
        hit = self._by_id.get(id(schema))
        if hit is not None and hit[0] is schema:
            return hit[1]
        derived = self._by_value.get(schema)  # type: ignore[arg-type]
        if derived is None:
            derived = self._build(schema)
            self._by_value.put(schema, derived)  # type: ignore[arg-type]
        if len(self._by_id) >= self._capacity:
            self._by_id.clear()
        self._by_id[id(schema)] = (schema, derived)
        return derived

    def __len__(self) -> int:
        return len(self._by_value)
