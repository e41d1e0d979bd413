"""Connector config validation in Kafka Connect's ConfigInfos shape (REST validate endpoint)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connect.config.definition import ConfigDef, ConfigKey, ConfigValue, Type, password_keys
from connect.config.providers import resolve
from connect.errors import BadRequestException, ConfigException, NotFoundException
from connect.plugins import PluginKind, PluginRegistry, plugin_version
from connect.runtime.connector_config import BASE_CONFIG, cross_checks, enriched_definition, plugin_class_errors
from connect.secrets import mask_text, mask_value, remember_config
from connect.spi import Connector
from connect.versions import requirement


def key_info(key: ConfigKey) -> dict[str, Any]:
    """Kafka Connect's ConfigKeyInfo JSON."""
    return {
        "name": key.name,
        "type": key.type.value,
        "required": key.required,
        "default_value": ConfigDef.render_default(key),
        "importance": key.importance.value,
        "documentation": key.documentation,
        "group": key.group,
        "width": key.width.value,
        "display_name": key.display_name or key.name,
        "dependents": list(key.dependents),
        "order": key.order,
    }


def _value_info(result: ConfigValue, key: ConfigKey | None) -> dict[str, Any]:
    value = result.value
    if value is not None and not isinstance(value, str):
        value = (
            ",".join(map(str, value))
            if isinstance(value, list)
            else (str(value).lower() if isinstance(value, bool) else str(value))
        )
    declared = (result.name,) if key is not None and key.type is Type.PASSWORD else ()
    return {
        "name": result.name,
        "value": mask_value(result.name, value, declared),
        "recommended_values": [str(v) for v in result.recommended_values],
        "errors": [mask_text(e) for e in result.errors],
        "visible": result.visible,
    }


def config_infos(name: str, definition: ConfigDef, results: Mapping[str, ConfigValue]) -> dict[str, Any]:
    configs: list[dict[str, Any]] = []
    for key in definition.keys.values():
        result = results.get(key.name) or ConfigValue(key.name)
        configs.append({"definition": key_info(key), "value": _value_info(result, key)})
    for extra_name, result in results.items():
        if extra_name not in definition and result.errors:
            configs.append({"definition": None, "value": _value_info(result, None)})
    return {
        "name": name,
        "error_count": sum(len(c["value"]["errors"]) for c in configs),
        "groups": definition.groups,
        "configs": configs,
    }


def _resolved(config: Mapping[str, Any]) -> tuple[dict[str, Any], list[ConfigException]]:
    """The config with provider references resolved, key by key, and the references that failed."""
    out: dict[str, Any] = {}
    errors: list[ConfigException] = []
    for name, value in config.items():
        try:
            out[name] = resolve({name: value})[name]
        except ConfigException as exc:
            errors.append(exc)
            out[name] = value
    return out, errors


def validate_connector_config(registry: PluginRegistry, config: Mapping[str, Any]) -> dict[str, Any]:
    """Every problem of a connector config, per key, never raising for bad values."""
    class_name = str(config.get("connector.class") or "").strip()
    connector_cls: type[Connector] | None = None
    class_error = None
    if not class_name:
        class_error = 'Missing required configuration "connector.class" which has no default value.'
    else:
        try:
            loaded = registry.load(PluginKind.CONNECTOR, class_name)
            if isinstance(loaded, type) and issubclass(loaded, Connector):
                connector_cls = loaded
            else:
                class_error = f"{class_name} is not a connector plugin"
        except Exception as exc:
            class_error = str(exc)
    # As Kafka Connect: values are checked after config providers resolved them, shown as written.
    checked, provider_errors = _resolved(config)
    definition, build_errors = enriched_definition(registry, connector_cls, checked)
    secret_keys = password_keys(definition)
    remember_config(config, secret_keys)  # so that logs and traces quoting them are masked
    remember_config(checked, secret_keys)
    results = definition.validate(checked)
    if connector_cls is not None:
        try:
            own = connector_cls().validate(checked)
        except Exception as exc:
            own = {
                "connector.class": ConfigValue(
                    "connector.class", class_name, errors=[f"connector validation failed: {type(exc).__name__}: {exc}"]
                )
            }
        for key_name, value in own.items():
            if key_name in results:
                merged = results[key_name]
                merged.errors.extend(e for e in value.errors if e not in merged.errors)
                merged.recommended_values = value.recommended_values or merged.recommended_values
            else:
                results[key_name] = value
    if class_error:
        results.setdefault("connector.class", ConfigValue("connector.class", class_name or None))
        results["connector.class"].errors = [class_error]
    for error in [*build_errors, *provider_errors, *plugin_class_errors(registry, checked)]:
        results.setdefault(error.name, ConfigValue(error.name, config.get(error.name))).errors.append(str(error))
    for name, result in results.items():  # never echo a resolved secret
        if name in config and checked.get(name) != config.get(name):
            result.value = config[name]
    cross_checks(definition, connector_cls, checked, results)
    shown_name = f"{connector_cls.__module__}.{connector_cls.__qualname__}" if connector_cls else class_name
    return config_infos(shown_name, definition, results)


def plugin_definition(registry: PluginRegistry, plugin: str, version: str | None = None) -> list[dict[str, Any]]:
    """`GET /connector-plugins/{plugin}/config[?version=...]`: the plugin's config keys."""
    try:
        wanted = requirement(version)
    except ValueError as exc:
        raise BadRequestException(str(exc)) from None
    for kind in PluginKind:
        try:
            cls = registry.load(kind, plugin)
        except Exception:
            continue
        found = plugin_version(cls)
        if wanted is not None and not wanted.contains(found):
            raise BadRequestException(
                f"Plugin {plugin} not found that matches the version range {wanted}, available versions: [{found}]"
            )
        definition = getattr(cls, "config_def", ConfigDef())
        if kind is PluginKind.CONNECTOR:
            definition, _ = enriched_definition(registry, cls, {})
        return [key_info(k) for k in definition.keys.values()]
    raise NotFoundException(f"Unknown plugin {plugin}.")


__all__ = ["BASE_CONFIG", "config_infos", "key_info", "plugin_definition", "validate_connector_config"]
