"""The datagen source connector: one sequence space per task."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from connect.config import ConfigDef
from connect.spi import SourceConnector
from connectors.datagen.config import DATAGEN_CONFIG, DatagenConfig
from connectors.datagen.source import DatagenSourceTask


class DatagenSourceConnector(SourceConnector):
    config_def: ClassVar[ConfigDef] = DATAGEN_CONFIG
    task_class = DatagenSourceTask
    doc: ClassVar[str] = """\
Generates records for demos, tests and benchmarks. Each task numbers its records 0, 1, 2, ...
in the `seq` field of the value and stores the last acknowledged number as its source offset
(`{"seq": n}` under the partition `{"datagen": "<connector>/<task>"}`), so after a restart or a crash
it continues with the next number: every number reaches Kafka, and only records not yet
acknowledged at the crash are sent twice. Values are `{"seq", "key", "ts", "payload"}`, padded to
about `record.size` bytes of JSON with text derived from `seed`; keys are `key-<seq % key.cardinality>`.
With `tasks.max` > 1 each task has its own sequence, and `rate` and `max.records` apply per task.

```json
{"name": "demo", "config": {"connector.class": "datagen", "kafka.topic": "demo",
 "rate": "1000", "record.size": "200", "key.cardinality": "100", "max.records": "100000"}}
```
"""

    def start(self, props: Mapping[str, Any]) -> None:
        DatagenConfig.parse(props)  # fail at start, naming the key, rather than in every task
        self._props = dict(props)

    def task_configs(self, max_tasks: int) -> list[dict[str, Any]]:
        # The runtime tells each task its id (context.task_id), which names its partition.
        return [dict(self._props) for _ in range(max_tasks)]

    def stop(self) -> None:
        pass
