"""A test index in the real Elasticsearch: 0 replicas through a template, read back, deleted at the end."""

from __future__ import annotations

from typing import Any, Self

from elasticsearch import Elasticsearch, helpers

from connectors.elasticsearch.convert import index_name


class EsIndex:
    """The index the sink writes for `topic`; a template gives it 0 replicas (one node) without the sink's help."""

    def __init__(self, url: str, topic: str) -> None:
        self.es = Elasticsearch(url, request_timeout=30)
        self.topic = topic
        self.name = index_name(topic)

    def __enter__(self) -> Self:
        self.es.indices.put_index_template(
            name=self.name, index_patterns=[self.name], priority=100, template={"settings": {"number_of_replicas": 0}}
        )
        return self

    def __exit__(self, *exc: object) -> None:
        self.es.indices.delete(index=self.name, ignore_unavailable=True)
        self.es.indices.delete_index_template(name=self.name)
        self.es.close()

    def documents(self) -> dict[str, tuple[dict[str, Any], int]]:
        """Every document: id → (source, version)."""
        if not self.es.indices.exists(index=self.name):
            return {}
        self.es.indices.refresh(index=self.name)
        hits = helpers.scan(self.es, index=self.name, version=True)
        return {h["_id"]: (h["_source"], h["_version"]) for h in hits}

    def sources(self) -> dict[str, dict[str, Any]]:
        return {doc_id: source for doc_id, (source, _v) in self.documents().items()}

    def count(self) -> int:
        if not self.es.indices.exists(index=self.name):
            return 0
        self.es.indices.refresh(index=self.name)
        return int(self.es.count(index=self.name)["count"])

    def mapping(self) -> dict[str, Any]:
        return self.es.indices.get_mapping(index=self.name)[self.name]["mappings"].get("properties", {})
