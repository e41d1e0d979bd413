"""The transformation chain: `transforms=a,b` applied in order, each optionally behind a predicate."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from connect.data import ConnectRecord
from connect.errors import ConfigException
from connect.plugins import PluginKind, PluginRegistry
from connect.runtime.errors.context import Stage, class_name
from connect.runtime.errors.operator import SKIP, RetryWithToleranceOperator
from connect.runtime.worker_config import prefixed
from connect.spi import Predicate, Transformation

R = TypeVar("R", bound=ConnectRecord)
_CHAIN_KEYS = ("type", "predicate", "negate")


@dataclass(frozen=True, slots=True)
class Step:
    transform: Transformation
    predicate: Predicate | None
    negate: bool
    name: str


class TransformationChain:
    def __init__(self, steps: Sequence[Step], operator: RetryWithToleranceOperator | None = None) -> None:
        self.steps = tuple(steps)
        self._operator = operator

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
                    Stage.TRANSFORMATION, step.name, lambda t=step.transform, r=record: t.apply(r), exc, record=record
                )
                if out is SKIP:
                    return None
            if out is None:
                return None
            record = out
        return record

    def close(self) -> None:
        for step in self.steps:
            step.transform.close()
            if step.predicate is not None:
                step.predicate.close()


def _aliases(props: Mapping[str, Any], key: str) -> list[str]:
    raw = props.get(key) or ""
    items = raw if isinstance(raw, list) else str(raw).split(",")
    return [a.strip() for a in items if a.strip()]


def _configured(registry: PluginRegistry, kind: PluginKind, props: Mapping[str, Any], prefix: str) -> Any:
    type_key = prefix + "type"
    if not props.get(type_key):
        raise ConfigException(type_key, None, "Missing required configuration with no default value")
    cls = registry.load(kind, str(props[type_key]))
    plugin = cls()
    own = {k: v for k, v in prefixed(props, prefix).items() if k not in _CHAIN_KEYS or k in cls.config_def}
    try:
        plugin.configure(own)
    except ConfigException as exc:
        raise ConfigException(prefix + exc.name, exc.value, exc.reason) from None
    return plugin


def build_chain(
    registry: PluginRegistry, props: Mapping[str, Any], operator: RetryWithToleranceOperator | None = None
) -> TransformationChain:
    """Instantiate and configure the transforms and predicates a connector config names."""
    predicates = {
        alias: _configured(registry, PluginKind.PREDICATE, props, f"predicates.{alias}.")
        for alias in _aliases(props, "predicates")
    }
    steps = []
    for alias in _aliases(props, "transforms"):
        prefix = f"transforms.{alias}."
        transform = _configured(registry, PluginKind.TRANSFORMATION, props, prefix)
        pred_alias = str(props.get(prefix + "predicate") or "").strip()
        if pred_alias and pred_alias not in predicates:
            raise ConfigException(prefix + "predicate", pred_alias, "Predicate is not listed in 'predicates'")
        negate = str(props.get(prefix + "negate", "false")).strip().lower() == "true"
        steps.append(Step(transform, predicates.get(pred_alias) if pred_alias else None, negate, class_name(transform)))
    return TransformationChain(steps, operator)
