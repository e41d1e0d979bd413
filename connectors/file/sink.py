"""The file sink task: appends one line per record, fsync'd on flush so committed offsets mean durable lines."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any, BinaryIO

from connect.data import SinkRecord
from connect.errors import ConnectException
from connect.spi import SinkTask, TopicPartition
from connectors.file.config import SINK_CONFIG
from connectors.file.convert import record_line, value_line

_BUFFER = 1 << 20


def _ends_mid_line(path: str) -> bool:
    with open(path, "rb") as f:
        if f.seek(0, os.SEEK_END) == 0:
            return False
        f.seek(-1, os.SEEK_END)
        return f.read(1) != b"\n"


class FileSinkTask(SinkTask):
    def start(self, props: Mapping[str, Any]) -> None:
        cfg = SINK_CONFIG.parse(props)
        self._path: str | None = cfg["file"] or None
        self._render = record_line if cfg["file.format"].lower() == "record" else value_line
        self._dirty = False
        if self._path is None:
            self._out: BinaryIO = sys.stdout.buffer
            return
        try:
            self._out = open(self._path, "ab", buffering=_BUFFER)  # noqa: SIM115 - held until stop()
            if _ends_mid_line(self._path):
                # A crash cut the last line short: start on a fresh line so the lines after it stay whole.
                self._out.write(b"\n")
        except OSError as exc:
            raise ConnectException(f"file sink cannot open {self._path!r} for appending: {exc.strerror}") from None

    def put(self, records: list[SinkRecord]) -> None:
        if not records:
            return
        render = self._render
        self._out.write(b"".join([render(r) for r in records]))
        self._dirty = True

    def flush(self, offsets: Mapping[TopicPartition, int]) -> None:
        if not self._dirty:
            return
        try:
            self._out.flush()
            if self._path is not None:
                os.fsync(self._out.fileno())
        except OSError as exc:
            raise ConnectException(f"file sink cannot write {self._path or 'stdout'}: {exc.strerror}") from None
        self._dirty = False

    def stop(self) -> None:
        out = getattr(self, "_out", None)
        if out is None or self._path is None:
            return
        try:
            self.flush({})
        finally:
            out.close()
