"""compose/: the cluster profile's workers parse as distributed workers of one cluster, each reachable by its own
name and port (there is no Docker here to run it)."""

from __future__ import annotations

from pathlib import Path

import yaml

from connect.config.properties import parse_properties
from connect.runtime.distributed.config import DistributedConfig
from connect.runtime.worker_config import env_overrides

COMPOSE = Path(__file__).resolve().parents[2] / "compose"


def test_the_cluster_profile_is_three_workers_of_one_cluster():
    services = yaml.safe_load((COMPOSE / "docker-compose.yml").read_text())["services"]
    workers = {name: s for name, s in services.items() if "cluster" in s.get("profiles", [])}
    assert len(workers) == 3
    props = parse_properties((COMPOSE / "config" / "distributed.properties").read_text())
    configs = [DistributedConfig.parse({**props, **env_overrides(s["environment"])}) for s in workers.values()]
    assert {c.group_id for c in configs} == {"sluice-cluster"}
    assert {c.worker.rest_advertised_host_name for c in configs} == set(workers)
    assert len({s["ports"][0] for s in workers.values()}) == 3
    assert all(s["command"][:2] == ["connect", "distributed"] for s in workers.values())
