"""Backing stores for offsets, configs and statuses: one protocol each, memory and file implementations.

Each kind lives in its own package with the same file names (`base.py` the protocol and Kafka
Connect's record layout, `memory.py`, `file.py`); Kafka-topic stores come with distributed mode.
"""
