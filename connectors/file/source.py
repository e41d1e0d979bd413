"""The file source task: each new complete line of a file becomes a string record, resumable by byte position."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, BinaryIO

from connect.data import STRING_SCHEMA, SourceRecord
from connect.errors import ConnectException
from connect.spi import SourceTask
from connectors.file.config import SOURCE_CONFIG

_WAIT = 0.2  # seconds a poll waits when the file has no new complete line


class FileSourceTask(SourceTask):
    """Partition `{"filename": path}`, offset `{"position": bytes read}` as Kafka Connect's FileStreamSource."""

    def start(self, props: Mapping[str, Any]) -> None:
        cfg = SOURCE_CONFIG.parse(props)
        self._path: str = cfg["file"]
        self._topic: str = cfg["topic"]
        self._batch: int = cfg["batch.size"]
        self._partition = {"filename": self._path}
        self._file: BinaryIO | None = None
        self._wake = threading.Event()
        assert self.context is not None
        stored = self.context.offset_reader.offset(self._partition)
        position = (stored or {}).get("position", 0)
        if not isinstance(position, int) or position < 0:
            raise ConnectException(f"file source: stored offset {stored!r} for {self._path} has no valid 'position'")
        self._position = position

    def _open(self) -> BinaryIO | None:
        if self._file is None:
            try:
                self._file = open(self._path, "rb")  # noqa: SIM115 - held until stop()
            except FileNotFoundError:
                return None
            except OSError as exc:
                raise ConnectException(f"file source cannot read {self._path!r}: {exc.strerror}") from None
            self._file.seek(self._position)
        return self._file

    def poll(self) -> list[SourceRecord] | None:
        f = self._open()
        records: list[SourceRecord] = []
        while f is not None and len(records) < self._batch:
            line = f.readline()
            if not line.endswith(b"\n"):  # nothing more, or a line still being written: read it again later
                f.seek(self._position)
                break
            self._position += len(line)
            text = line.rstrip(b"\r\n").decode("utf-8", errors="replace")
            records.append(
                SourceRecord(
                    self._partition, {"position": self._position}, self._topic, value_schema=STRING_SCHEMA, value=text
                )
            )
        if not records:
            self._wake.wait(_WAIT)
            return None
        return records

    def stop(self) -> None:
        self._wake.set()
        if self._file is not None:
            self._file.close()
            self._file = None
