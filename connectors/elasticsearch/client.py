"""Talking to Elasticsearch: bulk requests, index creation and health, through the official 8.x client.

Transient failures (no connection, timeouts, 429, 5xx) surface as RetriableException; the bulk
writer decides when to retry. The client itself never retries, so backoff lives in one place.
"""

from __future__ import annotations

import logging
from typing import Any

import urllib3
from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import NodeConfig, TransportError, Urllib3HttpNode
from elasticsearch import ApiError, Elasticsearch
from elasticsearch.serializer import OrjsonSerializer

from connect.errors import ConnectException, RetriableException
from connect.log_filters import DemoteToDebug, RateLimitFilter
from connectors.elasticsearch.config import EsSinkConfig

log = logging.getLogger(__name__)
# The client logs every request at INFO (one line per bulk request) and every failure of a node: the
# former belong at DEBUG, the latter are held back to one line of a kind per 30 s during an outage.
logging.getLogger("elastic_transport.transport").addFilter(DemoteToDebug())
logging.getLogger("elastic_transport.node_pool").addFilter(RateLimitFilter())

# Only what item handling needs: keeps responses of large batches small and cheap to parse.
_BULK_FILTER = ["errors", "items.*.status", "items.*.error"]


def _timeout_node(connect_s: float, read_s: float) -> type[Urllib3HttpNode]:
    """A node class whose pool has separate connect and read timeouts (the client has only a total)."""

    class TimeoutNode(Urllib3HttpNode):
        def __init__(self, config: NodeConfig) -> None:
            super().__init__(config)
            self.pool.timeout = urllib3.Timeout(connect=connect_s, read=read_s)

    return TimeoutNode


def is_transient(status: int) -> bool:
    return status == 429 or status >= 500


class EsClient:
    """The few Elasticsearch calls the sink makes; thread-safe (one client, a pool per node)."""

    def __init__(self, config: EsSinkConfig) -> None:
        auth = (config.username, config.password) if config.username and config.password else None
        self._es = Elasticsearch(
            list(config.hosts),
            basic_auth=auth,
            node_class=_timeout_node(config.connect_timeout_ms / 1000, config.read_timeout_ms / 1000),
            connections_per_node=config.max_in_flight + 1,
            http_compress=config.compression,
            max_retries=0,
            retry_on_timeout=False,
            serializer=OrjsonSerializer(),
        )

    def bulk(self, body: bytes) -> list[dict[str, Any]]:
        """Send one `_bulk` body; the per-item results, in request order (an item is `{op: {status, error?}}`)."""
        try:
            # A pre-serialized NDJSON body goes out as it is (the client's types only name the parsed form).
            resp = self._es.bulk(operations=body, filter_path=_BULK_FILTER)  # type: ignore[arg-type]
        except ApiError as exc:
            if is_transient(exc.meta.status):
                raise RetriableException(f"bulk request failed with HTTP {exc.meta.status}: {exc.message}") from exc
            raise ConnectException(
                f"Elasticsearch rejected a bulk request (HTTP {exc.meta.status}): {exc.message}"
            ) from exc
        except (TransportConnectionError, TransportError) as exc:
            raise RetriableException(f"Elasticsearch unreachable: {exc}") from exc
        return resp.body.get("items", [])

    def ensure_index(self, name: str, mappings: dict[str, Any] | None) -> bool:
        """Create the index (with a mapping when given) unless it exists; True when this call created it."""
        try:
            if self._es.indices.exists(index=name):
                return False
            self._es.indices.create(index=name, mappings=mappings)
        except ApiError as exc:
            if exc.meta.status == 400 and exc.error == "resource_already_exists_exception":
                return False
            if is_transient(exc.meta.status):
                raise RetriableException(f"creating index {name} failed with HTTP {exc.meta.status}") from exc
            raise ConnectException(f"cannot create index {name}: {exc.message}") from exc
        except (TransportConnectionError, TransportError) as exc:
            raise RetriableException(f"Elasticsearch unreachable while creating index {name}: {exc}") from exc
        log.info("created index %s%s", name, " with a mapping from the record schema" if mappings else "")
        return True

    def healthy(self) -> bool:
        """Whether the cluster answers `_cluster/health` (`GET /` may be refused on minimal builds)."""
        try:
            self._es.cluster.health()
            return True
        except (ApiError, TransportConnectionError, TransportError):
            return False

    def close(self) -> None:
        self._es.close()
