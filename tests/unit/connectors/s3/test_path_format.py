"""Joda-Time patterns of `path.format`, checked against what the same fields print with strftime."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connect.errors import ConfigException
from connectors.s3.path_format import PathFormat

TOKYO = dt.timezone(dt.timedelta(hours=9))


@given(st.datetimes(min_value=dt.datetime(1000, 1, 1), max_value=dt.datetime(9999, 12, 31)))
def test_numeric_fields_print_as_strftime_does(when):
    when = when.replace(tzinfo=TOKYO)
    fmt = PathFormat.compile("yyyy/MM/dd/HH/mm/ss/SSS/D/'w'w/e/yy/hh/a/ZZ/Z", "en-US")
    iso = when.isocalendar()
    expected = when.strftime(
        f"%Y/%m/%d/%H/%M/%S/{when.microsecond // 1000:03d}/%-j/w{iso[1]}/{iso[2]}/%y/%I/%p/+09:00/+0900"
    )
    assert fmt.format(when) == expected


def test_literals_text_and_quotes():
    when = dt.datetime(2026, 3, 7, 5, 4, tzinfo=dt.UTC)
    assert PathFormat.compile("'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH", "en").format(when) == (
        "year=2026/month=03/day=07/hour=05"
    )
    assert PathFormat.compile("EEE, d MMM yyyy 'o''clock' H-k-K-h", "en_GB").format(when) == (
        "Sat, 7 Mar 2026 o'clock 5-5-5-5"
    )
    assert PathFormat.compile("EEEE MMMM", "en").format(when) == "Saturday March"


def test_unknown_letters_and_unterminated_quotes_are_refused():
    for pattern in ("YYYY/qq", "'year=YYYY"):
        with pytest.raises(ConfigException, match=r"path\.format"):
            PathFormat.compile(pattern, "en")
