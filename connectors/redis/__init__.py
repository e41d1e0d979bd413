"""The Redis sink: keeps keys, hashes, JSON documents, streams and collections in sync with Kafka topics."""
