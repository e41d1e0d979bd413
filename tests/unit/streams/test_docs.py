"""The streams config page is generated from the key declarations and must be current."""

from pathlib import Path

from streams import docs

PAGE = Path(__file__).resolve().parents[3] / "docs" / "config" / "streams.md"


def test_the_config_page_is_current():
    assert PAGE.read_text() == docs.render(), "docs/config/streams.md is stale: run python -m streams.docs"
