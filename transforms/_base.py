"""What the transforms share: key/value selection, config parsing, Kafka's value requirements, schema caches."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar, cast

from connect.config import ConfigDef, Importance
from connect.config import Type as ConfigType
from connect.converters.cache import DerivedCache
from connect.data import ConnectRecord, Schema, SinkRecord, Type
from connect.errors import ConfigException, DataException
from connect.spi import Transformation

R = TypeVar("R", bound=ConnectRecord)
T = TypeVar("T")
D = TypeVar("D")
TransformT = TypeVar("TransformT", bound="PartTransform")

# Kafka Connect keeps 16 derived schemas per transform; a connector capturing more tables than that
# would rebuild a schema for every record, so we keep more (each entry is a few small objects).
SCHEMA_CACHE_SIZE = 256
KAFKA_TRANSFORMS = "org.apache.kafka.connect.transforms."


class Part:
    """The key or the value of a record: what a `$Key` or `$Value` transform reads and replaces."""

    __slots__ = ()
    name: ClassVar[str] = ""

    def get(self, record: ConnectRecord) -> tuple[Schema | None, Any]:
        raise NotImplementedError

    def put(self, record: R, schema: Schema | None, value: Any, **changes: Any) -> R:
        raise NotImplementedError


class _Key(Part):
    __slots__ = ()
    name = "key"

    def get(self, record: ConnectRecord) -> tuple[Schema | None, Any]:
        return record.key_schema, record.key

    def put(self, record: R, schema: Schema | None, value: Any, **changes: Any) -> R:
        return record.replace(key_schema=schema, key=value, **changes)


class _Value(Part):
    __slots__ = ()
    name = "value"

    def get(self, record: ConnectRecord) -> tuple[Schema | None, Any]:
        return record.value_schema, record.value

    def put(self, record: R, schema: Schema | None, value: Any, **changes: Any) -> R:
        return record.replace(value_schema=schema, value=value, **changes)


KEY: Part = _Key()
VALUE: Part = _Value()


class Transform(Transformation):
    """A transformation whose props are parsed by its `config_def` before `setup` sees them."""

    def configure(self, props: Mapping[str, Any]) -> None:
        self.setup(self.config_def.parse(props))

    def setup(self, config: dict[str, Any]) -> None:
        """Take the parsed config; raise ConfigException naming a key for what `config_def` cannot check alone."""


class PartTransform(Transform):
    """A transform with `$Key` and `$Value` variants; `part` says which one this class is."""

    part: ClassVar[Part] = VALUE


def variants(base: type[TransformT], java_class: str) -> tuple[type[TransformT], type[TransformT]]:
    """The `$Key` and `$Value` classes of a transform, answering to Kafka Connect's `Name$Key` / `Name$Value`."""
    made = []
    for part, suffix in ((KEY, "Key"), (VALUE, "Value")):
        name = base.__name__ + suffix
        made.append(
            cast(Any, type(base))(
                name,
                (base,),
                {
                    "part": part,
                    "aliases": (f"{java_class}${suffix}",),
                    "__module__": base.__module__,
                    "doc": base.doc.replace("{part}", part.name).replace("{Part}", suffix),
                    "__qualname__": name,
                    "__doc__": f"{base.__name__} applied to the record {part.name}.",
                },
            )
        )
    return made[0], made[1]


# -- requirements (Kafka's `Requirements`): a value of the wrong shape is a data error ---------------
def type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def require_map(value: Any, purpose: str) -> dict:
    if not isinstance(value, dict):
        raise DataException(
            f"Only Map objects supported in absence of schema for [{purpose}], found: {type_name(value)}"
        )
    return value


def require_struct(schema: Schema, value: Any, purpose: str) -> dict:
    if schema.type is not Type.STRUCT or not isinstance(value, dict):
        found = f"{schema.type} schema" if schema.type is not Type.STRUCT else type_name(value)
        raise DataException(f"Only Struct objects supported for [{purpose}], found: {found}")
    return value


def require_schema(schema: Schema | None, purpose: str) -> Schema:
    if schema is None:
        raise DataException(f"Schema required for [{purpose}]")
    return schema


def require_sink_record(record: ConnectRecord, purpose: str) -> SinkRecord:
    if not isinstance(record, SinkRecord):
        raise DataException(f"Only SinkRecord supported for [{purpose}], found: {type(record).__name__}")
    return record


# -- structs -------------------------------------------------------------------------------------
def defaults_of(schema: Schema) -> dict[str, Any]:
    """The default of each field that has one (what Kafka's `Struct.get` returns for a null field)."""
    return {f.name: f.schema.default for f in schema.fields if f.schema.default is not None}


def fill_defaults(value: dict, defaults: Mapping[str, Any]) -> dict:
    """`value` (a fresh dict the caller owns) with null fields set to their schema defaults."""
    for name, default in defaults.items():
        if value.get(name) is None:
            value[name] = default
    return value


def struct_basics(schema: Schema) -> dict[str, Any]:
    """What Kafka's `SchemaUtil.copySchemaBasics` carries to a rebuilt struct: name, version, doc, parameters."""
    return {"name": schema.name, "version": schema.version, "doc": schema.doc, "parameters": schema.parameters}


def schema_cache(build: Callable[[Schema], D]) -> DerivedCache[Schema, D]:
    """What a transform derives from an input schema, built once per schema."""
    return DerivedCache(build, SCHEMA_CACHE_SIZE)


# -- config --------------------------------------------------------------------------------------
def java_split(text: str, sep: str) -> list[str]:
    """`text.split(sep)` as Java's `String.split`: trailing empty parts dropped (so `a:` gives `[a]`)."""
    if not text:
        return [""]
    parts = text.split(sep)
    while parts and parts[-1] == "":
        parts.pop()
    return parts


class NonEmptyList:
    """A list with at least one item."""

    def __call__(self, name: str, value: Any) -> None:
        if not value:
            raise ConfigException(name, value, "Empty list")

    def __str__(self) -> str:
        return "non-empty list"


NON_EMPTY_LIST = NonEmptyList()


REPLACE_NULL_WITH_DEFAULT = "replace.null.with.default"


def with_replace_null(config_def: ConfigDef) -> ConfigDef:
    """`config_def` plus Kafka's `replace.null.with.default` key."""
    return config_def.define(
        REPLACE_NULL_WITH_DEFAULT,
        ConfigType.BOOLEAN,
        True,
        Importance.MEDIUM,
        "Whether to replace fields that have a default value and that are null to the default value. When set "
        "to true, the default value is used, otherwise null is used.",
    )
