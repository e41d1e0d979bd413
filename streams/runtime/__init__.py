"""The runtime: KafkaStreams (the application), its tasks, state restoration, commits and rebalances."""
