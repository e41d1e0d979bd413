"""Runtime log levels through Python's `logging`, in Kafka Connect's /admin/loggers vocabulary.

Levels are shown with log4j names (WARN, FATAL, TRACE, OFF) so existing tooling reads them;
both those and Python's names (WARNING, CRITICAL) are accepted when setting a level.
"""

from __future__ import annotations

import logging
import threading
import time

ROOT = "root"
TRACE = 5
OFF = logging.CRITICAL + 1

_BY_NAME = {
    "TRACE": TRACE,
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARN": logging.WARNING,
    "WARNING": logging.WARNING,
    "ERROR": logging.ERROR,
    "FATAL": logging.CRITICAL,
    "CRITICAL": logging.CRITICAL,
    "OFF": OFF,
}
_NAMES = {
    TRACE: "TRACE",
    logging.DEBUG: "DEBUG",
    logging.INFO: "INFO",
    logging.WARNING: "WARN",
    logging.ERROR: "ERROR",
    logging.CRITICAL: "FATAL",
    OFF: "OFF",
}


def parse_level(name: str) -> int | None:
    return _BY_NAME.get(name.strip().upper())


def level_name(level: int) -> str:
    if level in _NAMES:
        return _NAMES[level]
    return "OFF" if level > logging.CRITICAL else logging.getLevelName(level)


class LoggerLevels:
    """Reads and sets logger levels; remembers when this API last changed each one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._modified: dict[str, int] = {}

    @staticmethod
    def _existing(name: str) -> logging.Logger | None:
        if name.lower() == ROOT:
            return logging.getLogger()
        found = logging.Logger.manager.loggerDict.get(name)
        return found if isinstance(found, logging.Logger) else None

    def _describe(self, name: str, logger: logging.Logger) -> dict[str, object]:
        level = logger.level or logger.getEffectiveLevel()
        return {"level": level_name(level), "last_modified": self._modified.get(name)}

    def all(self) -> dict[str, dict[str, object]]:
        """Loggers whose level is set explicitly (not inherited), and the root logger."""
        with self._lock:
            out = {
                name: self._describe(name, lg)
                for name, lg in list(logging.Logger.manager.loggerDict.items())
                if isinstance(lg, logging.Logger) and lg.level != logging.NOTSET
            }
            out[ROOT] = self._describe(ROOT, logging.getLogger())
            return dict(sorted(out.items()))

    def get(self, name: str) -> dict[str, object] | None:
        with self._lock:
            logger = self._existing(name)
            return None if logger is None else self._describe(ROOT if name.lower() == ROOT else name, logger)

    def set(self, namespace: str, level: int) -> list[str]:
        """Set `namespace` and every logger below it; returns the names of the loggers in the namespace."""
        with self._lock:
            if namespace.lower() == ROOT:
                targets = [(ROOT, logging.getLogger())] + [
                    (n, lg)
                    for n, lg in list(logging.Logger.manager.loggerDict.items())
                    if isinstance(lg, logging.Logger)
                ]
            else:
                prefix = namespace + "."
                targets = [
                    (n, lg)
                    for n, lg in list(logging.Logger.manager.loggerDict.items())
                    if isinstance(lg, logging.Logger) and n.startswith(prefix)
                ]
                targets.append((namespace, logging.getLogger(namespace)))
            now = int(time.time() * 1000)
            for name, logger in targets:
                current = logger.level or logger.getEffectiveLevel()
                if current != level or logger.level == logging.NOTSET:
                    logger.setLevel(level)
                    self._modified[name] = now
            return sorted(name for name, _ in targets)
