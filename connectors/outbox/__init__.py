"""The outbox source: the Postgres CDC source on one outbox table, with the EventRouter preset."""
