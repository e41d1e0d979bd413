"""The bulk writer: batches, parallel requests, per-item outcomes, retries, and per-document order."""

from __future__ import annotations

import threading

import pytest

from connect.data import SinkRecord
from connectors.elasticsearch.bulk import BulkWriter, Outcome, classify
from connectors.elasticsearch.config import EsSinkConfig
from connectors.elasticsearch.convert import DocumentConverter
from tests.unit.connectors.elasticsearch.fakes import until


def actions(keys, *, method="insert", start=0):
    conv = DocumentConverter(EsSinkConfig.parse({"connection.url": "http://es", "write.method": method}))
    return [
        conv.convert(SinkRecord("t", 0, None, k, None, {"n": start + i, "k": k}, start + i)) for i, k in enumerate(keys)
    ]


class Results:
    def __init__(self):
        self.outcomes: dict[int, tuple[Outcome, str | None]] = {}
        self.lock = threading.Lock()

    def __call__(self, action, outcome, reason):
        with self.lock:
            assert action.position.kafka_offset not in self.outcomes, "an action finished twice"
            self.outcomes[action.position.kafka_offset] = (outcome, reason)


def writer(send, results, **kw):
    opts = {"batch_size": 10, "linger_ms": 1, "max_in_flight": 3, "max_retries": 3, "retry_backoff_ms": 1, **kw}
    return BulkWriter(send, results, **opts)


@pytest.fixture
def results():
    return Results()


@pytest.mark.parametrize(
    ("op", "item", "outcome"),
    [
        ("index", {"status": 201}, Outcome.OK),
        ("index", {"status": 409, "error": {"type": "version_conflict_engine_exception"}}, Outcome.OK),
        ("delete", {"status": 404}, Outcome.OK),
        ("update", {"status": 409, "error": {"type": "version_conflict_engine_exception"}}, Outcome.RETRY),
        ("index", {"status": 429, "error": {"type": "es_rejected_execution_exception"}}, Outcome.RETRY),
        ("index", {"status": 503, "error": {"type": "unavailable_shards_exception"}}, Outcome.RETRY),
        ("index", {"status": 400, "error": {"type": "document_parsing_exception"}}, Outcome.MALFORMED),
        ("index", {"status": 400, "error": {"type": "mapper_parsing_exception"}}, Outcome.MALFORMED),
        ("index", {"status": 400, "error": {"type": "illegal_argument_exception"}}, Outcome.MALFORMED),
        ("index", {"status": 403, "error": {"type": "cluster_block_exception"}}, Outcome.FATAL),
    ],
)
def test_item_outcomes(op, item, outcome):
    assert classify(op, item)[0] is outcome


def test_reason_names_the_error_and_its_cause():
    item = {
        "status": 400,
        "error": {
            "type": "document_parsing_exception",
            "reason": "failed to parse field [n]",
            "caused_by": {"type": "number_format_exception", "reason": 'For input "x"'},
        },
    }
    assert classify("index", item)[1] == (
        'document_parsing_exception: failed to parse field [n] (caused by number_format_exception: For input "x")'
    )


def test_every_action_is_sent_once_in_full_batches_with_requests_in_parallel(fake_es, results):
    concurrent, peak, lock = [0], [0], threading.Lock()
    gate = threading.Barrier(3, timeout=5)

    def send(body):
        with lock:
            concurrent[0] += 1
            peak[0] = max(peak[0], concurrent[0])
        try:
            gate.wait()  # only returns when three requests are in flight at once
        finally:
            with lock:
                concurrent[0] -= 1
        return fake_es.bulk(body)

    w = writer(send, results, linger_ms=10_000)
    w.submit(actions(range(30)))
    assert w.wait_idle(5)
    w.close()
    assert peak[0] == 3
    assert sorted(len(r) for r in fake_es.requests) == [10, 10, 10]
    assert set(results.outcomes) == set(range(30)) and all(o is Outcome.OK for o, _ in results.outcomes.values())


