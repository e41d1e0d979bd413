"""Datagen: a deterministic source of sequence-numbered records for demos, tests and benchmarks."""
