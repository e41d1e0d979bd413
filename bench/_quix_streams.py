"""The Quix Streams side of bench/streams.py, run with an interpreter that has quixstreams installed.

    <quix python> bench/_quix_streams.py <bootstrap> <input> <output> <stateless|count> <expected outputs> <dir>

Prints one JSON line: {"rate": input records per second, "rss_mb": peak RSS}. Timing starts at the first
record the pipeline sees and ends when the output topic holds every expected record.
"""

from __future__ import annotations

import json
import resource
import sys
import threading
import time
import uuid
from pathlib import Path

from quixstreams import Application

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.streams import wait_for


def main() -> None:
    bootstrap, source, sink, kind, expected, state_dir = sys.argv[1:7]
    expected_n = int(expected)
    started: list[float] = []
    app = Application(
        broker_address=bootstrap,
        consumer_group=f"bench-quix-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        state_dir=state_dir,
        loglevel="WARNING",
    )
    topic_in = app.topic(source, value_deserializer="json", key_deserializer="str")
    topic_out = app.topic(sink, value_serializer="json", key_serializer="str")
    sdf = app.dataframe(topic_in)
    if kind == "stateless":

        def keep(v: dict) -> bool:
            if not started:
                started.append(time.perf_counter())
            return v["amount"] % 2 == 0

        sdf = sdf.filter(keep).apply(lambda v: {"id": v["id"], "amount": v["amount"] * 2, "tag": "even"})
    else:

        def count(v: dict, state) -> int:
            if not started:
                started.append(time.perf_counter())
            n = state.get("count", 0) + 1
            state.set("count", n)
            return n

        sdf = sdf.apply(count, stateful=True)
    sdf.to_topic(topic_out)
    done: list[float] = []

    def watch() -> None:
        done.append(wait_for(bootstrap, sink, expected_n))
        app.stop()

    threading.Thread(target=watch, daemon=True).start()
    app.run()
    rate = int(sys.argv[7]) / (done[0] - started[0])
    print(json.dumps({"rate": rate, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
