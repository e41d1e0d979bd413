"""Change events read as table updates."""

import pytest

from streams.processors.cdc import SKIP, cdc_row

SRC = {"connector": "postgresql"}


@pytest.mark.parametrize(
    ("value", "row"),
    [
        ({"op": "c", "before": None, "after": {"id": 1}, "source": SRC}, {"id": 1}),
        ({"op": "r", "before": None, "after": {"id": 1}, "source": SRC}, {"id": 1}),
        ({"op": "u", "before": {"id": 1, "x": 1}, "after": {"id": 1, "x": 2}, "source": SRC}, {"id": 1, "x": 2}),
        ({"op": "d", "before": {"id": 1}, "after": None, "source": SRC}, None),
        ({"op": "t", "before": None, "after": None, "source": SRC}, SKIP),
        (None, None),
        ({"id": 1, "__deleted": "false"}, {"id": 1}),
        ({"id": 1, "__deleted": "true"}, None),
        ({"id": 1, "__deleted": True}, None),
        ({"id": 1, "op": "c"}, {"id": 1, "op": "c"}),  # a row with an "op" column is not an envelope
    ],
)
def test_cdc_row(value, row):
    assert cdc_row(value) == row
