"""Postgres geometric types → Debezium's Point, Line, Circle and Geometry (WKB) structs."""

from __future__ import annotations

import re
import struct
from typing import Any

from connect.data import Schema, Type

POINT = "io.debezium.data.geometry.Point"
LINE = "io.debezium.data.geometry.Line"
CIRCLE = "io.debezium.data.geometry.Circle"
GEOMETRY = "io.debezium.data.geometry.Geometry"

_DOUBLE = Schema(Type.FLOAT64)

POINT_SCHEMA = Schema.struct(
    POINT,
    [
        ("x", _DOUBLE),
        ("y", _DOUBLE),
        ("wkb", Schema(Type.BYTES, optional=True)),
        ("srid", Schema(Type.INT32, optional=True)),
    ],
    version=1,
    doc="Geometry (POINT)",
)
LINE_SCHEMA = Schema.struct(LINE, [("a", _DOUBLE), ("b", _DOUBLE), ("c", _DOUBLE)], version=1, doc="Geometry (LINE)")
CIRCLE_SCHEMA = Schema.struct(
    CIRCLE, [("center", POINT_SCHEMA), ("radius", _DOUBLE)], version=1, doc="Geometry (CIRCLE)"
)
GEOMETRY_SCHEMA = Schema.struct(
    GEOMETRY,
    [
        ("wkb", Schema(Type.BYTES)),
        ("srid", Schema(Type.INT32, optional=True)),
        ("extensions", Schema.map(Schema(Type.STRING), Schema(Type.STRING), optional=True)),
    ],
    version=2,
    doc="Geometry",
)

_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|Infinity|NaN)")
_POINT_WKB = struct.Struct("<BIdd")


def _numbers(text: str) -> list[float]:
    return [float(n) for n in _NUMBER.findall(text)]


def _pairs(text: str) -> list[tuple[float, float]]:
    values = _numbers(text)
    return list(zip(values[::2], values[1::2], strict=True))


def _wkb_points(points: list[tuple[float, float]]) -> bytes:
    return struct.pack("<I", len(points)) + b"".join(struct.pack("<dd", x, y) for x, y in points)


def _linestring(points: list[tuple[float, float]]) -> bytes:
    return struct.pack("<BI", 1, 2) + _wkb_points(points)


def _polygon(ring: list[tuple[float, float]]) -> bytes:
    return struct.pack("<BII", 1, 3, 1) + _wkb_points(ring)


def point_value(x: float, y: float) -> dict[str, Any]:
    return {"x": x, "y": y, "wkb": _POINT_WKB.pack(1, 1, x, y), "srid": None}


def point(text: str) -> dict[str, Any]:
    x, y = _numbers(text)
    return point_value(x, y)


def line(text: str) -> dict[str, Any]:
    a, b, c = _numbers(text)
    return {"a": a, "b": b, "c": c}


def circle(text: str) -> dict[str, Any]:
    x, y, radius = _numbers(text)
    return {"center": point_value(x, y), "radius": radius}


def lseg(text: str) -> dict[str, Any]:
    return {"wkb": _linestring(_pairs(text)), "srid": None, "extensions": {"type": "lseg"}}


def box(text: str) -> dict[str, Any]:
    (x1, y1), (x2, y2) = _pairs(text)
    ring = [(x1, y1), (x1, y2), (x2, y2), (x2, y1), (x1, y1)]
    return {"wkb": _polygon(ring), "srid": None, "extensions": {"type": "box"}}


def path(text: str) -> dict[str, Any]:
    closed = "true" if text.startswith("(") else "false"
    return {"wkb": _linestring(_pairs(text)), "srid": None, "extensions": {"type": "path", "closed": closed}}


def polygon(text: str) -> dict[str, Any]:
    ring = _pairs(text)
    if len(ring) > 1 and ring[0] != ring[-1]:
        ring.append(ring[0])  # WKB rings are closed
    return {"wkb": _polygon(ring), "srid": None, "extensions": {"type": "polygon"}}
