"""The transformation chain: order, predicates, negate, and error tolerance."""

import pytest

from connect.config import ConfigDef
from connect.data import SourceRecord
from connect.errors import ConfigException, DataException, RetriableException
from connect.plugins import PluginKind, PluginRegistry
from connect.runtime.connector_config import chain_config
from connect.runtime.errors import ErrorConfig, RetryWithToleranceOperator, ToleranceExceeded
from connect.runtime.transform_chain import build_chain
from connect.spi import Transformation
from tests.support.plugins import fake_registry

REGISTRY = fake_registry()


def rec(topic="orders", value=None):
    return SourceRecord({"p": 1}, {"o": 1}, topic, value=value if value is not None else {"id": 1})


def test_transforms_apply_in_order_behind_predicates():
    chain = build_chain(
        REGISTRY,
        chain_config(
            {
                "transforms": "a,b",
                "predicates": "isOrders",
                "transforms.a.type": "AddField",
                "transforms.a.field": "x",
                "transforms.a.value": "1",
                "transforms.b.type": "AddField",
                "transforms.b.field": "y",
                "transforms.b.predicate": "isOrders",
                "transforms.b.negate": "true",
                "predicates.isOrders.type": "TopicIs",
                "predicates.isOrders.topic": "orders",
            }
        ),
    )
    assert chain.apply(rec("orders")).value == {"id": 1, "x": "1"}
    assert chain.apply(rec("users")).value == {"id": 1, "x": "1", "y": "x"}


def test_missing_transform_key_is_named():
    with pytest.raises(ConfigException) as info:
        build_chain(REGISTRY, chain_config({"transforms": "a", "transforms.a.type": "AddField"}))
    assert info.value.name == "transforms.a.field"
    with pytest.raises(ConfigException, match=r"transforms\.b\.type"):
        build_chain(REGISTRY, chain_config({"transforms": "b"}))


def test_unknown_transform_class_cannot_import_anything():
    with pytest.raises(Exception, match="Failed to find any class"):
        build_chain(REGISTRY, chain_config({"transforms": "a", "transforms.a.type": "os.system"}))


def test_tolerance_all_skips_and_reports_tolerance_none_fails():
    reported = []

    class Collect:
        def report(self, ctx):
            reported.append(ctx)

    props = chain_config({"transforms": "p", "transforms.p.type": "Poison"})
    lenient = build_chain(REGISTRY, props, RetryWithToleranceOperator(ErrorConfig(tolerance_all=True), [Collect()]))
    assert lenient.apply(rec(value={"poison": True})) is None
    assert lenient.apply(rec()) is not None
    assert reported[0].stage == "TRANSFORMATION" and isinstance(reported[0].error, DataException)
    strict = build_chain(REGISTRY, props, RetryWithToleranceOperator(ErrorConfig(tolerance_all=False)))
    with pytest.raises(ToleranceExceeded, match="poisoned record"):
        strict.apply(rec(value={"poison": True}))


class Flaky(Transformation):
    """Fails with `failures` errors of `kind` (one per call) before passing records through."""

    config_def = ConfigDef()
    calls = 0

    def __init__(self) -> None:
        super().__init__()
        self.failures: list[Exception] = []

    def apply(self, record):
        Flaky.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return record


def flaky_chain(errors: ErrorConfig, failures: list[Exception]):
    Flaky.calls = 0
    registry = PluginRegistry.of({PluginKind.TRANSFORMATION: {"Flaky": Flaky}}, base=REGISTRY)
    chain = build_chain(
        registry, chain_config({"transforms": "f", "transforms.f.type": "Flaky"}), RetryWithToleranceOperator(errors)
    )
    chain.steps[0].transform.failures = failures
    return chain


def test_a_retriable_transform_failure_is_retried_and_the_record_goes_on():
    chain = flaky_chain(
        ErrorConfig(retry_timeout_ms=10_000, retry_delay_max_ms=1),
        [RetriableException("busy"), RetriableException("busy")],
    )
    assert chain.apply(rec()).value == {"id": 1}
    assert Flaky.calls == 3


def test_without_retries_a_failing_transform_runs_once_per_record():
    chain = flaky_chain(ErrorConfig(retry_timeout_ms=0, tolerance_all=True), [RetriableException("busy")])
    assert chain.apply(rec()) is None
    assert Flaky.calls == 1
    chain = flaky_chain(
        ErrorConfig(retry_timeout_ms=10_000, retry_delay_max_ms=1, tolerance_all=True), [DataException("bad")]
    )
    assert chain.apply(rec()) is None
    assert Flaky.calls == 1  # a data error is not retried
