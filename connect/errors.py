"""Exceptions shared by the runtime and plugins, mirroring Kafka Connect's hierarchy."""

from connect.secrets import MASK, mask_value


class ConnectException(Exception):
    """Base of every error the runtime knows how to report."""


class DataException(ConnectException):
    """A record (or value) cannot be converted, transformed or written: a data problem."""


class RetriableException(ConnectException):
    """A transient failure: the operation may succeed if retried."""


class ConfigException(ConnectException):
    """A configuration value is missing or invalid; the message names the key."""

    def __init__(self, name: str, value: object = None, message: str | None = None) -> None:
        self.name = name
        self.value = value
        self.reason = message or "Invalid value"
        shown = mask_value(name, value)
        shown = shown if shown == MASK else repr(shown)
        super().__init__(f"Invalid value {shown} for configuration {name}: {self.reason}")


class NotFoundException(ConnectException):
    """A connector, task or plugin that does not exist."""


class AlreadyExistsException(ConnectException):
    """A connector with that name exists already."""


class BadRequestException(ConnectException):
    """A request the worker cannot serve as it stands (REST 400/409)."""


class ConnectorConfigError(BadRequestException):
    """A connector config failed validation; `infos` is Kafka Connect's ConfigInfos JSON.

    The message lists every failing key, as Kafka Connect's 400 response does.
    """

    def __init__(self, infos: dict) -> None:
        self.infos = infos
        problems = [
            f"{c['value']['name']}: {err}" for c in infos.get("configs", []) for err in c["value"].get("errors", [])
        ]
        count = infos.get("error_count", len(problems))
        super().__init__(
            f"Connector configuration is invalid and contains the following {count} error(s):\n"
            + "\n".join(problems)
            + "\nYou can also find the above list of errors at the endpoint "
            "`/connector-plugins/{connectorType}/config/validate`"
        )


class RebalanceNeededException(ConnectException):
    """A cluster worker cannot serve the request until a rebalance in progress completes (REST 409)."""


class RequestTargetException(ConnectException):
    """Another worker of the cluster must serve the request: the one at `url` (None: none known yet)."""

    def __init__(self, message: str, url: str | None) -> None:
        super().__init__(message)
        self.url = url


class NotLeaderException(RequestTargetException):
    """Only the cluster's leader serves this request; `url` is the leader's."""


class NotAssignedException(RequestTargetException):
    """Only the worker running the connector or task serves this request; `url` is that worker's."""


class ForbiddenException(ConnectException):
    """A request the worker refuses, e.g. an internal request whose signature does not verify (REST 403)."""
