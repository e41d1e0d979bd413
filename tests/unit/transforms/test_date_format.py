"""SimpleDateFormat patterns: formatting and lenient parsing in UTC."""

import datetime as dt

import pytest

from transforms._date_format import JavaDateFormat

MS = int(dt.datetime(2024, 12, 30, 13, 5, 7, 123_000, tzinfo=dt.UTC).timestamp() * 1000)


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        ("yyyyMMdd", "20241230"),
        ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2024-12-30T13:05:07.123Z"),
        ("yy/M/d h:m a", "24/12/30 1:5 PM"),
        ("EEE, d MMM yyyy HH:mm:ss Z", "Mon, 30 Dec 2024 13:05:07 +0000"),
        ("EEEE MMMM D k K z", "Monday December 365 13 1 UTC"),
        ("w W Y u F", "1 5 2025 1 5"),  # the week holding January 1st is week 1 of the next year
        ("'at' HH 'o''clock'", "at 13 o'clock"),
    ],
)
def test_format(pattern, text):
    assert JavaDateFormat(pattern).format(MS) == text


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("yyyyMMdd", "20241230", "2024-12-30T00:00:00"),
        ("yyyy-MM-dd HH:mm:ss.SSS Z", "2024-12-30 14:05:07.123 +0100", "2024-12-30T13:05:07.123000"),
        ("yyyy-MM-dd'T'HH:mm:ssXXX", "2024-12-30T08:05:07-05:00", "2024-12-30T13:05:07"),
        ("dd MMM yyyy hh:mm a", "30 dec 2024 01:05 pm and more", "2024-12-30T13:05:00"),
        ("yyyy-MM-dd", "2024-13-01", "2025-01-01T00:00:00"),  # lenient: month 13 rolls over
        ("yyyy-MM-dd", "2024-02-30", "2024-03-01T00:00:00"),
        ("HH:mm", "25:00", "1970-01-02T01:00:00"),
        ("yyyy D", "2024 60", "2024-02-29T00:00:00"),
        ("yyyy-MM-dd z", "2024-06-01 GMT+02:00", "2024-05-31T22:00:00"),
        ("yyyy-MM-dd HH:mm z", "2024-06-01 12:00 Europe/Oslo", "2024-06-01T10:00:00"),
    ],
)
def test_parse(pattern, text, expected):
    millis = JavaDateFormat(pattern).parse(text)
    assert (dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=millis)).isoformat() == expected


def test_two_digit_years_land_within_80_years_before_and_20_after_now():
    year = dt.datetime.now(dt.UTC).year
    parsed = dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=JavaDateFormat("yy").parse(f"{(year + 30) % 100:02d}"))
    assert parsed.year == year + 30 - 100


@pytest.mark.parametrize("pattern", ["yyyy-bb", "'open", "XXXX"])
def test_invalid_patterns(pattern):
    with pytest.raises(ValueError):
        JavaDateFormat(pattern)


@pytest.mark.parametrize(("pattern", "text"), [("yyyy-MM-dd", "2024/01/01"), ("yyyy z", "2024 Mars/Base")])
def test_text_that_does_not_match(pattern, text):
    with pytest.raises(ValueError):
        JavaDateFormat(pattern).parse(text)
