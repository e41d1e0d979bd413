"""Which Postgres errors are an outage (the server restarting, unreachable, a slot still held) and which are not.

An outage is raised as RetriableException, so the worker waits it out with its backoff and polls again
(the task then reconnects); anything else (refused credentials, a missing database or slot) fails the task.
"""

from __future__ import annotations

import re

import psycopg
from psycopg import errors

from connect.errors import RetriableException
from connectors.postgres.replication import ReplicationError

# Server-side: shutting down, crashed, starting up, idle timeout, a slot still held by the walsender of a
# connection that died a moment ago, the connection failing.
_TRANSIENT_SQLSTATES = frozenset(("57P01", "57P02", "57P03", "57P05", "55006", "08000", "08003", "08006", "08001"))
# libpq's own connection failures carry no SQLSTATE; these texts mean no retry will help.
_FATAL_TEXT = re.compile(
    r"password authentication failed|no password supplied|role .* does not exist|database .* does not exist|"
    r"no pg_hba\.conf entry|certificate|SSL .*required",
    re.IGNORECASE,
)


def is_outage(error: BaseException) -> bool:
    """True when retrying later may succeed."""
    if isinstance(error, ReplicationError | psycopg.InterfaceError):
        return True  # the stream ended or broke, or the connection object is closed
    if not isinstance(error, psycopg.OperationalError):
        return False
    if isinstance(error, errors.InvalidPassword | errors.InvalidAuthorizationSpecification):
        return False
    if error.sqlstate is not None:
        return error.sqlstate in _TRANSIENT_SQLSTATES
    return not _FATAL_TEXT.search(str(error))


def outage(what: str, error: BaseException) -> RetriableException:
    """The exception that tells the worker to wait: what failed, and the server's words."""
    return RetriableException(f"{what}: {str(error).strip() or type(error).__name__}")
