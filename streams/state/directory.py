"""The application's local folder: `<state.dir>/<application.id>/` with a lock, the process id and one
folder per task (`<subtopology>_<partition>/`) holding RocksDB stores and the checkpoint file."""

from __future__ import annotations

import fcntl
import os
import uuid
from pathlib import Path

from streams.errors import StateDirLockedError


class StateDirectory:
    def __init__(self, state_dir: str, application_id: str) -> None:
        self.root = Path(state_dir) / application_id
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock_fd: int | None = None

    def lock(self) -> None:
        """One instance per folder: a second one would fence the first's transactions and share its stores."""
        fd = os.open(self.root / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise StateDirLockedError(
                f"state directory {self.root} is used by another running instance; give each instance its own state.dir"
            ) from None
        self._lock_fd = fd

    def unlock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def process_id(self) -> str:
        """Stable across restarts from this folder, so exactly-once restarts reuse their transactional id
        (which aborts the dead process's open transaction at once instead of after a timeout)."""
        path = self.root / "process-id"
        try:
            return path.read_text().strip()
        except OSError:
            pid = uuid.uuid4().hex
            path.write_text(pid)
            return pid

    def task(self, task_id: str) -> Path:
        return self.root / task_id

    def global_dir(self) -> Path:
        return self.root / "global"
