"""The DSL: StreamsBuilder → KStream / KTable / GlobalKTable → Topology."""
