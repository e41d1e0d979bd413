"""Foreign-key table-table join, after Kafka Streams' subscription/response design (KIP-213).

Left table L (key K) references right table R (key FK) through `foreign_key(left value)`.

1. `SubscriptionSender` (L's tasks): on each L change, subscribes K to its new FK (with a hash of the new
   L value and L's partition) and unsubscribes it from an old FK it no longer references, through the
   subscription topic, partitioned by FK like R's topic.
2. `SubscriptionReceiver` (R's tasks): keeps the subscriptions (FK, K) in a store and answers each with
   R's current value for FK, through the response topic, to the L partition that asked.
3. `ForeignChangeForwarder` (R's tasks): on each R change, answers every subscriber of that FK again.
4. `ResponseResolver` (L's tasks): drops a response whose hash is not the hash of L's current value (it
   answers an older version of the row) and otherwise emits joiner(L value, R value), or a deletion.

So the result is right whichever side changes, including a changed or removed foreign key and deletes on
either side; responses are idempotent, so a replay under at-least-once converges.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from streams.processors import fk_wire as wire
from streams.processors.base import Change, GetterSpec, Processor, TaskContext


class SubscriptionSender(Processor):
    def __init__(
        self,
        *,
        foreign_key: Callable[[Any], Any],
        subscription_topic: str,
        response_topic: str,
        left_key_serde: Any,
        left_value_serde: Any,
        right_key_serde: Any,
        left_join: bool,
    ) -> None:
        super().__init__()
        self.foreign_key = foreign_key
        self.subscription_topic = subscription_topic
        self.response_topic = response_topic
        self.lkser = left_key_serde.serialize
        self.left_value_serde = left_value_serde
        self.rkser = right_key_serde.serialize
        self.propagate = (
            wire.PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE if left_join else wire.PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE
        )

    def process(self, key: Any, change: Change) -> None:
        new, old = change
        kb = self.lkser(key)
        partition = self.ctx.partition
        send = self.ctx.send
        new_fk = None if new is None else self.foreign_key(new)
        old_fk = None if old is None else self.foreign_key(old)
        if old_fk is not None and (new is None or old_fk != new_fk):
            instruction = wire.DELETE_KEY_AND_PROPAGATE if new is None else wire.DELETE_KEY_NO_PROPAGATE
            send(self.subscription_topic, self.rkser(old_fk), wire.subscription(instruction, partition, None, kb))
            if new is None:
                return  # the right side answers the delete, after any response already in flight
        if new is None:
            # L's row is gone and referenced nothing: clear any result (one from a null foreign key).
            send(self.response_topic, kb, wire.response(None, None), partition)
            return
        digest = wire.fingerprint(self.left_value_serde, new)
        if new_fk is None:
            # Nothing to look up: a left join emits joiner(L, None), an inner join no row.
            send(self.response_topic, kb, wire.response(digest, None), partition)
            return
        send(self.subscription_topic, self.rkser(new_fk), wire.subscription(self.propagate, partition, digest, kb))


class SubscriptionReceiver(Processor):
    def __init__(
        self, *, store: str, right: GetterSpec, right_key_serde: Any, right_value_serde: Any, response_topic: str
    ):
        super().__init__()
        self.store_name = store
        self.right = right
        self.rkdes = right_key_serde.deserialize
        self.rvser = right_value_serde.serialize
        self.response_topic = response_topic

    def init(self, ctx: TaskContext) -> None:
        super().init(ctx)
        self.store = ctx.store(self.store_name)
        self.getter = self.right.build(ctx)

    def process(self, fk: bytes, value: bytes) -> None:
        if fk is None or value is None:
            return
        instruction, partition, digest, left_key = wire.read_subscription(value)
        store_key = wire.store_prefix(fk) + left_key
        if digest is None:  # an unsubscription
            self.store.put_raw(store_key, None)
            if instruction == wire.DELETE_KEY_AND_PROPAGATE:
                self.ctx.send(self.response_topic, left_key, wire.response(None, None), partition)
            return
        self.store.put_raw(store_key, wire.store_value(partition, digest, instruction))
        right = self.getter.get(self.rkdes(fk))
        payload = None if right is None else self.rvser(right)
        self.ctx.send(self.response_topic, left_key, wire.response(digest, payload), partition)


class ForeignChangeForwarder(Processor):
    def __init__(self, *, store: str, right_key_serde: Any, right_value_serde: Any, response_topic: str) -> None:
        super().__init__()
        self.store_name = store
        self.rkser = right_key_serde.serialize
        self.rvser = right_value_serde.serialize
        self.response_topic = response_topic

    def init(self, ctx: TaskContext) -> None:
        super().init(ctx)
        self.store = ctx.store(self.store_name)

    def process(self, key: Any, change: Change) -> None:
        prefix = wire.store_prefix(self.rkser(key))
        payload = None if change.new is None else self.rvser(change.new)
        send, topic, size = self.ctx.send, self.response_topic, len(prefix)
        for store_key, value in self.store.prefix_raw(prefix):
            partition, digest, _ = wire.read_store_value(value)
            send(topic, store_key[size:], wire.response(digest, payload), partition)


class ResponseResolver(Processor):
    def __init__(
        self,
        *,
        left: GetterSpec,
        left_key_serde: Any,
        left_value_serde: Any,
        right_value_serde: Any,
        joiner: Callable[[Any, Any], Any],
        left_join: bool,
    ) -> None:
        super().__init__()
        self.left = left
        self.lkdes = left_key_serde.deserialize
        self.left_value_serde = left_value_serde
        self.rvdes = right_value_serde.deserialize
        self.joiner = joiner
        self.left_join = left_join

    def init(self, ctx: TaskContext) -> None:
        super().init(ctx)
        self.getter = self.left.build(ctx)

    def process(self, left_key: bytes, value: bytes) -> None:
        if left_key is None or value is None:
            return
        digest, payload = wire.read_response(value)
        key = self.lkdes(left_key)
        current = self.getter.get(key)
        if current is None:
            self.forward(key, Change(None, None))
            return
        if digest is None or digest != wire.fingerprint(self.left_value_serde, current):
            return  # answers an older version of the left row
        right = None if payload is None else self.rvdes(payload)
        if right is None and not self.left_join:
            self.forward(key, Change(None, None))
        else:
            self.forward(key, Change(self.joiner(current, right), None))
