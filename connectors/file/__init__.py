"""File connectors: a line-per-record file sink and a line-reading source (Kafka Connect's FileStream pair)."""
