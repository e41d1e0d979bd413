"""Processors: the nodes of a running topology, one instance per task."""