def test_a_partial_batch_is_sent_after_linger(fake_es, results):
    w = writer(fake_es.bulk, results, linger_ms=300)
    w.submit(actions(range(3)))
    assert fake_es.requests == []
    until(lambda: fake_es.requests)
    w.close()
    assert [len(r) for r in fake_es.requests] == [3]


def test_transient_item_failures_are_retried_until_they_succeed(fake_es, results):
    failures = {2: 2, 5: 1}  # offset -> how many times it gets a 429

    def status(op, meta, source):
        left = failures.get(source["n"], 0)
        if left:
            failures[source["n"]] = left - 1
            return 429
        return None

    fake_es.item_status = status
    w = writer(fake_es.bulk, results)
    w.submit(actions(range(8)))
    assert w.wait_idle(5)
    w.close()
    assert all(o is Outcome.OK for o, _ in results.outcomes.values()) and len(results.outcomes) == 8
    assert [len(r) for r in fake_es.requests] == [8, 2, 1]  # only the failed items are sent again


def test_malformed_documents_are_reported_and_the_rest_written(fake_es, results):
    fake_es.item_status = lambda op, meta, source: 400 if source["n"] == 1 else None
    w = writer(fake_es.bulk, results)
    w.submit(actions(range(3)))
    assert w.wait_idle(5)
    w.close()
    assert results.outcomes[1] == (Outcome.MALFORMED, "mapper_parsing_exception: forced 400")
    assert results.outcomes[0][0] is results.outcomes[2][0] is Outcome.OK
    assert set(fake_es.docs) == {("t", "0"), ("t", "2")}


def test_an_unreachable_cluster_stalls_the_writer_until_it_is_back(fake_es, results):
    fake_es.down = 6
    w = writer(fake_es.bulk, results, max_retries=2, max_in_flight=1, retry_backoff_ms=20)
    w.submit(actions(range(4)))
    until(lambda: w.stalled)
    assert w.stalled and "unreachable" in w.last_error
    assert w.wait_idle(10)
    w.close()
    assert not w.stalled and len(results.outcomes) == 4 and len(fake_es.docs) == 4


def test_a_request_level_rejection_is_fatal(results):
    def send(body):
        raise ValueError("HTTP 401 unauthorized")

    w = writer(send, results)
    w.submit(actions(range(2)))
    assert not w.wait_idle(5)
    w.close()
    assert isinstance(w.fatal, ValueError) and results.outcomes == {}


def test_a_later_write_to_a_document_waits_for_the_earlier_one(fake_es, results):
    fake_es.gate = threading.Event()
    sent: list[list[str]] = []

    def send(body):
        sent.append([line.split(b'"_id":"')[1].split(b'"')[0].decode() for line in body.splitlines()[::2]])
        return fake_es.bulk(body)  # held by the gate until the test opens it

    w = writer(send, results, batch_size=2, linger_ms=0)
    w.submit(actions(["a", "b"]))
    until(lambda: len(sent) == 1)
    w.submit(actions(["a", "c", "d"], start=2))
    until(lambda: len(sent) == 2)
    # "c" and "d" overtake the second write to "a", which waits while the first one is in flight.
    assert sent == [["a", "b"], ["c", "d"]]
    fake_es.gate.set()
    assert w.wait_idle(5)
    w.close()
    assert sent[2] == ["a"] and fake_es.docs[("t", "a")]["n"] == 2


def test_when_a_write_is_retried_later_writes_to_the_same_document_follow_it(fake_es, results):
    failed = []

    def status(op, meta, source):
        if source["doc"]["n"] == 0 and not failed:
            failed.append(1)
            return 503
        return None

    fake_es.item_status = status
    w = writer(fake_es.bulk, results)
    w.submit(actions(["a", "a", "b"], method="upsert"))
    assert w.wait_idle(5)
    w.close()
    assert [[m["_id"] for _, m in r] for r in fake_es.requests] == [["a", "a", "b"], ["a", "a"]]
    assert fake_es.docs[("t", "a")]["n"] == 1  # the newer write wins, as in Kafka order
