"""REST conformance: one Kafka Connect REST conversation against the real Kafka Connect 4.1.1 worker and ours.

Both workers run the FileStream connectors by their Kafka Connect class names (ours resolves them as
aliases of its file connectors). The conversation covers every endpoint and documented query
parameter, on connectors RUNNING, PAUSED, STOPPED and with a FAILED task, and on missing connectors
and tasks: fixed sections, then a seeded walk over (state, action) pairs on a sink connector. Each
answer is compared as status code, JSON shape, and the states the connector settles in afterwards.
Where we answer differently on purpose, DIFFERENCES says so and why; a listed difference that stops
happening fails the test too, so the list stays true.

The anchor worker is shared (the Debezium conformance tests use it): every name here is unique, every
connector is deleted, and the only worker-wide change, a logger level, is on a logger of our own.
"""

from __future__ import annotations

import random
from pathlib import Path

import httpx
import pytest

from tests.support.conversation import (
    Difference,
    Side,
    Step,
    compare,
    definitions,
    entries,
    error_keys,
    only,
    shape,
)
from tests.support.kafka import produce, wait_until

SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"
SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector"
STRINGS = "org.apache.kafka.connect.storage.StringConverter"
CONNECTORS = {"<src>", "<sink>", "<paused>", "<trimmed>"}
RECORDS = 5
SEED = 28  # the walk is generated, but the same in every run

# -- where we differ on purpose (step label -> Kafka Connect's status, ours, why) ------------------------
CLIENT_ERROR = "Kafka Connect answers 500 to a client's mistake; we answer 4xx naming it"
DIFFERENCES = {
    "GET /health": Difference(200, 200, "ours adds connectors and tasks counted per state"),
    "validate: no connector.class": Difference(500, 400, CLIENT_ERROR + " (the missing 'connector.class')"),
    "validate: body is a list": Difference(500, 400, CLIENT_ERROR),
    "create: body is not JSON": Difference(500, 400, CLIENT_ERROR),
    "create: no config": Difference(500, 400, CLIENT_ERROR),
    "create: unknown initial_state": Difference(500, 400, CLIENT_ERROR),
    "missing connector: POST restart": Difference(500, 404, CLIENT_ERROR + " (Connect fails on a null config)"),
    "missing connector: POST restart?includeTasks=false&onlyFailed=false": Difference(500, 404, CLIENT_ERROR),
    "missing connector: PUT stop": Difference(500, 404, CLIENT_ERROR),
    "missing connector: POST tasks/0/restart": Difference(500, 404, CLIENT_ERROR),
    "missing connector: GET topics": Difference(200, 404, "Connect invents an empty topic list; there is none"),
    "missing connector: PUT topics/reset": Difference(202, 404, "Connect accepts resetting nothing; there is none"),
    "restart?includeTasks=maybe": Difference(500, 400, "Connect reads any non-'true' boolean as false"),
    "plugins?connectorsOnly=maybe": Difference(200, 400, "Connect reads any non-'true' boolean as false"),
    # A Kafka Connect bug: restarting a task of a STOPPED connector answers 404 but records a FAILED status
    # (a NullPointerException trace) for that task, shown from then on. We answer 404 and record nothing.
    "restart task 0 of a STOPPED connector (settled status)": Difference(0, 0, "Connect shows a phantom FAILED task"),
}
# Not sent to Kafka Connect at all: it creates `a/b` and `../x` and then can never reach or delete them
# (its Jetty refuses an encoded '/'), which would leave them on the shared anchor. We refuse them (400).
OURS_ONLY = [("a/b", 400), ("../x", 400), ("..", 400)]


# Against a worker of a cluster, one more difference that Connect's own distributed workers share: a create
# answers once the config is stored, before the rebalance that brings the tasks.
ASYNC_TASKS = "Connect's standalone worker creates the tasks before answering; a cluster answers with 'tasks': []"
CLUSTER_ONLY = {
    label: Difference(201, 201, ASYNC_TASKS)
    for label in ("create source", "create sink with PUT", "create, trailing NUL trimmed")
}


