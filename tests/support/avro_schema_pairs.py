"""Hypothesis strategy: an Avro record schema and an evolved copy of it (fields added, dropped, retyped...)."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

PRIMITIVES = ["int", "long", "float", "double", "string", "bytes", "boolean"]
DEFAULTS = {"int": 0, "long": 0, "float": 0.0, "double": 0.0, "string": "", "bytes": "", "boolean": False}


@st.composite
def field_type(draw, depth: int = 0) -> Any:
    # Containers nest at most two deep: fastavro's data generator fills each array or map with up to ten items,
    # so unbounded nesting grows data tenfold per level (a drawn schema once took 21 GB).
    nested = ["array", "map"] if depth < 2 else []
    kind = draw(st.sampled_from(["primitive"] * 8 + ["optional", "enum", *nested] + (["record"] if depth < 1 else [])))
    if kind == "primitive":
        return draw(st.sampled_from(PRIMITIVES))
    if kind == "optional":
        return ["null", draw(st.sampled_from(PRIMITIVES))]
    if kind == "array":
        return {"type": "array", "items": draw(field_type(depth + 1))}
    if kind == "map":
        return {"type": "map", "values": draw(field_type(depth + 1))}
    if kind == "enum":
        symbols = draw(st.lists(st.sampled_from(["A", "B", "C", "D"]), min_size=1, max_size=4, unique=True))
        return {"type": "enum", "name": f"E{draw(st.integers(0, 999))}", "symbols": symbols}
    fields = draw(st.lists(field_type(depth + 1), min_size=1, max_size=3))
    return {
        "type": "record",
        "name": f"Inner{draw(st.integers(0, 999))}",
        "fields": [{"name": f"i{n}", "type": t} for n, t in enumerate(fields)],
    }


def _default(kind: Any) -> Any:
    if isinstance(kind, list):
        return None
    if isinstance(kind, str):
        return DEFAULTS[kind]
    return {"array": [], "map": {}}.get(kind["type"], ...)


def _unique_names(schema: dict[str, Any]) -> dict[str, Any]:
    """Give every named type a distinct name (Avro allows each name once per schema)."""
    seen: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for b in node:
                walk(b)
        elif isinstance(node, dict):
            if node["type"] in ("record", "enum") and node is not schema:
                while node["name"] in seen:
                    node["name"] += "x"
                seen.add(node["name"])
            for f in node.get("fields", ()):
                walk(f["type"])
            walk(node.get("items"))
            walk(node.get("values"))

    walk(schema)
    return schema


@st.composite
def evolved(draw) -> tuple[dict[str, Any], dict[str, Any]]:
    """(old, new): a record of random fields and a copy changed by a few of the edits schemas go through."""
    kinds = draw(st.lists(field_type(), min_size=1, max_size=5))
    fields = []
    for n, kind in enumerate(kinds):
        f: dict[str, Any] = {"name": f"f{n}", "type": kind}
        if draw(st.booleans()) and _default(kind) is not ...:
            f["default"] = _default(kind)
        fields.append(f)
    old = _unique_names({"type": "record", "name": "Row", "namespace": "evo", "fields": fields})
    new = copy.deepcopy(old)
    for _ in range(draw(st.integers(1, 3))):
        edit = draw(st.sampled_from(["add", "drop", "retype", "retype", "optional", "default", "symbols"]))
        fs = new["fields"]
        if edit == "add":
            kind = draw(field_type())
            f = {"name": f"n{len(fs)}_{draw(st.integers(0, 99))}", "type": kind}
            if draw(st.booleans()) and _default(kind) is not ...:
                f["default"] = _default(kind)
            if f["name"] not in {g["name"] for g in fs}:
                fs.append(f)
        elif edit == "drop" and len(fs) > 1:
            fs.pop(draw(st.integers(0, len(fs) - 1)))
        elif edit == "retype":
            f = fs[draw(st.integers(0, len(fs) - 1))]
            f["type"] = draw(st.sampled_from(PRIMITIVES))
            f.pop("default", None)
        elif edit == "optional":
            f = fs[draw(st.integers(0, len(fs) - 1))]
            if not isinstance(f["type"], list):
                f["type"] = ["null", f["type"]]
                f["default"] = None
        elif edit == "default":
            f = fs[draw(st.integers(0, len(fs) - 1))]
            if "default" in f:
                del f["default"]
            elif _default(f["type"]) is not ...:
                f["default"] = _default(f["type"])
        elif edit == "symbols":
            enums = [f["type"] for f in fs if isinstance(f["type"], dict) and f["type"]["type"] == "enum"]
            if enums:
                enums[0]["symbols"] = draw(
                    st.lists(st.sampled_from(["A", "B", "C", "D", "E"]), min_size=1, max_size=5, unique=True)
                )
    return old, _unique_names(new)
