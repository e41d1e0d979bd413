"""librdkafka's own log lines through Python logging, deduplicated and rate-limited.

Without a logger, every producer and consumer prints librdkafka's lines straight to stderr: a broker
that is down gives one "Connection refused" line per client per reconnect attempt. Clients of the
worker get `logger=LIBRDKAFKA` instead (lines are served from the task thread that polls the client),
where the first line of a kind passes, repeats are counted for 30 s, and the next one after that
says how many were held back.
"""

from __future__ import annotations

import logging

from connect.log_filters import RateLimitFilter


def _kind(record: logging.LogRecord) -> str:
    # confluent-kafka logs ("%s [%s] %s", facility, client name, message): the client name is left out,
    # so the same failure seen by every client of the worker counts as one kind.
    args = record.args
    if isinstance(args, tuple) and len(args) == 3:
        return f"{args[0]} {args[2]}"
    return record.getMessage()


LIBRDKAFKA = logging.getLogger("connect.librdkafka")
LIBRDKAFKA.addFilter(RateLimitFilter(kind_of=_kind))
