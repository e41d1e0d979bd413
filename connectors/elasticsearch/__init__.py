"""The Elasticsearch sink: keeps search indexes in sync with Kafka topics (and the CDC streams in them)."""
