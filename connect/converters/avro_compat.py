"""Avro schema resolution: can data written with one schema be read with another, and if not, which field breaks?

The rules of the Avro specification, as Avro's SchemaCompatibility (which Schema Registries
apply) checks them: records match by name and each reader field must be in the writer or have
a default; ints, longs and floats widen; strings and bytes interchange; every branch of a
writer union must be readable; enum symbols the writer can write must exist in the reader
(or the reader has a default); fixed sizes match. Logical types are not compared.

`incompatibilities(reader, writer)` lists what breaks, each with the field's dotted path from
the top-level record and the record it belongs to, so a refused registration can say which
field made it incompatible. `explain(level, new, old)` applies a registry compatibility level.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import fastavro

_PROMOTIONS = {
    "int": ("long", "float", "double"),
    "long": ("float", "double"),
    "float": ("double",),
    "string": ("bytes",),
    "bytes": ("string",),
}


@dataclass(frozen=True, slots=True)
class Incompatibility:
    field: str  # dotted path of field names from the top-level record ("" for the top level itself)
    record: str | None  # full name of the record holding the field
    problem: str

    def __str__(self) -> str:
        if not self.field:
            return self.problem
        where = f"field `{self.field.rpartition('.')[2]}`"
        if self.record is not None:
            where += f" of record `{self.record}`"
        if "." in self.field:
            where += f" (at `{self.field}`)"
        return f"{where}: {self.problem}"


def incompatibilities(reader: Any, writer: Any) -> list[Incompatibility]:
    """What keeps `reader` (Avro schema as JSON data or text) from reading data written with `writer`."""
    return _Check(reader, writer).run()


def explain(level: str, new: Any, old: Any) -> list[Incompatibility]:
    """What breaks `level` (BACKWARD, FORWARD, FULL, with or without _TRANSITIVE) between a new and an old schema."""
    level = level.upper().removesuffix("_TRANSITIVE")
    found: list[Incompatibility] = []
    if level in ("BACKWARD", "FULL"):  # the new schema reads what the old one wrote
        found += incompatibilities(new, old)
    if level in ("FORWARD", "FULL"):  # the old schema reads what the new one writes
        found += incompatibilities(old, new)
    return found


class _Check:
    def __init__(self, reader: Any, writer: Any) -> None:
        self.reader_names: dict[str, Any] = {}
        self.writer_names: dict[str, Any] = {}
        self.reader = fastavro.parse_schema(reader, named_schemas=self.reader_names)
        self.writer = fastavro.parse_schema(writer, named_schemas=self.writer_names)
        self.seen: set[tuple[str, str]] = set()  # named pairs already compared (and recursive ones)
        self.found: list[Incompatibility] = []

    def run(self) -> list[Incompatibility]:
        self.compare(self.reader, self.writer, "", None)
        return self.found

    def resolve(self, node: Any, names: dict[str, Any]) -> Any:
        while True:
            if isinstance(node, str):
                if node not in names:
                    return node
                node = names[node]
            elif isinstance(node, dict) and not isinstance(node.get("type"), str):
                node = node["type"]  # {"type": {...}} or {"type": [...]}
            else:
                return node

    def compare(self, reader: Any, writer: Any, path: str, record: str | None) -> None:
        reader = self.resolve(reader, self.reader_names)
        writer = self.resolve(writer, self.writer_names)
        if isinstance(writer, list):
            for branch in writer:
                self.compare(reader, branch, path, record)
            return
        if isinstance(reader, list):
            if any(self.readable(branch, writer) for branch in reader):
                return
            # Report what breaks in the branch meant for the writer's type rather than only "no branch".
            kin = [b for b in reader if _same_kind(self.resolve(b, self.reader_names), writer)]
            if kin:
                self.compare(kin[0], writer, path, record)
            else:
                self.add(path, record, f"the reader's union has no branch for the writer's {_describe(writer)}")
            return
        r_type, w_type = _type(reader), _type(writer)
        if r_type != w_type:
            if w_type not in _PROMOTIONS or r_type not in _PROMOTIONS[w_type]:
                self.add(path, record, f"reader type {_describe(reader)} cannot read writer type {_describe(writer)}")
            return
        if r_type in ("record", "enum", "fixed"):
            if _short(reader["name"]) != _short(writer["name"]) and _short(writer["name"]) not in _aliases(reader):
                names = f"`{reader['name']}` is not the writer's `{writer['name']}`"
                self.add(path, record, f"the reader's {r_type} {names}")
                return
            pair = (reader["name"], writer["name"])
            if pair in self.seen:
                return
            self.seen.add(pair)
        if r_type == "record":
            self.records(reader, writer, path)
        elif r_type == "enum":
            missing = [s for s in writer.get("symbols", []) if s not in reader.get("symbols", [])]
            if missing and reader.get("default") is None:
                self.add(path, record, f"the reader's enum lacks the writer's symbols {', '.join(missing)}")
        elif r_type == "fixed" and reader.get("size") != writer.get("size"):
            self.add(path, record, f"fixed size {reader.get('size')} cannot read size {writer.get('size')}")
        elif r_type == "array":
            self.compare(reader["items"], writer["items"], path, record)
        elif r_type == "map":
            self.compare(reader["values"], writer["values"], path, record)

    def records(self, reader: dict[str, Any], writer: dict[str, Any], path: str) -> None:
        written = {f["name"]: f for f in writer.get("fields", [])}
        for f in reader.get("fields", []):
            field_path = f"{path}.{f['name']}" if path else f["name"]
            source = written.get(f["name"]) or next((written[a] for a in f.get("aliases", []) if a in written), None)
            if source is None:
                if "default" not in f:
                    self.add(field_path, reader["name"], "it has no default and data written without it cannot be read")
                continue
            self.compare(f["type"], source["type"], field_path, reader["name"])

    def readable(self, reader: Any, writer: Any) -> bool:
        probe = _Check.__new__(_Check)
        probe.reader_names, probe.writer_names = self.reader_names, self.writer_names
        probe.seen, probe.found = set(self.seen), []
        probe.compare(reader, writer, "", None)
        return not probe.found

    def add(self, path: str, record: str | None, problem: str) -> None:
        self.found.append(Incompatibility(path, record, problem))


def _type(node: Any) -> str:
    return node if isinstance(node, str) else node["type"]


def _same_kind(reader: Any, writer: Any) -> bool:
    """Same type, and the same name for named types: the branch a reader union would pick."""
    if isinstance(reader, list) or _type(reader) != _type(writer):
        return False
    return not isinstance(writer, dict) or "name" not in writer or _short(reader["name"]) == _short(writer["name"])


def _short(name: str) -> str:
    return name.rpartition(".")[2]


def _aliases(node: dict[str, Any]) -> set[str]:
    return {_short(a) for a in node.get("aliases", [])}


def _describe(node: Any) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, list):
        return "union"
    name = node.get("name")
    return f"{node['type']} {name}" if name else node["type"]
