"""The `connect` command: run a standalone or distributed worker (the runtime and its REST API), list plugins,
validate a config."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from connect.config.properties import parse_properties
from connect.errors import ConnectException

log = logging.getLogger("connect")


def read_connector_file(path: Path) -> dict[str, Any]:
    """A connector config from JSON (`{"name", "config"}` as POSTed to REST, or flat) or .properties."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConnectException(f"{path}: not valid JSON ({exc})") from None
        if not isinstance(data, dict):
            raise ConnectException(f"{path}: expected a JSON object")
        if isinstance(data.get("config"), dict):
            config = dict(data["config"])
            config.setdefault("name", data.get("name"))
            return config
        return data
    return parse_properties(text)


def read_worker_props(path: Path) -> dict[str, str]:
    from connect.runtime.worker_config import env_overrides

    return {**parse_properties(path.read_text(encoding="utf-8")), **env_overrides()}


def wait_for_signal() -> None:
    """Block until SIGINT or SIGTERM."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()


def _standalone(args: argparse.Namespace) -> int:
    from connect.runtime.gc_tuning import tune_for_throughput
    from connect.runtime.standalone import StandaloneHerder

    tune_for_throughput()
    worker_props = read_worker_props(Path(args.worker))
    connectors = [read_connector_file(Path(p)) for p in args.connectors]
    for config in connectors:
        if not str(config.get("name") or ""):
            raise ConnectException("a connector file has no 'name'")
    herder = StandaloneHerder(worker_props)
    herder.start_worker()
    try:
        from rest.server import RestServer  # imported here: `connect plugins`/`validate` need no web stack

        rest = RestServer(herder, herder.config)
        rest.start()
        log.info("REST API listening at %s", rest.url)
    except BaseException:
        herder.stop()
        raise
    for config in connectors:
        name = str(config["name"])
        created, _ = herder.put_connector_config(name, config, allow_replace=True)
        log.info("connector %s %s", name, "created" if created else "updated")
    herder.start_connectors()  # those stored by an earlier run (config.storage.file.filename) and not given here
    wait_for_signal()
    log.info("stopping")
    rest.stop()
    herder.stop()
    return 0


def _distributed(args: argparse.Namespace) -> int:
    """A worker of a cluster: configs come through REST (any worker), work is shared with the group."""
    from connect.runtime.distributed.herder import DistributedHerder
    from connect.runtime.gc_tuning import tune_for_throughput

    tune_for_throughput()
    herder = DistributedHerder(read_worker_props(Path(args.worker)))
    herder.start_stores()  # the config topic read to its end before anything is served or run
    try:
        from rest.server import RestServer

        rest = RestServer(herder, herder.config)
        rest.start()
        herder.join(rest.url)
        log.info(
            "worker %s joined group %s; REST API at %s", herder.worker.worker_id, herder.cluster.group_id, rest.url
        )
    except BaseException:
        herder.stop()
        raise
    wait_for_signal()
    log.info("stopping: tasks commit their offsets, then the worker leaves the group")
    herder.stop()
    rest.stop()
    return 0


def _plugins(args: argparse.Namespace) -> int:
    from connect.plugins import PluginKind, default_registry

    for kind in PluginKind:
        for desc in default_registry().describe(kind):
            print(f"{desc.type:16} {desc.aliases[0]:28} {desc.class_name}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from connect.plugins import default_registry
    from connect.runtime.validation import validate_connector_config

    infos = validate_connector_config(default_registry(), read_connector_file(Path(args.connector)))
    for c in infos["configs"]:
        for err in c["value"]["errors"]:
            print(f"{c['value']['name']}: {err}")
    print(f"{infos['error_count']} error(s)")
    return 1 if infos["error_count"] else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="connect", description="Run connectors (a Kafka Connect analogue).")
    parser.add_argument("--log-level", default="INFO")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("standalone", help="run a standalone worker")
    p.add_argument("worker", help="worker.properties")
    p.add_argument("connectors", nargs="*", help="connector configs (.json or .properties)")
    p.set_defaults(func=_standalone)
    p = sub.add_parser("distributed", help="run a worker of a cluster (workers sharing group.id)")
    p.add_argument("worker", help="worker.properties with group.id and the three storage topics")
    p.set_defaults(func=_distributed)
    p = sub.add_parser("plugins", help="list installed plugins")
    p.set_defaults(func=_plugins)
    p = sub.add_parser("validate", help="validate a connector config file")
    p.add_argument("connector")
    p.set_defaults(func=_validate)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        return int(args.func(args))
    except (ConnectException, OSError) as exc:
        print(f"connect: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
