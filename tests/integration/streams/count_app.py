"""A streams application run as a real process by the resilience tests: counts records per key.

    python count_app.py <bootstrap> <application.id> <input> <output> <state.dir> <guarantee> [delay_ms]

Input values are `{"key": ...}`; they are re-grouped by that key (through a repartition topic), counted in
a RocksDB store, and every new count goes to the output topic. Every 0.1 s the process writes its
assigned tasks to `<state.dir>/status.json`. SIGTERM closes it cleanly.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

STOP = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: STOP.set())  # before the slow imports: a stop is never lost
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from streams import KafkaStreams, StreamsBuilder  # noqa: E402


def main() -> None:
    bootstrap, app_id, source, sink, state_dir, guarantee = sys.argv[1:7]
    delay = int(sys.argv[7]) / 1000 if len(sys.argv) > 7 else 0.0
    b = StreamsBuilder()
    stream = b.stream(source)
    if delay:
        stream = stream.peek(lambda k, v: time.sleep(delay))
    stream.group_by(lambda k, v: v["key"], name="by-key").count(store="counts").to_stream().to(sink)
    app = KafkaStreams(
        b.build(),
        {
            "application.id": app_id,
            "bootstrap.servers": bootstrap,
            "state.dir": state_dir,
            "processing.guarantee": guarantee,
            "commit.interval.ms": 200,
            "consumer.session.timeout.ms": 6000,
            "consumer.heartbeat.interval.ms": 500,
        },
    )
    stop = STOP
    app.start()
    status = Path(state_dir) / "status.json"
    while not stop.wait(0.1):
        if app.error is not None:
            break
        tmp = status.with_suffix(".tmp")
        tmp.write_text(json.dumps({"state": app.state, "tasks": app.assigned_tasks}))
        os.replace(tmp, status)
    app.close()
    if app.error is not None:
        print(f"count_app failed: {app.error!r}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
