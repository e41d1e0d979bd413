"""A REST conversation played against two Kafka Connect workers and compared step by step.

Each side has its own connector names, topics and files; both are written `<placeholders>` in the
steps and put back to placeholders in the answers, so answers compare as values where they should
be equal (states, types, error codes, configs) and as shapes elsewhere (traces, worker ids, messages).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx

View = Callable[[Any], Any]
TRANSIENT = {"UNASSIGNED", "RESTARTING"}
EXACT_STRINGS = {"state", "type"}  # compared as values; other strings as "str"
EXACT_NUMBERS = {"error_code", "id", "task", "kafka_partition"}


@dataclass(frozen=True)
class Step:
    label: str
    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    body: Any = None
    raw: bytes | None = None  # sent as is (a body that is not JSON)
    view: View | None = None  # what of the answer is compared; default: `shape`
    settle: str | None = None  # placeholder of a connector whose status is compared once it settles


@dataclass(frozen=True)
class Observation:
    status: int
    body: Any


@dataclass
class Side:
    label: str
    client: httpx.Client
    names: dict[str, str]  # placeholder -> this side's value
    log: list[str] = field(default_factory=list)

    def fill(self, value: Any) -> Any:
        """`value` with every placeholder replaced by this side's value."""
        return _strings(value, self._fill)

    def unfill(self, value: Any) -> Any:
        """`value` with this side's values put back to placeholders (longest first: names contain the topic)."""
        return _strings(value, self._unfill)

    def _fill(self, text: str) -> str:
        for placeholder, actual in self.names.items():
            text = text.replace(placeholder, actual)
        return text

    def _unfill(self, text: str) -> str:
        for placeholder, actual in sorted(self.names.items(), key=lambda kv: -len(kv[1])):
            text = text.replace(actual, placeholder)
        return text

    def send(self, step: Step) -> httpx.Response:
        kwargs: dict[str, Any] = {"params": [(k, self.fill(v)) for k, v in step.query]}
        if step.raw is not None:
            kwargs |= {"content": step.raw, "headers": {"content-type": "application/json"}}
        elif step.body is not None:
            kwargs["json"] = self.fill(step.body)
        response = self.client.request(step.method, self.fill(step.path), **kwargs)
        self.log.append(f"{step.method} {response.request.url} -> {response.status_code} {response.text[:300]}")
        return response

    def observe(self, step: Step) -> Observation:
        response = self.send(step)
        body: Any = None
        if response.content:
            try:
                body = self.unfill(response.json())
            except ValueError:
                body = "<not json>"
        return Observation(response.status_code, (step.view or shape)(body) if body is not None else None)

    def settled_status(self, connector: str, timeout: float = 30.0) -> Observation:
        """The connector's status once two reads in a row agree and nothing is UNASSIGNED or RESTARTING."""
        step = Step(f"status of {connector}", "GET", f"/connectors/{connector}/status", view=states)
        last: Observation | None = None
        deadline = time.monotonic() + timeout
        while True:
            seen = self.observe(step)
            stable = seen == last and not (TRANSIENT & set(_flatten(seen.body)))
            if stable or time.monotonic() > deadline:
                return seen
            last = seen
            time.sleep(0.15)


