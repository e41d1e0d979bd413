"""`Topology.describe()`: the text Kafka Streams prints, sub-topology by sub-topology."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from streams.topology.graph import Topology


def describe(topology: Topology) -> str:
    lines = ["Topologies:"]
    for sub in topology.subtopologies():
        lines.append(f"   Sub-topology: {sub.id}")
        for name in sub.nodes:
            spec = topology.nodes[name]
            if spec.kind == "source":
                topics = ", ".join(r.name for r in spec.reads)
                lines.append(f"    Source: {name} (topics: [{topics}])")
            elif spec.kind == "sink":
                lines.append(f"    Sink: {name} (topic: {', '.join(r.name for r in spec.writes)})")
            else:
                lines.append(f"    Processor: {name} (stores: [{', '.join(spec.stores)}])")
            children = topology.children[name]
            targets = children + [r.name for r in spec.writes] if spec.kind == "processor" else children
            if targets:
                lines.append(f"      --> {', '.join(targets)}")
            if spec.parents:
                lines.append(f"      <-- {', '.join(spec.parents)}")
        lines.append("")
    for store in topology.global_stores.values():
        lines.append(f"  Global Store: {store.name} (topic: {store.topic})")
    return "\n".join(lines).rstrip() + "\n"
