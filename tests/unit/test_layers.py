"""The seams of DESIGN.md, as imports: no import runs up the layers, connectors know no Kafka client,
and REST reaches the runtime only through the herder (plus errors, config values, secret masking and the worker
config)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imports(package: str) -> list[tuple[str, str]]:
    """(module file, imported module) for every import in the package, lazy ones included."""
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.append((str(path.relative_to(ROOT)), node.module))
            elif isinstance(node, ast.Import):
                found += [(str(path.relative_to(ROOT)), alias.name) for alias in node.names]
    return found


def top(module: str) -> str:
    return module.split(".")[0]


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("connect", {"rest", "sluice", "connectors", "transforms", "streams"}),
        ("connectors", {"rest", "sluice", "confluent_kafka"}),
        ("transforms", {"rest", "sluice", "connectors", "confluent_kafka"}),
        ("rest", {"sluice", "connectors", "transforms"}),
    ],
)
def test_no_import_runs_up_or_across_a_seam(package, forbidden):
    assert [(f, m) for f, m in imports(package) if top(m) in forbidden] == []


def test_rest_talks_to_the_herder_not_to_the_worker_or_tasks():
    allowed = (
        "connect.runtime.herder",
        "connect.runtime.worker_config",
        "connect.errors",
        "connect.config",
        "connect.secrets",  # masking of what responses and logs would quote
    )
    assert [(f, m) for f, m in imports("rest") if top(m) == "connect" and not m.startswith(allowed)] == []
