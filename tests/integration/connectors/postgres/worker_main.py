"""A standalone worker in its own process for the kill -9 test: `python worker_main.py worker.json connector.json`.

As `connect standalone`, but with the test plugins (schemaless PlainJson converter) registered.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[4]))

from connect.runtime.standalone import StandaloneHerder
from tests.support import plugins


def main() -> None:
    worker = orjson.loads(Path(sys.argv[1]).read_bytes())
    connector = orjson.loads(Path(sys.argv[2]).read_bytes())
    herder = StandaloneHerder(worker, registry=plugins.fake_registry())
    herder.start()
    herder.put_connector_config(connector.pop("name"), connector, allow_replace=True)
    print("started", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
