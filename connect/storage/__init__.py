"""Backing stores for offsets, configs and statuses (memory and file now, Kafka topics later)."""
