"""Config definitions: declared once per plugin, they drive parsing, validation, REST and docs."""

from connect.config.definition import (
    NO_DEFAULT,
    ConfigDef,
    ConfigKey,
    ConfigValue,
    Importance,
    Type,
    Width,
)
from connect.config.validators import (
    CompositeValidator,
    NonEmptyString,
    NonEmptyStringWithoutControlChars,
    NonNegative,
    Range,
    ValidList,
    ValidRegex,
    ValidString,
)

__all__ = [
    "NO_DEFAULT",
    "CompositeValidator",
    "ConfigDef",
    "ConfigKey",
    "ConfigValue",
    "Importance",
    "NonEmptyString",
    "NonEmptyStringWithoutControlChars",
    "NonNegative",
    "Range",
    "Type",
    "ValidList",
    "ValidRegex",
    "ValidString",
    "Width",
]
