"""Distributed mode: workers sharing `group.id` form a cluster through Kafka's group coordinator.

`protocol` holds Kafka Connect's group wire formats, `assignor` the leader's incremental
cooperative assignment (KIP-415), `membership` the group member (kafka-python's coordinator),
`herder` the DistributedHerder, `config` the distributed worker keys. docs/distributed.md tells
how the pieces meet.
"""
