"""The worker runtime: herders, task loops, stores, error handling and metrics."""
