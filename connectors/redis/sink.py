"""The Redis sink task: each batch → one pipeline of commands, written before `put` returns (a BatchingSinkTask)."""

from __future__ import annotations

import logging
from bisect import bisect_right
from collections.abc import Mapping
from typing import Any, NoReturn

from redis.exceptions import NoPermissionError

from connect.data import SinkRecord
from connect.errors import ConnectException, DataException, RetriableException
from connect.spi.batching import BatchingSinkTask, Rejected
from connectors.redis.client import RedisClient, TransientError, is_transient
from connectors.redis.config import RedisSinkConfig
from connectors.redis.convert import Batch, CommandBuilder

log = logging.getLogger(__name__)


class RedisSinkTask(BatchingSinkTask):
    """Writes records to Redis; see RedisSinkConnector for the behaviour users see.

    `write` returns only once Redis has answered the whole batch, so the default `pre_commit`
    (every offset put so far) never commits a record that is not in Redis.
    """

    target = "Redis"

    def __init__(self, client: RedisClient | None = None) -> None:
        super().__init__()
        self._client = client  # given by tests; made from the config at start otherwise

    def start(self, props: Mapping[str, Any]) -> None:
        self.config = config = RedisSinkConfig.parse(props)
        self._builder = CommandBuilder(config)
        self._client = self._client or RedisClient(config)
        try:
            self._client.connect()  # fails the task now for what no retry fixes (credentials, no JSON module)
        except TransientError as exc:
            log.warning("%s; writes will be retried", exc)

    def write(self, batch: list[SinkRecord]) -> list[Rejected]:
        """One pipeline of commands for the batch; the records that make no command or that Redis refused."""
        if not batch:
            return []
        commands = self._builder.build(batch)
        refused = self._execute(commands, batch) if commands.commands else []
        return [*commands.invalid, *refused]

    def _execute(self, batch: Batch, records: list[SinkRecord]) -> list[Rejected]:
        """Write the batch; the records whose commands Redis refused, with why."""
        assert self._client is not None
        try:
            results = self._client.execute(batch.commands, self.config.multiexec)
        except TransientError as exc:
            self._retry_later(str(exc))
        refused = [(i, r) for i, r in enumerate(results) if isinstance(r, Exception)]
        if refused:
            transient = next((r for _, r in refused if is_transient(r)), None)
            if transient is not None:
                self._retry_later(f"Redis at {self.config.where} refused writes for now: {transient}")
            denied = next((r for _, r in refused if isinstance(r, NoPermissionError)), None)
            if denied is not None:
                raise ConnectException(f"Redis at {self.config.where} does not let this user write: {denied}")
        by_record: dict[int, Exception] = {}
        for i, error in refused:
            by_record.setdefault(
                bisect_right(batch.ends, i), DataException(f"Redis refused the write of this record: {error}")
            )
        return [(records[index], error) for index, error in by_record.items()]

    @staticmethod
    def _retry_later(reason: str) -> NoReturn:
        """Redis is down or refuses writes for now: an outage, which the worker waits out (connect/spi/outages.py)."""
        raise RetriableException(f"{reason}; the batch will be written once Redis accepts writes again")

    def stop(self) -> None:
        if self._client is not None:
            self._client.close()