@pytest.fixture(params=["standalone", "cluster"])
def ours(request) -> tuple[str, dict[str, Difference]]:
    """Our worker, configured as the anchor is (JsonConverter by its Kafka Connect name): a standalone worker,
    or the second worker of a two-worker cluster (writes forwarded to the leader); and the differences to expect."""
    json_converter = "org.apache.kafka.connect.json.JsonConverter"
    props = {"key.converter": json_converter, "value.converter": json_converter, "offset.flush.interval.ms": "1000"}
    if request.param == "standalone":
        return str(request.getfixturevalue("rest_worker")(**props).url), DIFFERENCES
    worker = request.getfixturevalue("cluster_worker")(**props)
    return worker.url, DIFFERENCES | CLUSTER_ONLY


def side(label: str, url: str, unique: str, root: Path) -> Side:
    folder = root / label
    folder.mkdir()
    (folder / "in.txt").write_text("one\ntwo\nthree\n")
    (folder / "bad").mkdir()  # a directory: a sink cannot open it, its task FAILS
    names = {
        "<src.topic>": f"{unique}-out-{label}",
        "<topic>": unique,
        "<src.file>": str(folder / "in.txt"),
        "<sink.file>": str(folder / "out.txt"),
        "<bad.file>": str(folder / "bad"),
        "<logger>": f"sluice.conformance.{unique}",
    }
    names |= {p: f"{unique}-{p.strip('<>')}-{label}" for p in CONNECTORS}
    names["<gone>"] = f"{unique}-gone"
    return Side(label, httpx.Client(base_url=url, timeout=60), names)


def source_config(**extra: str) -> dict[str, str]:
    return {"connector.class": SOURCE, "file": "<src.file>", "topic": "<src.topic>", **extra}


def sink_config(file: str = "<sink.file>", **extra: str) -> dict[str, str]:
    converters = {"key.converter": STRINGS, "value.converter": STRINGS}
    return {"connector.class": SINK, "file": file, "topics": "<topic>", **converters, **extra}


def get(label: str, path: str, *query: tuple[str, str], **kw) -> Step:  # type: ignore[no-untyped-def]
    return Step(label, "GET", path, tuple(query), **kw)


# -- the conversation, section by section ---------------------------------------------------------
def worker_and_plugins() -> list[Step]:
    plugin_names = ["FileStreamSource", "FileStreamSourceConnector", SOURCE, "FileStreamSink", SINK]
    return [
        get("GET /", "/"),
        get("GET /health", "/health", view=lambda b: sorted(b) if isinstance(b, dict) else shape(b)),
        *(Step(f"HEAD {p}", "HEAD", p) for p in ("/", "/health", "/connectors", "/connector-plugins")),
        get("plugins", "/connector-plugins", view=entries),
        get("plugins?connectorsOnly=true", "/connector-plugins", ("connectorsOnly", "true"), view=entries),
        get("plugins?connectorsOnly=false", "/connector-plugins", ("connectorsOnly", "false"), view=entries),
        get("plugins?connectorsOnly=maybe", "/connector-plugins", ("connectorsOnly", "maybe"), view=entries),
        *(get(f"plugin config {p}", f"/connector-plugins/{p}/config", view=definitions) for p in plugin_names),
        *(
            get(
                f"plugin config ?version={v}",
                "/connector-plugins/FileStreamSource/config",
                ("version", v),
                view=definitions,
            )
            for v in ("latest", "9.9.9", "[bad", "[1.0,2.0)")
        ),
        get("plugin config of an unknown plugin", "/connector-plugins/NoSuchConnector/config"),
    ]


def validation() -> list[Step]:
    valid = {"name": "<src>", **source_config()}

    def validate(label: str, body: object, plugin: str = "FileStreamSource") -> Step:
        return Step(
            f"validate: {label}", "PUT", f"/connector-plugins/{plugin}/config/validate", body=body, view=error_keys
        )

    return [
        validate("valid", valid),
        validate("valid, by the full class name", valid, SOURCE),
        validate("missing topic", {k: v for k, v in valid.items() if k != "topic"}),
        validate("missing name", {k: v for k, v in valid.items() if k != "name"}),
        validate("unknown key.converter", {**valid, "key.converter": "os.system"}),
        validate("unknown value.converter", {**valid, "value.converter": "NoSuchConverter"}),
        validate("unknown header.converter", {**valid, "header.converter": "os.system"}),
        validate("unknown transform", {**valid, "transforms": "t", "transforms.t.type": "os.system"}),
        validate("tasks.max not a number", {**valid, "tasks.max": "many"}),
        validate("errors.tolerance invalid", {**valid, "errors.tolerance": "maybe"}),
        validate("name with a control character", {**valid, "name": "p\u0001q"}),
        validate("empty name", {**valid, "name": ""}),
        validate("another plugin than the path", valid, "FileStreamSink"),
        validate("no connector.class", {k: v for k, v in valid.items() if k != "connector.class"}),
        validate("body is a list", ["a"]),
    ]


