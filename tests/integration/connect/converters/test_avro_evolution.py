"""Incompatible schema changes upstream, refused by the real registry: the CDC task fails saying which subject,
compatibility level and field; nothing is lost; after the operator changes the level and restarts the task,
every change reaches Kafka."""

from __future__ import annotations

import pytest

from connect.runtime.herder import State
from connect.runtime.standalone import running
from tests.fixtures.pipeline import postgres_source
from tests.support.kafka import wait_until
from tests.support.registry import read_avro, replay, set_compatibility, versions


@pytest.mark.parametrize(
    ("level", "change", "later_row", "fixed_level"),
    [
        # Old readers need qty (no default): FORWARD refuses the drop; BACKWARD allows it.
        ("FORWARD", "DROP COLUMN qty", "(11, 'after the failure')", "BACKWARD"),
        # New readers cannot read the int that old records hold as a string: refused both ways.
        ("BACKWARD", "ALTER COLUMN qty TYPE text", "(11, 'after the failure', 'eleven')", "NONE"),
    ],
    ids=["column dropped under FORWARD", "type changed under BACKWARD"],
)
def test_a_refused_schema_fails_the_task_loses_nothing_and_resumes_once_fixed(
    pg, avro_herder, services, unique_name, level, change, later_row, fixed_level
):
    table, herder = unique_name, avro_herder
    topic, name = f"{unique_name}.public.{table}", f"{unique_name}-pg"
    subject = f"{topic}-value"
    pg.execute(f'CREATE TABLE "{table}" (id int PRIMARY KEY, name text, qty int NOT NULL)')
    pg.execute(f"""INSERT INTO "{table}" SELECT g, 'item ' || g, g FROM generate_series(1, 10) g""")
    set_compatibility(services.registry_url, subject, level)
    # The slot must outlive the failed task, or the changes it holds would go with it.
    herder.put_connector_config(
        name, postgres_source(services, unique_name, table, **{"slot.drop.on.stop": "false"}), allow_replace=False
    )
    herder.wait_for(name, running)
    pg.execute(f"""UPDATE "{table}" SET name = 'before the change' WHERE id = 1""")
    # Streamed before the DDL: the source reads nullability from the catalog, which must not be ahead of it.
    read_avro(services.kafka_bootstrap, services.registry_url, topic, lambda events: len(events) >= 11)
    pg.execute(f'ALTER TABLE "{table}" {change}')
    pg.execute(f"""UPDATE "{table}" SET name = 'after the change' WHERE id = 2""")
    pg.execute(f'INSERT INTO "{table}" VALUES {later_row}')

    def failed() -> bool:
        return herder.connector_status(name).tasks[0].state is State.FAILED

    wait_until(failed, timeout=60, message="the task to fail")
    trace = herder.connector_status(name).tasks[0].trace or ""
    assert f"under subject {subject}: it is not {level} compatible with version 1" in trace
    assert f"field `qty` of record `{topic}.Value`" in trace
    assert versions(services.registry_url, subject) == [1]

    set_compatibility(services.registry_url, subject, fixed_level)
    herder.restart_task(name, 0)
    herder.wait_for(name, running)
    wait_until(lambda: versions(services.registry_url, subject) == [1, 2], timeout=60, message="the new version")
    cursor = pg.execute(f'SELECT * FROM "{table}" ORDER BY id')
    columns = [c.name for c in cursor.description]
    rows = {(("id", r[0]),): dict(zip(columns, r, strict=True)) for r in cursor.fetchall()}
    assert rows[(("id", 11),)]["name"] == "after the failure"

    def caught_up(events) -> bool:
        return replay(events).keys() == rows.keys() and replay(events)[(("id", 2),)]["name"] == "after the change"

    # Every change, the refused one included, and nothing after it lost. Rows untouched since the DDL keep
    # their old shape in Kafka (qty still there, or still a number): compare what the table holds, as text.
    streamed = replay(read_avro(services.kafka_bootstrap, services.registry_url, topic, caught_up, 10))
    assert streamed.keys() == rows.keys()
    for key, row in rows.items():
        assert {c: str(streamed[key][c]) for c in row} == {c: str(v) for c, v in row.items()}
    assert herder.connector_status(name).tasks[0].state is State.RUNNING
