"""Plugin version requirements: `latest`, a bare version (exactly it) and Maven ranges."""

from __future__ import annotations

import pytest

from connect.versions import requirement


@pytest.mark.parametrize(
    ("spec", "inside", "outside"),
    [
        ("4.1.1", ["4.1.1", "4.1.1.0"], ["4.1.0", "4.1.2"]),
        ("[1.0,2.0)", ["1.0", "1.9.9", "1.5.0.Final"], ["2.0", "0.9", "2.0.0"]),
        ("(,1.0],[1.2,)", ["0.1", "1.0", "1.2", "9"], ["1.1", "1.0.1"]),
        ("[3.0]", ["3.0.0"], ["3.0.1"]),
        ("[1.0-rc1,1.0)", ["1.0-rc2"], ["1.0", "0.9"]),
    ],
)
def test_ranges(spec, inside, outside):
    wanted = requirement(spec)
    assert wanted is not None
    assert all(wanted.contains(v) for v in inside), inside
    assert not any(wanted.contains(v) for v in outside), outside


@pytest.mark.parametrize("spec", [None, "", "latest", " latest "])
def test_latest_is_any_version(spec):
    assert requirement(spec) is None


@pytest.mark.parametrize("spec", ["[bad", "[1.0)", "(1.0)", "[2.0,1.0]", "[1,2,3]", "[1.0],x"])
def test_a_spec_that_does_not_parse_is_refused(spec):
    with pytest.raises(ValueError, match="Invalid version specification"):
        requirement(spec)