def missing() -> list[Step]:
    base = "/connectors/<gone>"
    steps = [
        *(
            get(f"missing connector: GET {p or 'info'}", f"{base}/{p}".rstrip("/"))
            for p in ("", "config", "status", "tasks", "topics")
        ),
        get("missing connector: GET offsets", f"{base}/offsets"),
        get("missing connector: GET tasks/0/status", f"{base}/tasks/0/status"),
        get("missing task number: GET tasks/x/status", f"{base}/tasks/x/status"),
        *(Step(f"missing connector: PUT {a}", "PUT", f"{base}/{a}") for a in ("pause", "resume", "stop")),
        Step("missing connector: PUT topics/reset", "PUT", f"{base}/topics/reset"),
        Step("missing connector: POST restart", "POST", f"{base}/restart"),
        Step("missing connector: POST tasks/0/restart", "POST", f"{base}/tasks/0/restart"),
        Step("missing connector: DELETE", "DELETE", base),
        Step("missing connector: DELETE offsets", "DELETE", f"{base}/offsets"),
        Step("missing connector: PATCH config", "PATCH", f"{base}/config", body={"a": "b"}),
        Step(
            "missing connector: PATCH offsets",
            "PATCH",
            f"{base}/offsets",
            body={"offsets": [{"partition": {}, "offset": {}}]},
        ),
    ]
    for include in ("true", "false"):
        for failed in ("true", "false"):
            query = (("includeTasks", include), ("onlyFailed", failed))
            label = f"missing connector: POST restart?includeTasks={include}&onlyFailed={failed}"
            steps.append(Step(label, "POST", f"{base}/restart", query))
    steps.append(Step("restart?includeTasks=maybe", "POST", f"{base}/restart", (("includeTasks", "maybe"),)))
    return steps


def create(label: str, body: dict[str, object], settle: str | None = None) -> Step:
    return Step(label, "POST", "/connectors", body=body, settle=settle)


def creation_errors() -> list[Step]:
    return [
        Step("create: body is not JSON", "POST", "/connectors", raw=b"{not json"),
        create("create: no config", {"name": "<gone>"}),
        create("create: no name", {"config": source_config()}),
        create("create: empty name", {"name": " ", "config": source_config()}),
        create("create: name with a control character", {"name": "p\u0001q", "config": source_config()}),
        create("create: unknown initial_state", {"name": "<gone>", "config": {}, "initial_state": "BOGUS"}),
        create("create: unknown class", {"name": "<gone>", "config": {"connector.class": "Nope"}}),
        create("create: invalid config", {"name": "<gone>", "config": {"connector.class": SOURCE}}),
        Step("PUT config: name differs", "PUT", "/connectors/<gone>/config", body={**source_config(), "name": "other"}),
    ]


