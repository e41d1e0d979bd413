"""The transformation chain: `transforms=a,b` applied in order, each optionally behind a predicate."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar, cast

from connect.data import ConnectRecord
from connect.errors import ConfigException
from connect.plugins import PluginKind, PluginRegistry
from connect.runtime.closing import close_all
from connect.runtime.errors.context import Stage, class_name
from connect.runtime.errors.operator import SKIP, RetryWithToleranceOperator
from connect.spi import Predicate, Transformation
from connect.spi.plugin import Plugin

R = TypeVar("R", bound=ConnectRecord)
CHAIN_KEYS = ("type", "predicate", "negate")  # the chain's own keys under `transforms.<alias>.`


@dataclass(frozen=True, slots=True)
class PluginSpec:
    """A transform or predicate a connector config names (`transforms.<alias>.*`, `predicates.<alias>.*`)."""

    prefix: str  # "transforms.<alias>." or "predicates.<alias>."
    alias: str
    class_name: str
    settings: Mapping[str, Any]  # every key under the prefix, prefix stripped, as written
    predicate: str | None = None  # transforms only: the alias of the predicate that gates it
    negate: bool = False


@dataclass(frozen=True, slots=True)
class ChainConfig:
    """A connector's transforms, in order, and the predicates they use (parsed by connector_config.chain_config)."""

    transforms: tuple[PluginSpec, ...] = ()
    predicates: tuple[PluginSpec, ...] = ()


@dataclass(frozen=True, slots=True)
class Step:
    transform: Transformation
    predicate: Predicate | None
    negate: bool
    name: str


class TransformationChain:
    def __init__(
        self,
        steps: Sequence[Step],
        operator: RetryWithToleranceOperator | None = None,
        predicates: Sequence[Predicate] = (),
    ) -> None:
        self.steps = tuple(steps)
        self._operator = operator
        self._predicates = tuple(predicates)  # every one configured (gating several transforms, or none): closed once

    def __bool__(self) -> bool:
        return bool(self.steps)

    def apply(self, record: R) -> R | None:
        """The transformed record, or None when a transform dropped it or its failure was tolerated."""
        for step in self.steps:
            if step.predicate is not None and step.predicate.test(record) == step.negate:
                continue
            try:
                out = step.transform.apply(record)
            except Exception as exc:
                if self._operator is None:
                    raise
                out = self._operator.recover(
                    Stage.TRANSFORMATION, step.name, partial(step.transform.apply, record), exc, record=record
                )
                if out is SKIP:
                    return None
            if out is None:
                return None
            record = out
        return record

    def close(self) -> None:
        close_all("transformation chain", *(step.transform for step in self.steps), *self._predicates)


def _configured(registry: PluginRegistry, kind: PluginKind, spec: PluginSpec) -> Any:
    cls = cast("type[Plugin]", registry.load(kind, spec.class_name))
    plugin = cls()
    own = {k: v for k, v in spec.settings.items() if k not in CHAIN_KEYS or k in cls.config_def}
    try:
        plugin.configure(own)
    except ConfigException as exc:
        close_all(spec.prefix, plugin)
        raise ConfigException(spec.prefix + exc.name, exc.value, exc.reason) from None
    except BaseException:
        close_all(spec.prefix, plugin)  # what it opened before failing
        raise
    return plugin


def build_chain(
    registry: PluginRegistry, chain: ChainConfig, operator: RetryWithToleranceOperator | None = None
) -> TransformationChain:
    """Instantiate and configure the transforms and predicates of a connector's chain config; when one fails,
    those configured before it are closed."""
    predicates: dict[str, Any] = {}
    steps: list[Step] = []
    try:
        for spec in chain.predicates:
            predicates[spec.alias] = _configured(registry, PluginKind.PREDICATE, spec)
        for spec in chain.transforms:
            transform = _configured(registry, PluginKind.TRANSFORMATION, spec)
            predicate = predicates.get(spec.predicate) if spec.predicate else None
            steps.append(Step(transform, predicate, spec.negate, class_name(transform)))
    except BaseException:
        TransformationChain(steps, predicates=tuple(predicates.values())).close()
        raise
    return TransformationChain(steps, operator, tuple(predicates.values()))
