"""The Postgres CDC source: logical replication (pgoutput) into Debezium-compatible change events."""