def lifecycle() -> list[Step]:
    """The two connectors the walk and the offsets sections use, created and read every way."""
    expand = [("expand", "status"), ("expand", "info")]
    return [
        create("create source", {"name": "<src>", "config": source_config()}, settle="<src>"),
        Step("create sink with PUT", "PUT", "/connectors/<sink>/config", body=sink_config(), settle="<sink>"),
        create("create again: 409", {"name": "<src>", "config": source_config()}),
        create("create, trailing NUL trimmed", {"name": "<trimmed>\u0000", "config": source_config()}, "<trimmed>"),
        Step("delete the trimmed one", "DELETE", "/connectors/<trimmed>"),
        get("list", "/connectors", view=only(CONNECTORS)),
        get("list ?expand=status", "/connectors", expand[0], view=only(CONNECTORS)),
        get("list ?expand=info", "/connectors", expand[1], view=only(CONNECTORS)),
        get("list ?expand=status&expand=info", "/connectors", *expand, view=only(CONNECTORS)),
        get("list ?expand=bogus", "/connectors", ("expand", "bogus"), view=only(CONNECTORS)),
        *(get(f"source: GET {p or 'info'}", f"/connectors/<src>{p}") for p in ("", "/config", "/status")),
        get("source: GET tasks", "/connectors/<src>/tasks", view=lambda b: [sorted(t) for t in b]),
        get("source: GET tasks/0/status", "/connectors/<src>/tasks/0/status"),
        get("source: GET tasks/7/status (no such task)", "/connectors/<src>/tasks/7/status"),
        get("source: GET topics", "/connectors/<src>/topics"),
        get("source: GET offsets", "/connectors/<src>/offsets"),
        get("sink: GET offsets", "/connectors/<sink>/offsets"),
        get("sink: GET topics", "/connectors/<sink>/topics"),
        Step("sink: PUT topics/reset", "PUT", "/connectors/<sink>/topics/reset"),
        get("sink: GET topics after the reset", "/connectors/<sink>/topics"),
    ]


def loggers() -> list[Step]:
    return [
        get("loggers", "/admin/loggers", view=only({"root", "<logger>"})),
        get("logger root", "/admin/loggers/root"),
        get("logger that does not exist", "/admin/loggers/<logger>"),
        Step("set a logger level", "PUT", "/admin/loggers/<logger>", body={"level": "DEBUG"}),
        get("logger after setting it", "/admin/loggers/<logger>"),
        Step(
            "set a level, scope=cluster",
            "PUT",
            "/admin/loggers/<logger>",
            (("scope", "cluster"),),
            body={"level": "warn"},
        ),
        Step(
            "set a level, unknown scope",
            "PUT",
            "/admin/loggers/<logger>",
            (("scope", "galaxy"),),
            body={"level": "INFO"},
        ),
        Step("set an unknown level", "PUT", "/admin/loggers/<logger>", body={"level": "LOUD"}),
        Step("set no level", "PUT", "/admin/loggers/<logger>", body={}),
    ]


# The walk: actions on the sink, each allowed where both workers define the outcome alike.
ACTIONS: dict[str, Step] = {
    "pause": Step("pause", "PUT", "/connectors/<sink>/pause"),
    "resume": Step("resume", "PUT", "/connectors/<sink>/resume"),
    "stop": Step("stop", "PUT", "/connectors/<sink>/stop"),
    "restart": Step("restart", "POST", "/connectors/<sink>/restart"),
    "restart task 0": Step("restart task 0", "POST", "/connectors/<sink>/tasks/0/restart"),
    "break": Step("break", "PUT", "/connectors/<sink>/config", body=sink_config("<bad.file>")),
    "fix": Step("fix", "PUT", "/connectors/<sink>/config", body=sink_config()),
    "patch": Step("patch", "PATCH", "/connectors/<sink>/config", body={"comment": "patched"}),
    "topics reset": Step("topics reset", "PUT", "/connectors/<sink>/topics/reset"),
    "alter offsets": Step(
        "alter offsets",
        "PATCH",
        "/connectors/<sink>/offsets",
        body={
            "offsets": [{"partition": {"kafka_topic": "<topic>", "kafka_partition": 0}, "offset": {"kafka_offset": 1}}]
        },
    ),
}
for include in ("true", "false"):
    for failed in ("true", "false"):
        ACTIONS[f"restart?includeTasks={include}&onlyFailed={failed}"] = Step(
            "restart", "POST", "/connectors/<sink>/restart", (("includeTasks", include), ("onlyFailed", failed))
        )
READS = [
    get("info", "/connectors/<sink>"),
    get("tasks", "/connectors/<sink>/tasks", view=lambda b: [sorted(t) for t in b] if isinstance(b, list) else b),
    get("task 0 status", "/connectors/<sink>/tasks/0/status"),
    get("offsets", "/connectors/<sink>/offsets", view=lambda b: shape(b)),
]


