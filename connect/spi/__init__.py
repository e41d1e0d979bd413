"""The plugin SPI: connectors, tasks, transforms, predicates and converters implement these."""

from connect.spi.connector import Connector, ConnectorContext, SinkConnector, SourceConnector
from connect.spi.converter import Converter, HeaderConverter
from connect.spi.errant import ErrantRecordReporter
from connect.spi.sink import SinkTask, SinkTaskContext, TopicPartition
from connect.spi.source import OffsetStorageReader, SourceOffset, SourceTask, SourceTaskContext
from connect.spi.transform import Predicate, Transformation

__all__ = [
    "Connector",
    "ConnectorContext",
    "Converter",
    "ErrantRecordReporter",
    "HeaderConverter",
    "OffsetStorageReader",
    "Predicate",
    "SinkConnector",
    "SinkTask",
    "SinkTaskContext",
    "SourceConnector",
    "SourceOffset",
    "SourceTask",
    "SourceTaskContext",
    "TopicPartition",
    "Transformation",
]
