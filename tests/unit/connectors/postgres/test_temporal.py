"""Date/time text → Debezium's values at the edges, as Debezium 3.7 writes them (found by the differential test)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.postgres import temporal


@given(st.dates())
def test_dates_count_days_like_python_within_its_range(day: dt.date) -> None:
    expected = (day - dt.date(1970, 1, 1)).days
    assert temporal.date_streamed(day.isoformat()) == expected == temporal.date_jdbc(day.isoformat())


@given(st.datetimes())
def test_timestamps_count_microseconds_like_python_within_its_range(moment: dt.datetime) -> None:
    text = moment.isoformat(sep=" ")
    micros = (moment - dt.datetime(1970, 1, 1)) // dt.timedelta(microseconds=1)
    assert temporal.timestamp_micros(text) == micros
    assert temporal.timestamp_millis(text) == micros // 1000


@pytest.mark.parametrize(
    ("text", "streamed", "jdbc"),
    [
        ("infinity", 2146033979, -622191234),
        ("-infinity", -2147472691, -625821272),
        ("4713-01-01 BC", -2440550, 1001860),  # the snapshot (JDBC) reading loses the era
        ("0044-03-15 BC", -735160, -703383),
        ("5874897-12-31", 2145042905, 2145042905),
    ],
)
def test_date_edges(text: str, streamed: int, jdbc: int) -> None:
    assert temporal.date_streamed(text) == streamed
    assert temporal.date_jdbc(text) == jdbc


@pytest.mark.parametrize(
    ("text", "micros"),
    [
        ("infinity", 2**63 - 1),
        ("-infinity", -(2**63)),
        ("0044-03-15 12:00:00 BC", -63517780800000000),
        ("294247-01-10 04:00:54.775808", -(2**63)),  # one past Long.MAX_VALUE wraps
        ("294250-01-01 00:00:00", 2**63 - 1),  # the seconds saturate...
        ("294276-12-31 23:59:59.5", -9223372036854275809),  # ...and the fraction then wraps
    ],
)
def test_micro_timestamp_edges(text: str, micros: int) -> None:
    assert temporal.timestamp_micros(text) == micros


def test_timestamp_array_elements_count_old_dates_in_the_julian_calendar() -> None:
    assert temporal.timestamp_millis_jdbc("1124-10-06 00:48:26") == -26672541094000
    assert temporal.timestamp_micros_jdbc("4713-01-01 00:00:00 BC") == -210866803200000000
    assert temporal.timestamp_millis("4713-01-01 00:00:00 BC") == -210863520000000  # scalars: proleptic
    assert temporal.timestamp_millis("infinity") == 9223372036825200000


@pytest.mark.parametrize(
    ("text", "width", "expected"),
    [
        ("2026-11-23 08:03:03.12+00", 6, "2026-11-23T08:03:03.120000Z"),
        ("294276-12-31 23:59:59.999999+00", 6, "+294276-12-31T23:59:59.999999Z"),
        ("0044-03-15 12:00:00+00 BC", 6, "-0043-03-15T12:00:00.000000Z"),
        ("0001-12-31 21:00:00+00 BC", 3, "0000-12-31T21:00:00.000Z"),
        ("-infinity", 6, "-infinity"),
    ],
)
def test_zoned_timestamps(text: str, width: int, expected: str) -> None:
    assert temporal.zoned_timestamp(width)(text) == expected


def test_zoned_timestamp_array_elements() -> None:
    convert = temporal.zoned_timestamp(3, jdbc=True)
    assert convert("0044-03-15 10:00:00+00 BC") == "0044-03-15T10:00:00.000Z"
    assert convert("-infinity") == "+292269055-12-02T23:00:00.000Z"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("24:00:00+00", "24:00:00Z"), ("24:00:00-05", "05:00:00Z"), ("10:00:00.1+01", "09:00:00.1Z")],
)
def test_zoned_times(text: str, expected: str) -> None:
    assert temporal.zoned_time(text) == expected


def test_an_offset_with_seconds_cannot_be_converted() -> None:
    with pytest.raises(ValueError):
        temporal.zoned_time("12:00:00.5+05:30:15")


def test_times_and_their_array_elements() -> None:
    assert temporal.time_micros("24:00:00") == 86_400_000_000
    assert temporal.time_micros_jdbc("24:00:00") == 0  # java.sql.Time wraps to midnight
    assert temporal.time_micros_jdbc("23:59:59.999999") == 86_399_999_000  # and keeps milliseconds


def test_intervals_saturate_at_64_bits() -> None:
    assert temporal.interval_micros("178000000 years") == 2**63 - 1
    assert temporal.interval_micros("-178000000 years") == -(2**63)
    assert temporal.interval_micros("1 mon") == 2_629_800_000_000
    assert temporal.interval_iso("1 year 2 mons -3 days -04:05:06.5") == "P1Y2M-3DT-4H-5M-6.5S"
