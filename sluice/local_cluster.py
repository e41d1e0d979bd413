"""LocalCluster: N distributed workers as processes on this machine (scripts/cluster, the cluster tests, bench/).

Each worker is `python -m sluice.cli distributed <props>` with the shared properties (group id,
storage topics, converters) plus its own REST listener on a free port; its log goes to
`<workdir>/worker-<n>.log`. Workers can be stopped gracefully (SIGTERM: tasks commit, the worker
leaves the group) or killed (SIGKILL: the group notices after session.timeout.ms).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cluster_properties(bootstrap: str, name: str, **overrides: Any) -> dict[str, str]:
    """Worker properties for a cluster named `name` on one broker: its group id and three storage topics."""
    props = {
        "bootstrap.servers": bootstrap,
        "group.id": name,
        "config.storage.topic": f"{name}-configs",
        "offset.storage.topic": f"{name}-offsets",
        "status.storage.topic": f"{name}-status",
        "config.storage.replication.factor": "1",
        "offset.storage.replication.factor": "1",
        "status.storage.replication.factor": "1",
        "key.converter": "JsonConverter",
        "value.converter": "JsonConverter",
    }
    props.update({k: str(v) for k, v in overrides.items()})
    return props


@dataclass
class WorkerProcess:
    number: int
    port: int
    props_path: Path
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def worker_id(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def terminate(self, timeout: float = 60.0) -> int:
        """SIGTERM, and wait for the worker to stop its tasks and leave the group."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def kill(self) -> None:
        """SIGKILL: no offset commit, no LeaveGroup."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(10)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""


@dataclass
class LocalCluster:
    workdir: Path
    properties: Mapping[str, str]
    python: str = sys.executable
    workers: list[WorkerProcess] = field(default_factory=list)

    def add_worker(self, wait: bool = True, detach: bool = False, **overrides: Any) -> WorkerProcess:
        """Start one more worker; with `wait`, return once its REST API answers and it joined the group; with
        `detach`, in its own session, so it outlives this process (scripts/cluster)."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        number = max((w.number for w in self.workers), default=0) + 1
        port = free_port()
        props = {
            **self.properties,
            "listeners": f"http://127.0.0.1:{port}",
            **{k: str(v) for k, v in overrides.items()},
        }
        props_path = self.workdir / f"worker-{number}.properties"
        props_path.write_text("".join(f"{k}={v}\n" for k, v in props.items()), encoding="utf-8")
        worker = WorkerProcess(number, port, props_path, self.workdir / f"worker-{number}.log")
        with worker.log_path.open("ab") as log:
            worker.process = subprocess.Popen(
                [self.python, "-m", "sluice.cli", "distributed", str(props_path)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
                start_new_session=detach,
            )
        self.workers.append(worker)
        if wait:
            self.wait_joined(worker)
        return worker

    def wait_joined(self, worker: WorkerProcess, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not worker.alive:
                raise RuntimeError(f"worker {worker.number} exited:\n{worker.log()[-3000:]}")
            try:
                health = httpx.get(worker.url + "/health", timeout=2).json()
                if health.get("status") == "healthy":
                    return
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.2)
        raise TimeoutError(f"worker {worker.number} did not join within {timeout:.0f} s:\n{worker.log()[-3000:]}")

    def problems(self, lines: int = 40) -> str:
        """The last WARNING/ERROR lines of every worker's log (for a failing test's report)."""
        out = []
        for worker in self.workers:
            found = [line for line in worker.log().splitlines() if " WARNING " in line or " ERROR " in line]
            out.append(f"--- worker {worker.number} ({worker.worker_id}, {'live' if worker.alive else 'gone'})")
            out += [line[:300] for line in found[-lines:]]
        return "\n".join(out)

    def live(self) -> list[WorkerProcess]:
        return [w for w in self.workers if w.alive]

    def stop(self) -> None:
        """SIGTERM every live worker (SIGKILL those that do not stop)."""
        for worker in self.live():
            assert worker.process is not None
            worker.process.send_signal(signal.SIGTERM)
        for worker in self.workers:
            if worker.process is not None:
                try:
                    worker.process.wait(60)
                except subprocess.TimeoutExpired:
                    worker.process.kill()
                    worker.process.wait(10)
