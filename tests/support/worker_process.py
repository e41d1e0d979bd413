"""A `connect standalone` worker in its own process, for tests that kill it (`kill -9`) and start it again."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_worker(args: list[str], log: Path) -> subprocess.Popen:
    """`python -m sluice.cli standalone <args>`, its output appended to `log`."""
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "sluice.cli", "standalone", *args], stdout=out, stderr=out)


def stop_worker(proc: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if it has not stopped within 20 s."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
