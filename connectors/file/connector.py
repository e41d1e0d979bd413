"""The file sink and file source connectors (Kafka Connect's FileStreamSink/FileStreamSource)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from connect.config import ConfigDef
from connect.spi import SinkConnector, SourceConnector
from connectors.file.config import SINK_CONFIG, SOURCE_CONFIG
from connectors.file.sink import FileSinkTask
from connectors.file.source import FileSourceTask


class FileSinkConnector(SinkConnector):
    config_def: ClassVar[ConfigDef] = SINK_CONFIG
    task_class = FileSinkTask
    aliases: ClassVar[tuple[str, ...]] = ("org.apache.kafka.connect.file.FileStreamSinkConnector",)
    doc: ClassVar[str] = """\
Appends one line per record to a file, as Kafka Connect's FileStreamSink does. By default a line is the
record's value (strings and bytes as they are, structs, maps and other values as JSON), or with
`file.format=record` a JSON object holding the topic, partition, offset, timestamp, key, value and
headers. Lines are fsync'd before consumer offsets are committed, so a committed offset means the
lines before it are on disk; after a crash, records since the last commit are written again.
It always runs a single task.

```json
{"name": "to-file", "config": {"connector.class": "file", "topics": "demo",
 "file": "/tmp/demo.jsonl", "file.format": "record"}}
```
"""

    def start(self, props: Mapping[str, Any]) -> None:
        SINK_CONFIG.parse(props)
        self._props = dict(props)

    def task_configs(self, max_tasks: int) -> list[dict[str, Any]]:
        return [dict(self._props)]  # one writer per file: several tasks would interleave partial buffers


class FileSourceConnector(SourceConnector):
    config_def: ClassVar[ConfigDef] = SOURCE_CONFIG
    task_class = FileSourceTask
    aliases: ClassVar[tuple[str, ...]] = ("org.apache.kafka.connect.file.FileStreamSourceConnector",)
    doc: ClassVar[str] = """\
Reads a file line by line and writes each complete line to `topic` as a string value with a null
key, as Kafka Connect's FileStreamSource does. Its offset is the byte position after the last line
sent (`{"position": n}` under `{"filename": "<file>"}`), so a restart continues where it stopped;
lines appended later are picked up. It always runs a single task. Unlike Kafka Connect it does not
read standard input: `file` is required.

```json
{"name": "from-file", "config": {"connector.class": "file-source", "file": "/tmp/in.txt",
 "topic": "lines"}}
```
"""

    def start(self, props: Mapping[str, Any]) -> None:
        SOURCE_CONFIG.parse(props)
        self._props = dict(props)

    def task_configs(self, max_tasks: int) -> list[dict[str, Any]]:
        return [dict(self._props)]