def walk(rng: random.Random, length: int) -> list[Step]:
    """A seeded walk over the sink's states (target state, and whether its task FAILS), taking each allowed
    (state, action) pair once where it can: a fresh pair that stays in the state first, else a fresh pair (then
    any move) to the state with the most pairs left, else any allowed action."""
    position = ("RUNNING", False)
    taken: set[tuple[tuple[str, bool], str]] = set()
    steps: list[Step] = []
    for _ in range(length):
        allowed = [a for a in ACTIONS if not _diverges(*position, a)]
        fresh = [a for a in allowed if (position, a) not in taken]
        staying = [a for a in fresh if _next(position, a) == position]
        if staying:
            action = rng.choice(staying)
        else:
            left = {s: sum((s, a) not in taken for a in ACTIONS if not _diverges(*s, a)) for s in _STATES}
            moves = fresh or [a for a in allowed if left[_next(position, a)] and _next(position, a) != position]
            action = max(moves, key=lambda a: left[_next(position, a)]) if moves else rng.choice(allowed)
        label = _label(position)
        if (position, "reads") not in taken:
            taken.add((position, "reads"))
            steps += [Step(f"{label}: {r.label}", r.method, r.path, r.query, view=r.view) for r in READS]
        taken.add((position, action))
        template = ACTIONS[action]
        steps.append(
            Step(f"{label} -> {action}", template.method, template.path, template.query, template.body, settle="<sink>")
        )
        position = _next(position, action)
    return steps


_STATES = [(t, b) for t in ("RUNNING", "PAUSED", "STOPPED") for b in (False, True)]


def _next(position: tuple[str, bool], action: str) -> tuple[str, bool]:
    target, broken = position
    return (
        {"pause": "PAUSED", "resume": "RUNNING", "stop": "STOPPED"}.get(action, target),
        {"break": True, "fix": False}.get(action, broken),
    )


def _label(position: tuple[str, bool]) -> str:
    target, broken = position
    if not broken:
        return target
    return f"{target} (config broken)" if target == "STOPPED" else f"{target}+FAILED task"


def _diverges(target: str, broken: bool, action: str) -> bool:
    """The pair listed in DIFFERENCES (played once, in `divergent()`): the walk would part there."""
    return target == "STOPPED" and action == "restart task 0"


def divergent() -> list[Step]:
    return [
        create("create PAUSED", {"name": "<paused>", "config": sink_config(), "initial_state": "PAUSED"}, "<paused>"),
        Step("resume the one created PAUSED", "PUT", "/connectors/<paused>/resume", settle="<paused>"),
        Step("stop it", "PUT", "/connectors/<paused>/stop", settle="<paused>"),
        Step("pause a STOPPED connector", "PUT", "/connectors/<paused>/pause", settle="<paused>"),
        Step("resume it again", "PUT", "/connectors/<paused>/resume", settle="<paused>"),
        Step("pause it", "PUT", "/connectors/<paused>/pause", settle="<paused>"),
        Step(
            "break while PAUSED",
            "PUT",
            "/connectors/<paused>/config",
            body=sink_config("<bad.file>"),
            settle="<paused>",
        ),
        Step("resume the broken one", "PUT", "/connectors/<paused>/resume", settle="<paused>"),
        Step("pause the broken one", "PUT", "/connectors/<paused>/pause", settle="<paused>"),
        Step("restart the FAILED task while PAUSED", "POST", "/connectors/<paused>/tasks/0/restart", settle="<paused>"),
        Step("stop it again", "PUT", "/connectors/<paused>/stop", settle="<paused>"),
        Step(
            "restart task 0 of a STOPPED connector", "POST", "/connectors/<paused>/tasks/0/restart", settle="<paused>"
        ),
        Step("delete it", "DELETE", "/connectors/<paused>"),
    ]


