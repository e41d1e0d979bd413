"""The topology: named nodes, stores and topics, split into sub-topologies, and its description."""

from streams.topology.graph import NodeSpec, TopicRef, Topology

__all__ = ["NodeSpec", "TopicRef", "Topology"]
