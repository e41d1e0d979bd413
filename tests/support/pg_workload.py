"""A generated Postgres workload for differential CDC tests: typed tables, seeded values, snapshot and streaming SQL.

Every built-in type family the Postgres source maps gets a table (`f_<family>`) with one column per type and
one per array of it; values come from a seeded generator that mixes random values with each type's edges
(NaN, infinities, BC dates, extreme offsets, 64-bit overflowing intervals, NULLs...). Operation tables cover
primary-key changes, REPLICA IDENTITY FULL/NOTHING/USING INDEX, keyless tables, TOAST and truncates; the
streaming part mixes them into multi-table transactions with logical decoding messages.

The same seed gives the same SQL, so a failure reproduces with `SLUICE_WORKLOAD_SEED`.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field

Gen = Callable[[random.Random], str]  # a value in Postgres' text input form


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class ColumnType:
    """One column type: its family (the report bucket), DDL and value generator; `array` adds a `<type>[]` column."""

    family: str
    sql: str
    gen: Gen
    array: bool = True

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "_", self.sql.lower().replace("{s}.", "")).strip("_")


# -- value generators -------------------------------------------------------------------------
def pick(rng: random.Random, edges: list[str], common: Gen, edge_share: float = 0.3) -> str:
    return rng.choice(edges) if rng.random() < edge_share else common(rng)


def ints(bits: int) -> Gen:
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    edges = [str(low), str(high), "0", "-1", "1"]
    return lambda rng: pick(
        rng, edges, lambda r: str(r.randint(low, high) if r.random() < 0.5 else r.randint(-999, 999))
    )


def floats(single: bool) -> Gen:
    edges = [
        "NaN",
        "Infinity",
        "-Infinity",
        "0",
        "-0",
        "1e-37" if single else "1e-307",
        "3.4e38" if single else "1.7e308",
    ]

    def common(rng: random.Random) -> str:
        value = rng.uniform(-1e6, 1e6) if rng.random() < 0.7 else rng.uniform(-1, 1) * 10 ** rng.randint(-30, 30)
        return repr(round(value, rng.randint(0, 6)))

    return lambda rng: pick(rng, edges, common)


def numerics(precision: int | None, scale: int) -> Gen:
    if precision is None:
        edges = [
            "NaN",
            "Infinity",
            "-Infinity",
            "0",
            "0.000000000000000000000001",
            "-123456789012345678901234567890.5",
            "1e100",
            "1.10",
            "100",
        ]

        def common(rng: random.Random) -> str:
            whole = str(rng.randint(-(10 ** rng.randint(1, 30)), 10 ** rng.randint(1, 30)))
            return whole + (
                "." + "".join(rng.choices(string.digits, k=rng.randint(1, 20))) if rng.random() < 0.7 else ""
            )

        return lambda rng: pick(rng, edges, common)
    digits = precision - scale
    top = "9" * digits + ("." + "9" * scale if scale else "")
    edges = ["NaN", "0", top, "-" + top]

    def bounded(rng: random.Random) -> str:
        whole = str(rng.randint(-(10**digits) + 1, 10**digits - 1))
        return whole + ("." + "".join(rng.choices(string.digits, k=scale)) if scale else "")

    return lambda rng: pick(rng, edges, bounded)


def money(rng: random.Random) -> str:
    edges = ["-92233720368547758.08", "92233720368547758.07", "0", "0.01", "-0.5"]
    return pick(rng, edges, lambda r: f"{r.randint(-(10**9), 10**9)}.{r.randint(0, 99):02d}")


def _year(rng: random.Random) -> int:
    return rng.choice([rng.randint(1, 9999), rng.randint(1900, 2100), rng.randint(1900, 2100)])


def dates(rng: random.Random) -> str:
    edges = [
        "infinity",
        "-infinity",
        "0001-01-01",
        "9999-12-31",
        "1970-01-01",
        "0044-03-15 BC",
        "4713-01-01 BC",
        "1969-12-31",
        "2000-02-29",
        "5874897-12-31",
    ]
    return pick(rng, edges, lambda r: f"{_year(r):04d}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}")


def _clock(rng: random.Random, fraction: int = 6) -> str:
    base = f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
    if fraction and rng.random() < 0.6:
        base += "." + "".join(rng.choices(string.digits, k=rng.randint(1, fraction)))
    return base


def times(rng: random.Random) -> str:
    return pick(rng, ["00:00:00", "23:59:59.999999", "24:00:00", "12:00:00.5"], _clock)


def _offset(rng: random.Random) -> str:
    edges = ["+00", "-00", "+14:59", "-15:59", "+05:30", "-03:30", "+15:59:59", "-12:00:01"]
    return (
        rng.choice(edges)
        if rng.random() < 0.5
        else f"{rng.choice('+-')}{rng.randint(0, 14):02d}:{rng.randint(0, 59):02d}"
    )


def timetzs(rng: random.Random) -> str:
    return pick(
        rng, ["00:00:00+00", "23:59:59.999999-15:59", "24:00:00+00", "12:00:00+15:59"], lambda r: _clock(r) + _offset(r)
    )


def timestamps(rng: random.Random) -> str:
    edges = [
        "infinity",
        "-infinity",
        "1970-01-01 00:00:00",
        "0001-01-01 00:00:00",
        "9999-12-31 23:59:59.999999",
        "0044-03-15 12:00:00 BC",
        "4713-01-01 00:00:00 BC",
        "294276-12-31 23:59:59",
        "1969-12-31 23:59:59.999999",
    ]
    return pick(rng, edges, lambda r: f"{_year(r):04d}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d} {_clock(r)}")


def timestamptzs(rng: random.Random) -> str:
    edges = [
        "infinity",
        "-infinity",
        "1970-01-01 00:00:00+00",
        "0001-01-01 00:00:00+00",
        "9999-12-31 23:59:59.999999+00",
        "0044-03-15 12:00:00+02 BC",
        "2000-01-01 00:00:00+15:59",
        "2000-01-01 00:00:00-15:59",
        "294276-12-31 23:59:59+00",
    ]
    return pick(
        rng, edges, lambda r: f"{_year(r):04d}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d} {_clock(r)}{_offset(r)}"
    )


def intervals(rng: random.Random) -> str:
    edges = [
        "0",
        "178000000 years",
        "-178000000 years",
        "1 mon",
        "-1 day",
        "1 year 2 mons 3 days 04:05:06.789",
        "-1 year -2 mons +3 days -04:05:06",
        "00:00:00.000001",
        "2147483647 days",
        "1 day -00:00:01",
    ]

    def common(rng: random.Random) -> str:
        parts = []
        for unit, top in (("years", 200), ("mons", 11), ("days", 40)):
            if rng.random() < 0.5:
                parts.append(f"{rng.randint(-top, top)} {unit}")
        if rng.random() < 0.7:
            parts.append(
                f"{rng.choice(['', '-'])}{rng.randint(0, 99)}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
                + (f".{rng.randint(0, 999999):06d}" if rng.random() < 0.5 else "")
            )
        return " ".join(parts) or "0"

    return pick(rng, edges, common)


_TEXT = string.ascii_letters + string.digits + " _-'\"\\,{}()[]:;é€😀\t\n"


def texts(max_len: int = 40) -> Gen:
    edges = ["", " ", "NULL", "null", "'", "\\", '"', "ünïcødé 😀", "{a,b}", "a" * max_len]
    return lambda rng: pick(rng, edges, lambda r: "".join(r.choices(_TEXT, k=r.randint(0, max_len))))


def chars(width: int) -> Gen:
    return lambda rng: "".join(rng.choices(string.ascii_letters + " ", k=rng.randint(0, width)))


def bytea(rng: random.Random) -> str:
    edges = ["\\x", "\\x00", "\\xff", "\\x5f5f646562657a69756d"]
    return pick(rng, edges, lambda r: "\\x" + r.randbytes(r.randint(0, 40)).hex())


def uuids(rng: random.Random) -> str:
    edges = ["00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff"]
    return pick(rng, edges, lambda r: str(__import__("uuid").UUID(int=r.getrandbits(128))))


def _json_value(rng: random.Random, depth: int = 0) -> str:
    kind = rng.randint(0, 6 if depth < 2 else 3)
    if kind == 0:
        return str(rng.randint(-(10**12), 10**12))
    if kind == 1:
        return rng.choice(["true", "false", "null", "1.5e300", "-0.0", "1.10"])
    if kind in (2, 3):
        return (
            '"'
            + "".join(rng.choices(string.ascii_letters + " é\\u00e9", k=rng.randint(0, 10))).replace("\\", "\\\\")
            + '"'
        )
    if kind in (4, 5):
        items = [f'"k{i}" : {_json_value(rng, depth + 1)}' for i in range(rng.randint(0, 4))]
        return "{" + ", ".join(items) + "}"
    return "[" + ",".join(_json_value(rng, depth + 1) for _ in range(rng.randint(0, 4))) + "]"


def jsons(rng: random.Random) -> str:
    return pick(rng, ["{}", "[]", '""', '{"a": {"b": [1, 2, {"c": null}]}}', '{"dup": 1, "dup": 2}'], _json_value)


def xmls(rng: random.Random) -> str:
    return pick(
        rng,
        ["<a/>", '<a b="1">text &amp; more</a>', "plain text"],
        lambda r: f'<r><v n="{r.randint(0, 99)}">{"".join(r.choices(string.ascii_letters, k=8))}</v></r>',
    )


def inets(rng: random.Random) -> str:
    edges = ["0.0.0.0", "255.255.255.255/32", "::1", "::ffff:1.2.3.4", "2001:db8::/32", "10.0.0.1/8"]
    return pick(
        rng,
        edges,
        lambda r: (
            ".".join(str(r.randint(0, 255)) for _ in range(4)) + f"/{r.randint(8, 32)}"
            if r.random() < 0.6
            else ":".join(f"{r.randint(0, 65535):x}" for _ in range(8))
        ),
    )


def cidrs(rng: random.Random) -> str:
    return pick(
        rng,
        ["0.0.0.0/0", "10.0.0.0/8", "2001:db8::/32", "192.168.1.0/24"],
        lambda r: f"{r.randint(1, 223)}.{r.randint(0, 255)}.0.0/16",
    )


def macaddrs(octets: int) -> Gen:
    return lambda rng: ":".join(f"{rng.randint(0, 255):02x}" for _ in range(octets))


def bits(width: int | None) -> Gen:
    def gen(rng: random.Random) -> str:
        n = width if width is not None else rng.randint(0, 70)
        return "".join(rng.choice("01") for _ in range(n))

    return gen


def varbits(limit: int) -> Gen:
    return lambda rng: "".join(rng.choice("01") for _ in range(rng.randint(0, limit)))


def ranges(bound: Gen, empty: bool = True) -> Gen:
    def gen(rng: random.Random) -> str:
        if empty and rng.random() < 0.1:
            return "empty"
        low, high = sorted([bound(rng), bound(rng)], key=_sort_key)
        low = "" if rng.random() < 0.15 else low
        high = "" if rng.random() < 0.15 else high
        return f"{rng.choice('[(')}{_range_bound(low)},{_range_bound(high)}{rng.choice(')]')}"

    return gen


def _range_bound(text: str) -> str:
    return f'"{text}"' if text and not text.lstrip("-").replace(".", "").isdigit() else text


def _sort_key(text: str) -> object:
    try:
        return (0, float(text))
    except ValueError:
        return (1, text)


def _plain_ts(rng: random.Random) -> str:
    return f"{rng.randint(1900, 2100)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {_clock(rng)}"


def _plain_date(rng: random.Random) -> str:
    return f"{rng.randint(1900, 2100)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def hstores(rng: random.Random) -> str:
    def entry(r: random.Random) -> str:
        key = "".join(r.choices(string.ascii_lowercase + " =>,", k=r.randint(1, 6))).replace('"', "")
        value = (
            "NULL"
            if r.random() < 0.2
            else '"' + "".join(r.choices(string.ascii_letters + " ,=>", k=r.randint(0, 6))) + '"'
        )
        return f'"{key}"=>{value}'

    return pick(rng, ["", '"a"=>"1"', '"k"=>NULL'], lambda r: ", ".join(entry(r) for _ in range(r.randint(1, 4))))


def ltrees(rng: random.Random) -> str:
    return pick(
        rng,
        ["", "Top", "Top.Science.Astronomy"],
        lambda r: ".".join(
            "".join(r.choices(string.ascii_letters + "_", k=r.randint(1, 6))) for _ in range(r.randint(1, 5))
        ),
    )


def _num(rng: random.Random) -> str:
    return repr(round(rng.uniform(-1000, 1000), rng.randint(0, 3)))


def points(rng: random.Random) -> str:
    return f"({_num(rng)},{_num(rng)})"


def lines(rng: random.Random) -> str:
    a, b = rng.choice([(0.0, 1.0), (1.0, 0.0), (rng.uniform(-5, 5), rng.uniform(-5, 5))])
    return "{" + f"{round(a, 3)},{round(b, 3) or 1.0},{_num(rng)}" + "}"


def lsegs(rng: random.Random) -> str:
    return f"[{points(rng)},{points(rng)}]"


def boxes(rng: random.Random) -> str:
    return f"{points(rng)},{points(rng)}"


def paths(rng: random.Random) -> str:
    pts = ",".join(points(rng) for _ in range(rng.randint(1, 5)))
    return f"[{pts}]" if rng.random() < 0.5 else f"({pts})"


def polygons(rng: random.Random) -> str:
    return "(" + ",".join(points(rng) for _ in range(rng.randint(1, 5))) + ")"


def circles(rng: random.Random) -> str:
    return f"<{points(rng)},{abs(float(_num(rng)))}>"


def enums(rng: random.Random) -> str:
    return rng.choice(["sad", "ok", "happy", "with space", "Ünï"])


def tsvectors(rng: random.Random) -> str:
    return " ".join(
        rng.choice(["a", "fat", "cat", "sat:2", "mat:3A", "'quoted word'"]) for _ in range(rng.randint(0, 4))
    )


def oids(rng: random.Random) -> str:
    return str(rng.choice([0, 1, 2**32 - 1, rng.randint(0, 2**32 - 1)]))


def pg_lsns(rng: random.Random) -> str:
    return f"{rng.randint(0, 2**32 - 1):X}/{rng.randint(0, 2**32 - 1):X}"


SETUP = [
    "CREATE EXTENSION IF NOT EXISTS hstore",
    "CREATE EXTENSION IF NOT EXISTS ltree",
    "CREATE EXTENSION IF NOT EXISTS citext",
]

SCHEMA_SETUP = [
    "CREATE TYPE {s}.mood AS ENUM ('sad', 'ok', 'happy', 'with space', 'Ünï')",
    "CREATE DOMAIN {s}.posint AS integer CHECK (VALUE > 0)",
    "CREATE DOMAIN {s}.email AS text",
    "CREATE DOMAIN {s}.price AS numeric(10,2)",
    "CREATE DOMAIN {s}.moment AS timestamptz",
]

TYPES: list[ColumnType] = [
    # numeric
    ColumnType("numeric", "smallint", ints(16)),
    ColumnType("numeric", "integer", ints(32)),
    ColumnType("numeric", "bigint", ints(64)),
    ColumnType("numeric", "real", floats(True)),
    ColumnType("numeric", "double precision", floats(False)),
    ColumnType("numeric", "numeric(12,4)", numerics(12, 4)),
    ColumnType("numeric", "numeric(38,0)", numerics(38, 0)),
    ColumnType("numeric", "numeric", numerics(None, 0)),
    ColumnType("numeric", "boolean", lambda r: r.choice(["true", "false"])),
    ColumnType("money", "money", money),
    ColumnType("numeric", "oid", oids),
    # temporal
    ColumnType("temporal", "date", dates),
    ColumnType("temporal", "time", times),
    ColumnType("temporal", "time(0)", times),
    ColumnType("temporal", "time(3)", times),
    ColumnType("temporal", "timetz", timetzs),
    ColumnType("temporal", "timestamp", timestamps),
    ColumnType("temporal", "timestamp(3)", timestamps),
    ColumnType("temporal", "timestamp(0)", timestamps),
    ColumnType("temporal", "timestamptz", timestamptzs),
    ColumnType("temporal", "timestamptz(3)", timestamptzs),
    ColumnType("interval", "interval", intervals),
    # text
    ColumnType("text", "text", texts()),
    ColumnType("text", "varchar(40)", texts(40)),
    ColumnType("text", "character varying", texts()),
    ColumnType("text", "char(5)", chars(5)),
    ColumnType("text", "character", chars(1)),
    ColumnType("text", '"char"', lambda r: r.choice(string.ascii_letters)),
    ColumnType("text", "name", texts(20)),
    ColumnType("text", "citext", texts(20)),
    # binary, uuid, json, xml
    ColumnType("binary", "bytea", bytea),
    ColumnType("uuid", "uuid", uuids),
    ColumnType("json", "json", jsons),
    ColumnType("json", "jsonb", jsons),
    ColumnType("json", "xml", xmls),
    # network
    ColumnType("network", "inet", inets),
    ColumnType("network", "cidr", cidrs),
    ColumnType("network", "macaddr", macaddrs(6)),
    ColumnType("network", "macaddr8", macaddrs(8)),
    # bit strings
    ColumnType("bit", "bit(1)", bits(1)),
    ColumnType("bit", "bit(8)", bits(8)),
    ColumnType("bit", "bit(20)", bits(20)),
    ColumnType("bit", "varbit(16)", varbits(16)),
    ColumnType("bit", "bit varying", bits(None)),
    # ranges
    ColumnType("range", "int4range", ranges(lambda r: str(r.randint(-1000, 1000)))),
    ColumnType("range", "int8range", ranges(lambda r: str(r.randint(-(2**40), 2**40)))),
    ColumnType("range", "numrange", ranges(lambda r: f"{r.randint(-999, 999)}.{r.randint(0, 99)}")),
    ColumnType("range", "tsrange", ranges(_plain_ts)),
    ColumnType("range", "tstzrange", ranges(lambda r: _plain_ts(r) + _offset(r))),
    ColumnType("range", "daterange", ranges(_plain_date)),
    # extensions
    ColumnType("hstore", "hstore", hstores),
    ColumnType("ltree", "ltree", ltrees),
    # geometric
    ColumnType("geometric", "point", points),
    ColumnType("geometric", "line", lines),
    ColumnType("geometric", "lseg", lsegs),
    ColumnType("geometric", "box", boxes),
    ColumnType("geometric", "path", paths),
    ColumnType("geometric", "polygon", polygons),
    ColumnType("geometric", "circle", circles),
    # user-defined
    ColumnType("enum", "{s}.mood", enums),
    ColumnType("domain", "{s}.posint", lambda r: str(r.randint(1, 2**31 - 1))),
    ColumnType("domain", "{s}.email", texts(30)),
    ColumnType("domain", "{s}.price", numerics(10, 2)),
    ColumnType("domain", "{s}.moment", timestamptzs),
    # what Debezium has no mapping for
    ColumnType("unknown", "tsvector", tsvectors),
    ColumnType("unknown", "pg_lsn", pg_lsns),
]


@dataclass
class Table:
    name: str
    family: str
    columns: list[tuple[str, str, Gen]]  # name, SQL type, generator (arrays generate lists)
    key: list[str] = field(default_factory=lambda: ["id"])
    identity: str = "DEFAULT"

    def ddl(self, schema: str) -> list[str]:
        cols = [f"{name} {sql}" for name, sql, _ in self.columns]
        pk = f", PRIMARY KEY ({', '.join(self.key)})" if self.key else ""
        out = [f"CREATE TABLE {schema}.{self.name} ({', '.join(cols)}{pk})"]
        if self.identity != "DEFAULT":
            out.append(f"ALTER TABLE {schema}.{self.name} REPLICA IDENTITY {self.identity}")
        return out


def _array_gen(element: Gen, sql: str) -> Gen:
    def gen(rng: random.Random) -> str:
        if rng.random() < 0.1:
            return f"'{{}}'::{sql}[]"
        items = ["NULL" if rng.random() < 0.15 else f"{quote(element(rng))}::{sql}" for _ in range(rng.randint(1, 4))]
        return f"ARRAY[{', '.join(items)}]::{sql}[]"

    return gen


def _scalar_gen(element: Gen, sql: str) -> Gen:
    return lambda rng: f"{quote(element(rng))}::{sql}"


class Workload:
    """The generated SQL of one run: `setup`, `snapshot` (rows read by the snapshot) and `streaming` transactions."""

    def __init__(self, schema: str, seed: int, rows_per_table: int = 20, transactions: int = 200) -> None:
        self.schema = schema
        self.seed = seed
        self.rng = random.Random(seed)
        self.rows_per_table = rows_per_table
        self.transactions = transactions
        self.tables = self._family_tables() + self._operation_tables()
        self._next_id: dict[str, int] = {t.name: 1 for t in self.tables}
        self._live: dict[str, list[int]] = {t.name: [] for t in self.tables}

    # -- schema -------------------------------------------------------------------------------
    def _family_tables(self) -> list[Table]:
        tables: dict[str, Table] = {}
        for i, ctype in enumerate(TYPES):
            sql = ctype.sql.format(s=self.schema)
            table = tables.setdefault(ctype.family, Table(f"f_{ctype.family}", ctype.family, [("id", "bigint", None)]))
            column = f"c{i}_{ctype.slug.split('__')[-1]}"[:40]
            table.columns.append((column, sql, _scalar_gen(ctype.gen, sql)))
            if ctype.array:
                table.columns.append((f"{column}_arr", sql + "[]", _array_gen(ctype.gen, sql)))
        return list(tables.values())

    def _operation_tables(self) -> list[Table]:
        text = _scalar_gen(texts(), "text")
        num = _scalar_gen(numerics(12, 4), "numeric(12,4)")
        ts = _scalar_gen(timestamptzs, "timestamptz")
        big = _scalar_gen(lambda r: "".join(r.choices(string.ascii_letters, k=r.randint(3000, 9000))), "text")
        return [
            Table("ops_pk", "operations", [("id", "integer", None), ("v", "text", text), ("n", "numeric(12,4)", num)]),
            Table(
                "ops_composite",
                "operations",
                [("a", "integer", None), ("b", "text", None), ("v", "timestamptz", ts)],
                key=["a", "b"],
            ),
            Table(
                "ops_full",
                "operations",
                [("id", "integer", None), ("v", "text", text), ("n", "numeric(12,4)", num), ("t", "timestamptz", ts)],
                identity="FULL",
            ),
            Table("ops_nothing", "operations", [("id", "integer", None), ("v", "text", text)], identity="NOTHING"),
            Table(
                "ops_keyless_full",
                "operations",
                [("id", "integer", None), ("v", "text", text)],
                key=[],
                identity="FULL",
            ),
            Table("ops_keyless", "operations", [("id", "integer", None), ("v", "text", text)], key=[]),
            Table(
                "ops_index",
                "operations",
                [("id", "integer", None), ("u", "integer NOT NULL", None), ("v", "text", text)],
            ),
            Table("ops_truncated", "operations", [("id", "integer", None), ("v", "text", text)]),
            Table(
                "toast",
                "toast",
                [
                    ("id", "integer", None),
                    ("small", "integer", _scalar_gen(ints(32), "integer")),
                    ("big", "text", big),
                    ("bigb", "bytea", _scalar_gen(bytea, "bytea")),
                ],
            ),
            Table(
                "toast_full",
                "toast",
                [("id", "integer", None), ("small", "integer", _scalar_gen(ints(32), "integer")), ("big", "text", big)],
                identity="FULL",
            ),
        ]

    def setup(self) -> list[str]:
        s = self.schema
        out = [f"CREATE SCHEMA {s}", *SETUP, *(stmt.format(s=s) for stmt in SCHEMA_SETUP)]
        for table in self.tables:
            out += table.ddl(s)
        out.append(f"CREATE UNIQUE INDEX ops_index_u ON {s}.ops_index (u)")
        out.append(f"ALTER TABLE {s}.ops_index REPLICA IDENTITY USING INDEX ops_index_u")
        out.append(f"ALTER TABLE {s}.toast ALTER COLUMN big SET STORAGE EXTERNAL")
        out.append(f"ALTER TABLE {s}.toast_full ALTER COLUMN big SET STORAGE EXTERNAL")
        out.append(f"CREATE TABLE {s}.zz_end (id integer PRIMARY KEY)")
        return out

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)

    def float32_columns(self) -> frozenset[str]:
        return frozenset(name for table in self.tables for name, sql, _ in table.columns if sql.split("[")[0] == "real")

    def column_families(self) -> dict[str, str]:
        """Column name → type family, for the typed columns (array columns count as `array`)."""
        return {
            name: ("array" if name.endswith("_arr") else table.family)
            for table in self.tables
            if table.name.startswith("f_")
            for name, _sql, gen in table.columns
            if gen is not None
        }

    # -- rows ---------------------------------------------------------------------------------
    def _values(self, table: Table, row_id: int) -> dict[str, str]:
        rng = self.rng
        values: dict[str, str] = {}
        for name, _sql, gen in table.columns:
            if gen is None:
                values[name] = self._key_value(table, name, row_id)
            else:
                values[name] = "NULL" if rng.random() < 0.1 and "NOT NULL" not in _sql else gen(rng)
        return values

    @staticmethod
    def _key_value(table: Table, column: str, row_id: int) -> str:
        if column == "b":
            return quote(f"k{row_id}")
        if column == "u":
            return str(row_id * 10)
        return str(row_id)

    def insert(self, name: str) -> str:
        table = self.table(name)
        row_id = self._next_id[name]
        self._next_id[name] += 1
        self._live[name].append(row_id)
        values = self._values(table, row_id)
        return f"INSERT INTO {self.schema}.{name} ({', '.join(values)}) VALUES ({', '.join(values.values())})"

    def _where(self, table: Table, row_id: int) -> str:
        keys = table.key or ["id"]
        return " AND ".join(f"{k} = {self._key_value(table, k, row_id)}" for k in keys)

    def update(self, name: str) -> str | None:
        table = self.table(name)
        if not self._live[name]:
            return None
        row_id = self.rng.choice(self._live[name])
        settable = [c for c in table.columns if c[2] is not None]
        chosen = self.rng.sample(settable, k=self.rng.randint(1, min(3, len(settable))))
        values = self._values(table, row_id)
        sets = ", ".join(f"{c[0]} = {values[c[0]]}" for c in chosen)
        return f"UPDATE {self.schema}.{name} SET {sets} WHERE {self._where(table, row_id)}"

    def change_key(self, name: str) -> str | None:
        table = self.table(name)
        if not self._live[name]:
            return None
        old = self.rng.choice(self._live[name])
        new = self._next_id[name]
        self._next_id[name] += 1
        self._live[name].remove(old)
        self._live[name].append(new)
        sets = ", ".join(f"{k} = {self._key_value(table, k, new)}" for k in (table.key or ["id"]))
        return f"UPDATE {self.schema}.{name} SET {sets} WHERE {self._where(table, old)}"

    def delete(self, name: str) -> str | None:
        table = self.table(name)
        if not self._live[name]:
            return None
        row_id = self.rng.choice(self._live[name])
        self._live[name].remove(row_id)
        return f"DELETE FROM {self.schema}.{name} WHERE {self._where(table, row_id)}"

    # -- phases -------------------------------------------------------------------------------
    def snapshot(self) -> list[str]:
        """Rows present before the connectors start (read by their snapshots)."""
        out = []
        for table in self.tables:
            count = self.rows_per_table if table.family != "toast" else 3
            out += [self.insert(table.name) for _ in range(count)]
        return out

    def streaming(self) -> list[list[str]]:
        """Transactions run while both connectors stream: every operation, mixed across tables."""
        rng = self.rng
        s = self.schema
        updatable = [t.name for t in self.tables if t.identity != "NOTHING" and (t.key or t.identity == "FULL")]
        keyed = [t.name for t in self.tables if t.key]
        inserts_only = [t.name for t in self.tables if t.name not in updatable]
        transactions: list[list[str]] = []
        for i in range(self.transactions):
            statements: list[str] = []
            for _ in range(rng.choice([1, 1, 1, 2, 3, 5])):
                roll = rng.random()
                if roll < 0.4:
                    stmt: str | None = self.insert(rng.choice(updatable + inserts_only))
                elif roll < 0.7:
                    stmt = self.update(rng.choice(updatable))
                elif roll < 0.8:
                    stmt = self.change_key(rng.choice([t for t in keyed if t in updatable]))
                elif roll < 0.93:
                    stmt = self.delete(rng.choice(updatable))
                else:
                    transactional = rng.random() < 0.5
                    stmt = (
                        f"SELECT pg_logical_emit_message({str(transactional).lower()}, "
                        f"{quote('prefix-' + str(rng.randint(0, 3)))}, {quote(texts(20)(rng))})"
                    )
                if stmt is not None:
                    statements.append(stmt)
            if i % 50 == 25:
                statements.append(f"TRUNCATE {s}.ops_truncated")
                self._live["ops_truncated"] = []
            if statements:
                transactions.append(statements)
        transactions.append([f"INSERT INTO {s}.zz_end VALUES (1)"])
        return transactions