def source_offsets() -> list[Step]:
    alter = {"offsets": [{"partition": {"filename": "<src.file>"}, "offset": {"position": 4}}]}
    return [
        Step("source: alter offsets while RUNNING", "PATCH", "/connectors/<src>/offsets", body=alter),
        Step("source: reset offsets while RUNNING", "DELETE", "/connectors/<src>/offsets"),
        Step("source: stop", "PUT", "/connectors/<src>/stop", settle="<src>"),
        Step("source: alter offsets", "PATCH", "/connectors/<src>/offsets", body=alter),
        get("source: offsets after altering", "/connectors/<src>/offsets"),
        Step("source: alter with no offsets", "PATCH", "/connectors/<src>/offsets", body={"offsets": []}),
        Step("source: alter with no body field", "PATCH", "/connectors/<src>/offsets", body={}),
        Step("source: reset offsets", "DELETE", "/connectors/<src>/offsets"),
        get("source: offsets after the reset", "/connectors/<src>/offsets"),
        get("source: GET tasks while STOPPED", "/connectors/<src>/tasks"),
        Step(
            "source: restart while STOPPED",
            "POST",
            "/connectors/<src>/restart",
            (("includeTasks", "true"),),
            settle="<src>",
        ),
        Step(
            "source: PUT config while STOPPED",
            "PUT",
            "/connectors/<src>/config",
            body=source_config(**{"batch.size": "10"}),
            settle="<src>",
        ),
        Step(
            "source: PATCH config while STOPPED",
            "PATCH",
            "/connectors/<src>/config",
            body={"batch.size": "11"},
            settle="<src>",
        ),
        Step("source: resume", "PUT", "/connectors/<src>/resume", settle="<src>"),
        Step("sink: stop", "PUT", "/connectors/<sink>/stop", settle="<sink>"),
        Step("sink: reset offsets", "DELETE", "/connectors/<sink>/offsets"),
        get("sink: offsets after the reset", "/connectors/<sink>/offsets"),
        Step("sink: resume", "PUT", "/connectors/<sink>/resume", settle="<sink>"),
        Step("source: restart task 7 (no such task)", "POST", "/connectors/<src>/tasks/7/restart"),
        *(Step(f"delete {c}", "DELETE", f"/connectors/{c}") for c in ("<src>", "<sink>")),
        get("after delete: GET status", "/connectors/<src>/status"),
        get("after delete: list", "/connectors", view=only(CONNECTORS)),
    ]


def test_the_conversation_matches_kafka_connect(
    services, ours: tuple[str, dict[str, Difference]], unique_name: str, tmp_path: Path
):
    url, differences = ours
    anchor = side("connect", services.connect_url, unique_name, tmp_path)
    mine = side("ours", url, unique_name, tmp_path)
    produce(services.kafka_bootstrap, unique_name, [(f"k{i}".encode(), f"line {i}".encode()) for i in range(RECORDS)])
    try:
        problems, seen = compare(
            worker_and_plugins() + validation() + missing() + creation_errors(), anchor, mine, differences
        )
        more, seen_more = compare(lifecycle()[:5], anchor, mine, differences)
        # Wait until both have read the records, committed their offsets and recorded their topics, so the
        # reads below compare what each worker settled on, not how fast it got there.
        for s in (anchor, mine):
            for path in (
                "/connectors/<sink>/offsets",
                "/connectors/<src>/offsets",
                "/connectors/<sink>/topics",
                "/connectors/<src>/topics",
            ):
                wait_until(lambda s=s, path=path: _non_empty(s, path), timeout=90, message=f"{s.label} {path}")
        steps = lifecycle()[5:] + loggers() + walk(random.Random(SEED), 90) + divergent() + source_offsets()
        rest, seen_rest = compare(steps, anchor, mine, differences)
    finally:
        for connector in CONNECTORS:
            anchor.send(Step("cleanup", "DELETE", f"/connectors/{connector}"))
        anchor.send(Step("cleanup", "PUT", "/admin/loggers/<logger>", body={"level": "INFO"}))
    problems += more + rest
    unseen = set(differences) - seen - seen_more - seen_rest
    problems += [f"listed difference never reached: {label}" for label in sorted(unseen)]
    for name, status in OURS_ONLY:
        created = mine.client.post("/connectors", json={"name": name, "config": mine.fill(source_config())})
        if created.status_code != status:
            problems.append(f"name {name!r}: expected {status}, got {created.status_code} {created.text[:200]}")
    assert not problems, f"{len(problems)} differences from Kafka Connect:\n" + "\n".join(p[:1500] for p in problems)


def _non_empty(s: Side, path: str) -> bool:
    body = s.client.get(s.fill(path)).json()
    values = body.get("offsets") if "offsets" in body else next(iter(body.values()))["topics"]
    return bool(values)