def _strings(value: Any, change: Callable[[str], str]) -> Any:
    """`value` (JSON) with `change` applied to every string in it, keys included."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, dict):
        return {change(k): _strings(v, change) for k, v in value.items()}
    if isinstance(value, list):
        return [_strings(v, change) for v in value]
    return value


def _flatten(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in _flatten(v)]
    if isinstance(value, list | tuple):
        return [x for v in value for x in _flatten(v)]
    return [value]


def shape(value: Any, key: str = "") -> Any:
    """The structure of an answer: keys and types, with states, types, ids and error codes as values;
    a connector config compares as its (placeholder) content."""
    if isinstance(value, dict):
        if key == "config":
            return dict(sorted(value.items()))
        return {k: shape(v, k) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [shape(v, key) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return value if key in EXACT_NUMBERS else type(value).__name__
    return value if key in EXACT_STRINGS else "str"


def states(body: Any) -> Any:
    """A status answer as the states of the connector and each task (plus whether each has a trace)."""
    if not isinstance(body, dict) or "connector" not in body:
        return shape(body)
    return {
        "connector": body["connector"].get("state"),
        "tasks": [(t.get("id"), t.get("state"), "trace" in t) for t in body.get("tasks", [])],
        "type": body.get("type"),
    }


def only(placeholders: set[str], inner: View = shape) -> View:
    """For answers keyed or listed by connector name: just this conversation's connectors (the anchor is
    shared with other tests)."""

    def view(body: Any) -> Any:
        if isinstance(body, dict):
            return {k: inner(v) for k, v in sorted(body.items()) if k in placeholders}
        if isinstance(body, list):
            return sorted(v for v in body if v in placeholders)
        return shape(body)

    return view


def error_keys(body: Any) -> Any:
    """A validate answer as its top-level shape and the set of keys with errors."""
    if not isinstance(body, dict) or "configs" not in body:
        return shape(body)
    failing = sorted(c["value"]["name"] for c in body["configs"] if c["value"]["errors"])
    return {"keys": sorted(body), "error_count>0": body["error_count"] > 0, "failing": failing}


def definitions(body: Any) -> Any:
    """A plugin's config definition: the fields of its entries and which of the usual keys it declares (each
    worker documents its own keys its own way)."""
    if not isinstance(body, list):
        return shape(body)
    usual = {"name", "connector.class", "tasks.max", "key.converter", "transforms", "file", "topic", "topics"}
    return {"fields": sorted({tuple(sorted(k)) for k in body}), "declares": sorted(usual & {k["name"] for k in body})}


def entries(body: Any) -> Any:
    """A list whose length may differ between workers (plugins, config keys): the set of entry shapes."""
    if not isinstance(body, list):
        return shape(body)
    return sorted({repr(shape(v)) for v in body})


@dataclass(frozen=True)
class Difference:
    """A place where we answer differently from Kafka Connect on purpose: its status code and ours (equal
    when the bodies differ; unused for a settled status)."""

    connect: int
    ours: int
    why: str


def compare(
    steps: list[Step], anchor: Side, ours: Side, differences: Mapping[str, Difference]
) -> tuple[list[str], set[str]]:
    """Play `steps` on both sides; the mismatches not listed in `differences`, and the listed labels seen."""
    problems: list[str] = []
    seen: set[str] = set()
    with ThreadPoolExecutor(2) as pool:  # both sides at once: the step count, not the sum, sets the duration
        for step in steps:
            problems += _compare_step(pool, step, anchor, ours, differences, seen)
    return problems, seen


def _settled(pool: ThreadPoolExecutor, connector: str, anchor: Side, ours: Side) -> tuple[Observation, Observation]:
    theirs, mine = pool.submit(anchor.settled_status, connector), pool.submit(ours.settled_status, connector)
    return theirs.result(), mine.result()


def _compare_step(
    pool: ThreadPoolExecutor,
    step: Step,
    anchor: Side,
    ours: Side,
    differences: Mapping[str, Difference],
    seen: set[str],
) -> list[str]:
    problems = []
    theirs_future, mine_future = pool.submit(anchor.observe, step), pool.submit(ours.observe, step)
    theirs, mine = theirs_future.result(), mine_future.result()
    listed = differences.get(step.label)
    if listed is not None:
        seen.add(step.label)
        if (theirs.status, mine.status) != (listed.connect, listed.ours):
            problems.append(
                f"{step.label}: listed as {listed.connect}/{listed.ours}, got {theirs.status}/{mine.status}"
            )
        elif listed.connect == listed.ours and theirs == mine:  # listed for its body, which now agrees
            problems.append(f"{step.label}: listed as a difference, but both answered {mine}")
    elif theirs != mine:
        problems.append(f"{step.label}:\n  connect: {theirs}\n  sluice:  {mine}")
    if step.settle is not None:
        after_theirs, after_mine = _settled(pool, step.settle, anchor, ours)
        if after_theirs != after_mine:  # a state two reads agreed on may still move (RUNNING, then FAILED)
            time.sleep(1)
            after_theirs, after_mine = _settled(pool, step.settle, anchor, ours)
        label = f"{step.label} (settled status)"
        if label in differences:
            seen.add(label)
            if after_theirs == after_mine:
                problems.append(f"{label}: listed as a difference, but both settled on {after_mine}")
        elif after_theirs != after_mine:
            problems.append(f"{label}:\n  connect: {after_theirs}\n  sluice:  {after_mine}")
    return problems
