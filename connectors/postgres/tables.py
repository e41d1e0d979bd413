"""Which tables are captured and how each is read: filters, keys (primary or `message.key.columns`), readers."""

from __future__ import annotations

import re
from collections.abc import Sequence

from connectors.postgres.catalog import Catalog, TableFilter, TableInfo
from connectors.postgres.config import PostgresConfig
from connectors.postgres.pgoutput import Relation
from connectors.postgres.rows import ColumnDef, TableReader


class Tables:
    """Makes (and caches) a TableReader per captured table; None for tables not captured."""

    def __init__(self, config: PostgresConfig, catalog: Catalog) -> None:
        self._config = config
        self._catalog = catalog
        self._modes = config.modes
        signal = config.props.get("signal.data.collection")
        self.filter = TableFilter(
            config["table.include.list"],
            config["table.exclude.list"],
            config["column.include.list"],
            config["column.exclude.list"],
            schema_include=config["schema.include.list"],
            schema_exclude=config["schema.exclude.list"],
        )
        self.signal_table = signal
        self._custom_keys = [(re.compile(t, re.IGNORECASE), cols) for t, cols in config.message_key_columns()]
        self._placeholder = config["unavailable.value.placeholder"]
        self._schema_names = config.schema_names()
        self._field_names = config.field_names()
        self._rules = config.column_rules

    def captured(self, schema: str, name: str) -> bool:
        return self.filter.table(schema, name)

    def for_relation(self, rel: Relation) -> TableReader | None:
        """The reader of a table as a pgoutput Relation message describes it."""
        self._catalog.forget(rel.relid)
        info = self._catalog.table(rel.relid)
        not_null = {c.name: c.not_null for c in info.columns} if info is not None else {}
        columns = [ColumnDef(c.name, c.type_oid, c.typmod, not not_null.get(c.name, False)) for c in rel.columns]
        pk = info.primary_key if info is not None else tuple(c.name for c in rel.columns if c.is_key)
        return self._reader(rel.namespace, rel.name, columns, pk, streaming=True)

    def for_table(self, info: TableInfo) -> TableReader | None:
        """The reader of a table as the catalog describes it (snapshots)."""
        columns = [ColumnDef(c.name, c.type_oid, c.typmod, not c.not_null) for c in info.columns]
        return self._reader(info.schema, info.name, columns, info.primary_key)

    def _reader(
        self, schema: str, name: str, columns: Sequence[ColumnDef], pk: Sequence[str], streaming: bool = False
    ) -> TableReader | None:
        if not self.captured(schema, name):
            return None
        full = f"{schema}.{name}"
        key = list(pk)
        for pattern, cols in self._custom_keys:
            if pattern.fullmatch(full):
                key = cols
                break
        keep = [self.filter.column(schema, name, c.name) for c in columns]
        topic = self._config.topic(schema, name)
        prefix = topic if self._schema_names is None else self._schema_names(topic)
        return TableReader(
            schema,
            name,
            topic,
            columns,
            key,
            self._modes,
            self._catalog.type,
            keep,
            self._placeholder,
            field_names=self._field_names,
            schema_prefix=prefix,
            streaming=streaming,
            rules=self._rules,
        )
