"""sluice streams: Kafka Streams' model (streams, tables, state stores, joins) as a Python library.

Runs in your process on confluent-kafka; Kafka is the only coordinator. Start with `StreamsBuilder`
(see its docstring for a complete example) and run the topology with `KafkaStreams`.
"""

from streams.dsl.builder import StreamsBuilder
from streams.dsl.global_table import GlobalKTable
from streams.dsl.grouped import KGroupedStream, KGroupedTable
from streams.dsl.stream import BranchedStream, KStream
from streams.dsl.table import KTable
from streams.errors import (
    CopartitionError,
    MissingSourceTopicError,
    ProcessingError,
    StateDirLockedError,
    StreamsError,
    TopologyError,
)
from streams.processors.base import Change, Processor
from streams.runtime.app import KafkaStreams
from streams.runtime.errors import RejectedRecord
from streams.serdes import BYTES, CDC_JSON, JSON, LONG, STRING, CdcJsonSerde, JsonSerde, LongSerde, Serde, StringSerde
from streams.state.spec import StoreSpec
from streams.topology.graph import Topology

__all__ = [
    "BYTES",
    "CDC_JSON",
    "JSON",
    "LONG",
    "STRING",
    "BranchedStream",
    "CdcJsonSerde",
    "Change",
    "CopartitionError",
    "GlobalKTable",
    "JsonSerde",
    "KGroupedStream",
    "KGroupedTable",
    "KStream",
    "KTable",
    "KafkaStreams",
    "LongSerde",
    "MissingSourceTopicError",
    "ProcessingError",
    "Processor",
    "RejectedRecord",
    "Serde",
    "StateDirLockedError",
    "StoreSpec",
    "StreamsBuilder",
    "StreamsError",
    "StringSerde",
    "Topology",
    "TopologyError",
]
