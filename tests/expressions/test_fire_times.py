"""Fire times: every field, DST in five zones, leap days, L/W/#, year bounds, windows."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from itertools import islice

import pytest

from ecs_scheduler.expressions import (
    ExpressionError,
    fire_times,
    first_fire_time,
    flexible_window,
    parse,
)


def utc(
    year: int,
    month: int,
    day: int,
    hour: int = 0,
    minute: int = 0,
    *,
    second: int = 0,
    micro: int = 0,
) -> datetime:
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


def first(text: str, timezone: str, after: datetime, count: int) -> list[datetime]:
    return list(islice(fire_times(parse(text), timezone, after=after), count))


def days_of(text: str, after: datetime, count: int) -> list[tuple[int, int, int]]:
    return [(t.year, t.month, t.day) for t in first(text, "UTC", after, count)]


# --- each field, in UTC --------------------------------------------------------------------


def test_daily_at_a_fixed_time() -> None:
    assert first("cron(15 12 * * ? *)", "UTC", utc(2026, 1, 1), 3) == [
        utc(2026, 1, 1, 12, 15),
        utc(2026, 1, 2, 12, 15),
        utc(2026, 1, 3, 12, 15),
    ]


def test_strictly_after_the_lower_bound() -> None:
    assert first("cron(15 12 * * ? *)", "UTC", utc(2026, 1, 1, 12, 15), 1) == [
        utc(2026, 1, 2, 12, 15)
    ]
    assert first(
        "cron(15 12 * * ? *)", "UTC", utc(2026, 1, 1, 12, 14, second=59, micro=999999), 1
    ) == [utc(2026, 1, 1, 12, 15)]


def test_minute_increments_roll_into_the_next_hour() -> None:
    assert first("cron(5-40/15 * * * ? *)", "UTC", utc(2026, 1, 1, 0, 36), 4) == [
        utc(2026, 1, 1, 1, 5),
        utc(2026, 1, 1, 1, 20),
        utc(2026, 1, 1, 1, 35),
        utc(2026, 1, 1, 2, 5),
    ]


def test_wrapping_hour_range_crosses_midnight() -> None:
    assert first("cron(0 22-1 * * ? *)", "UTC", utc(2026, 1, 1, 12), 5) == [
        utc(2026, 1, 1, 22),
        utc(2026, 1, 1, 23),
        utc(2026, 1, 2, 0),
        utc(2026, 1, 2, 1),
        utc(2026, 1, 2, 22),
    ]


def test_weekdays_only() -> None:
    # 2026-01-01 is a Thursday.
    assert days_of("cron(0 18 ? * MON-FRI *)", utc(2026, 1, 1), 4) == [
        (2026, 1, 1),
        (2026, 1, 2),
        (2026, 1, 5),
        (2026, 1, 6),
    ]


def test_weekday_range_wraps_over_the_weekend() -> None:
    assert days_of("cron(0 0 ? * FRI-MON *)", utc(2026, 1, 1), 5) == [
        (2026, 1, 2),
        (2026, 1, 3),
        (2026, 1, 4),
        (2026, 1, 5),
        (2026, 1, 9),
    ]


def test_day_of_week_numbers_start_at_sunday() -> None:
    assert days_of("cron(0 0 ? * 1 *)", utc(2026, 1, 1), 2) == [(2026, 1, 4), (2026, 1, 11)]
    assert days_of("cron(0 0 ? * 7 *)", utc(2026, 1, 1), 2) == [(2026, 1, 3), (2026, 1, 10)]
    assert days_of("cron(0 0 ? * L *)", utc(2026, 1, 1), 2) == [(2026, 1, 3), (2026, 1, 10)]


def test_month_list_and_wrapping_month_range() -> None:
    assert days_of("cron(0 0 1 NOV-FEB ? *)", utc(2026, 3, 1), 5) == [
        (2026, 11, 1),
        (2026, 12, 1),
        (2027, 1, 1),
        (2027, 2, 1),
        (2027, 11, 1),
    ]


def test_day_of_month_31_skips_short_months() -> None:
    assert days_of("cron(0 0 31 * ? *)", utc(2026, 1, 31, 1), 3) == [
        (2026, 3, 31),
        (2026, 5, 31),
        (2026, 7, 31),
    ]


def test_day_of_month_wrapping_range() -> None:
    assert days_of("cron(0 0 30-2 * ? 2026)", utc(2026, 1, 29), 5) == [
        (2026, 1, 30),
        (2026, 1, 31),
        (2026, 2, 1),
        (2026, 2, 2),
        (2026, 3, 1),
    ]


def test_year_list() -> None:
    assert days_of("cron(0 0 1 1 ? 2027,2030)", utc(2026, 1, 1), 3) == [(2027, 1, 1), (2030, 1, 1)]


# --- L, W, # --------------------------------------------------------------------------------


def test_last_day_of_month_follows_leap_years() -> None:
    assert days_of("cron(0 0 L 2 ? *)", utc(2026, 1, 1), 3) == [
        (2026, 2, 28),
        (2027, 2, 28),
        (2028, 2, 29),
    ]


def test_leap_day_fires_only_in_leap_years_and_not_in_2100() -> None:
    assert days_of("cron(0 0 29 2 ? *)", utc(2026, 1, 1), 2) == [(2028, 2, 29), (2032, 2, 29)]
    assert days_of("cron(0 0 29 2 ? 2096-2104)", utc(2090, 1, 1), 3) == [
        (2096, 2, 29),
        (2104, 2, 29),
    ]


def test_last_weekday_of_month() -> None:
    # 2026: Jan 31 Sat -> Fri 30; Feb 28 Sat -> Fri 27; May 31 Sun -> Fri 29; Mar 31 Tue.
    assert days_of("cron(0 0 LW * ? 2026)", utc(2026, 1, 1), 5) == [
        (2026, 1, 30),
        (2026, 2, 27),
        (2026, 3, 31),
        (2026, 4, 30),
        (2026, 5, 29),
    ]


@pytest.mark.parametrize(
    ("text", "month", "expected_day"),
    [
        ("cron(0 0 15W * ? 2026)", 2, 16),  # Sun 15 Feb -> Mon 16
        ("cron(0 0 15W * ? 2026)", 8, 14),  # Sat 15 Aug -> Fri 14
        ("cron(0 0 15W * ? 2026)", 1, 15),  # Thu 15 Jan stays
        ("cron(0 0 1W * ? 2026)", 8, 3),  # Sat 1 Aug -> Mon 3: W never goes back a month
        ("cron(0 0 1W * ? 2026)", 2, 2),  # Sun 1 Feb -> Mon 2
        ("cron(0 0 31W * ? 2026)", 5, 29),  # Sun 31 May -> Fri 29: W never goes ahead a month
        ("cron(0 0 31W * ? 2026)", 1, 30),  # Sat 31 Jan -> Fri 30
        ("cron(0 0 30W * ? 2026)", 8, 31),  # Sun 30 Aug -> Mon 31 (still August)
    ],
)
def test_nearest_weekday_stays_in_its_month(text: str, month: int, expected_day: int) -> None:
    fired = [t for t in fire_times(parse(text), "UTC", after=utc(2026, 1, 1)) if t.month == month]
    assert [t.day for t in fired] == [expected_day]


def test_nearest_weekday_to_a_day_the_month_lacks_never_fires_that_month() -> None:
    months = {
        t.month for t in fire_times(parse("cron(0 0 31W * ? 2026)"), "UTC", after=utc(2026, 1, 1))
    }
    assert months == {1, 3, 5, 7, 8, 10, 12}


def test_last_friday_of_month() -> None:
    assert days_of("cron(0 0 ? * 6L 2026)", utc(2026, 1, 1), 3) == [
        (2026, 1, 30),
        (2026, 2, 27),
        (2026, 3, 27),
    ]


def test_nth_weekday_of_month() -> None:
    # Second Tuesday, as in the AWS reference's 3#2.
    assert days_of("cron(0 0 ? * 3#2 2026)", utc(2026, 1, 1), 3) == [
        (2026, 1, 13),
        (2026, 2, 10),
        (2026, 3, 10),
    ]


def test_fifth_friday_skips_months_without_one() -> None:
    assert days_of("cron(0 0 ? * 6#5 2026)", utc(2026, 1, 1), 10) == [
        (2026, 1, 30),
        (2026, 5, 29),
        (2026, 7, 31),
        (2026, 10, 30),
    ]


# --- DST ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("timezone", "text", "after", "expected"),
    [
        # America/New_York, 2026-03-08: 02:00 EST -> 03:00 EDT; 02:30 does not exist that day.
        (
            "America/New_York",
            "cron(30 2 * * ? *)",
            utc(2026, 3, 7),
            [utc(2026, 3, 7, 7, 30), utc(2026, 3, 9, 6, 30)],
        ),
        # Europe/London, 2026-03-29: 01:00 GMT -> 02:00 BST.
        (
            "Europe/London",
            "cron(30 1 * * ? *)",
            utc(2026, 3, 28),
            [utc(2026, 3, 28, 1, 30), utc(2026, 3, 30, 0, 30)],
        ),
        # Australia/Sydney, 2026-10-04: 02:00 AEST -> 03:00 AEDT.
        (
            "Australia/Sydney",
            "cron(30 2 * * ? *)",
            utc(2026, 10, 2),
            [utc(2026, 10, 2, 16, 30), utc(2026, 10, 4, 15, 30)],
        ),
        # Australia/Adelaide (+09:30/+10:30), 2026-10-04: 02:00 ACST -> 03:00 ACDT.
        (
            "Australia/Adelaide",
            "cron(30 2 * * ? *)",
            utc(2026, 10, 2),
            [utc(2026, 10, 2, 17, 0), utc(2026, 10, 4, 16, 0)],
        ),
        # Australia/Lord_Howe moves only 30 minutes, 2026-10-04: 02:00 -> 02:30 (+10:30 -> +11).
        (
            "Australia/Lord_Howe",
            "cron(15 2 * * ? *)",
            utc(2026, 10, 2),
            [utc(2026, 10, 2, 15, 45), utc(2026, 10, 4, 15, 15)],
        ),
    ],
)
def test_spring_forward_skips_a_wall_time_that_does_not_exist(
    timezone: str, text: str, after: datetime, expected: list[datetime]
) -> None:
    assert first(text, timezone, after, 2) == expected


def test_lord_howe_half_hour_gap_keeps_the_minutes_after_it() -> None:
    # 02:45 exists on 2026-10-04 (clocks jumped from 02:00 to 02:30), at +11.
    assert first("cron(45 2 * * ? *)", "Australia/Lord_Howe", utc(2026, 10, 3), 1) == [
        utc(2026, 10, 3, 15, 45)
    ]


@pytest.mark.parametrize(
    ("timezone", "text", "after", "expected"),
    [
        # America/New_York, 2026-11-01: 02:00 EDT -> 01:00 EST; 01:30 happens twice.
        (
            "America/New_York",
            "cron(30 1 * * ? *)",
            utc(2026, 10, 31, 12),
            [utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)],
        ),
        # Europe/London, 2026-10-25: 02:00 BST -> 01:00 GMT.
        (
            "Europe/London",
            "cron(30 1 * * ? *)",
            utc(2026, 10, 24, 12),
            [utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)],
        ),
        # Australia/Sydney, 2026-04-05: 03:00 AEDT -> 02:00 AEST.
        (
            "Australia/Sydney",
            "cron(30 2 * * ? *)",
            utc(2026, 4, 4),
            [utc(2026, 4, 4, 15, 30), utc(2026, 4, 5, 16, 30)],
        ),
        # Australia/Lord_Howe, 2026-04-05: 02:00 (+11) -> 01:30 (+10:30); 01:45 happens twice.
        (
            "Australia/Lord_Howe",
            "cron(45 1 * * ? *)",
            utc(2026, 4, 4),
            [utc(2026, 4, 4, 14, 45), utc(2026, 4, 5, 15, 15)],
        ),
    ],
)
def test_fall_back_fires_a_repeated_wall_time_once_at_its_first_occurrence(
    timezone: str, text: str, after: datetime, expected: list[datetime]
) -> None:
    assert first(text, timezone, after, 2) == expected


def test_every_half_hour_across_both_new_york_transitions() -> None:
    spring = first("cron(0/30 * * * ? *)", "America/New_York", utc(2026, 3, 8, 5, 45), 4)
    assert spring == [
        utc(2026, 3, 8, 6, 0),  # 01:00 EST
        utc(2026, 3, 8, 6, 30),  # 01:30 EST
        utc(2026, 3, 8, 7, 0),  # 03:00 EDT: 02:00 and 02:30 do not exist
        utc(2026, 3, 8, 7, 30),
    ]
    autumn = first("cron(0/30 * * * ? *)", "America/New_York", utc(2026, 11, 1, 4, 45), 4)
    assert autumn == [
        utc(2026, 11, 1, 5, 0),  # 01:00 EDT
        utc(2026, 11, 1, 5, 30),  # 01:30 EDT; not again at 01:00 and 01:30 EST
        utc(2026, 11, 1, 7, 0),  # 02:00 EST
        utc(2026, 11, 1, 7, 30),
    ]


def test_from_inside_the_repeated_hour_the_repeat_does_not_fire() -> None:
    # 06:10Z is 01:10 EST, the second 01:10 of the night; 01:30 already fired at 05:30Z.
    assert first("cron(0/30 * * * ? *)", "America/New_York", utc(2026, 11, 1, 6, 10), 1) == [
        utc(2026, 11, 1, 7, 0)
    ]


def test_half_hour_zone_without_dst() -> None:
    assert first("cron(0 9 * * ? *)", "Asia/Kolkata", utc(2026, 3, 1), 2) == [
        utc(2026, 3, 1, 3, 30),
        utc(2026, 3, 2, 3, 30),
    ]


def test_local_day_fields_are_read_in_the_zone() -> None:
    # Monday 00:30 in Auckland (+13 in January) is Sunday 11:30 UTC.
    assert first("cron(30 0 ? * MON *)", "Pacific/Auckland", utc(2026, 1, 1), 1) == [
        utc(2026, 1, 4, 11, 30)
    ]


# --- rate and at ----------------------------------------------------------------------------


def test_rate_without_start_date_is_anchored_at_after() -> None:
    assert first("rate(5 minutes)", "UTC", utc(2026, 1, 1, second=30), 2) == [
        utc(2026, 1, 1, 0, 5, second=30),
        utc(2026, 1, 1, 0, 10, second=30),
    ]


def test_rate_with_start_date_is_anchored_at_start_date() -> None:
    rate = parse("rate(2 hours)")
    start = utc(2026, 1, 1, 9)
    assert list(islice(fire_times(rate, "UTC", after=utc(2026, 1, 1), start_date=start), 2)) == [
        utc(2026, 1, 1, 9),
        utc(2026, 1, 1, 11),
    ]
    later = list(islice(fire_times(rate, "UTC", after=utc(2026, 1, 1, 12), start_date=start), 2))
    assert later == [utc(2026, 1, 1, 13), utc(2026, 1, 1, 15)]


def test_rate_is_fixed_elapsed_time_across_dst() -> None:
    # 24 hours apart in UTC, so the New York wall clock moves from 12:00 to 13:00.
    start = datetime(2026, 3, 7, 12, tzinfo=UTC) + timedelta(hours=5)
    fired = list(
        islice(
            fire_times(parse("rate(1 day)"), "America/New_York", after=start, start_date=start),
            2,
        )
    )
    assert fired == [utc(2026, 3, 8, 17), utc(2026, 3, 9, 17)]


def test_at_fires_once_in_its_zone() -> None:
    at = parse("at(2026-03-11T10:21:00)")
    assert list(fire_times(at, "Asia/Kolkata", after=utc(2026, 1, 1))) == [utc(2026, 3, 11, 4, 51)]
    assert list(fire_times(at, "Asia/Kolkata", after=utc(2026, 3, 11, 4, 51))) == []


def test_at_in_a_repeated_hour_is_its_first_occurrence() -> None:
    at = parse("at(2026-11-01T01:30:00)")
    assert list(fire_times(at, "America/New_York", after=utc(2026, 1, 1))) == [
        utc(2026, 11, 1, 5, 30)
    ]


def test_at_in_a_skipped_hour_never_fires() -> None:
    at = parse("at(2026-03-08T02:30:00)")
    assert first_fire_time(at, "America/New_York") is None


# --- windows, year bounds and never-firing ---------------------------------------------------


def test_start_date_is_inclusive_and_end_date_stops_the_iterator() -> None:
    fired = list(
        fire_times(
            parse("cron(0 12 * * ? *)"),
            "UTC",
            after=utc(2026, 1, 1),
            start_date=utc(2026, 1, 2, 12),
            end_date=utc(2026, 1, 4, 12),
        )
    )
    assert fired == [utc(2026, 1, 2, 12), utc(2026, 1, 3, 12), utc(2026, 1, 4, 12)]


def test_window_dates_may_carry_any_offset() -> None:
    start = datetime.fromisoformat("2026-01-02T07:00:00-05:00")
    assert first_fire_time(parse("cron(0 12 * * ? *)"), "UTC", start_date=start) == utc(
        2026, 1, 2, 12
    )


def test_iteration_ends_with_the_last_year() -> None:
    fired = list(fire_times(parse("cron(0 0 1 * ? *)"), "UTC", after=utc(2199, 10, 15)))
    assert fired == [utc(2199, 11, 1), utc(2199, 12, 1)]
    assert list(fire_times(parse("cron(59 23 31 12 ? 2199)"), "UTC", after=utc(2199, 1, 1))) == [
        utc(2199, 12, 31, 23, 59)
    ]
    assert list(fire_times(parse("rate(1 day)"), "UTC", after=utc(2199, 12, 30, 12))) == [
        utc(2199, 12, 31, 12),
        utc(2200, 1, 1, 12),
    ]


@pytest.mark.parametrize(
    ("text", "timezone"),
    [
        ("at(9999-12-31T23:00:00)", "America/New_York"),
        ("at(0001-01-01T00:00:00)", "Asia/Tokyo"),
        # Just outside the range: the wall-clock year decides, as for cron's year field.
        ("at(2200-01-01T00:00:00)", "UTC"),
        ("at(1969-12-31T23:59:59)", "UTC"),
        ("at(1969-12-31T23:59:59)", "Etc/GMT+12"),
    ],
)
def test_at_beyond_the_year_range_never_fires(text: str, timezone: str) -> None:
    assert first_fire_time(parse(text), timezone) is None


@pytest.mark.parametrize(
    ("text", "timezone", "expected"),
    [
        ("at(2199-12-31T23:59:59)", "Etc/GMT+12", datetime(2200, 1, 1, 11, 59, 59, tzinfo=UTC)),
        ("at(1970-01-01T00:00:00)", "Etc/GMT-14", datetime(1969, 12, 31, 10, tzinfo=UTC)),
    ],
)
def test_at_on_the_edges_of_the_year_range_fires(
    text: str, timezone: str, expected: datetime
) -> None:
    assert first_fire_time(parse(text), timezone) == expected


def test_window_beyond_the_year_range_is_empty() -> None:
    far = datetime(9999, 12, 31, tzinfo=UTC)
    assert first_fire_time(parse("rate(84006 days)"), "UTC", start_date=far) is None
    assert first_fire_time(parse("cron(0 0 * * ? *)"), "Asia/Tokyo", after=far) is None


def test_first_year_is_1970() -> None:
    assert first_fire_time(parse("cron(0 0 1 1 ? *)"), "UTC") == utc(1970, 1, 1)


@pytest.mark.parametrize(
    "text",
    [
        "cron(0 0 30 2 ? *)",
        "cron(0 0 31 4,6,9,11 ? *)",
        "cron(0 0 29 2 ? 2100)",
        "cron(0 0 31W 2 ? *)",
        "cron(0 0 ? FEB 6#5 2026)",
        "cron(0 0 ? 2 2#5 2021-2023)",
        "cron(0 0 1 1 ? 1970)",
    ],
)
def test_never_fires_is_found_quickly(text: str) -> None:
    begun = time.perf_counter()
    assert first_fire_time(parse(text), "UTC", after=utc(2025, 1, 1)) is None
    assert time.perf_counter() - begun < 0.5


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("cron(0 6 * * ? *)", utc(2026, 1, 1, 7), utc(2026, 1, 2, 5)),
        ("cron(0 6 1 * ? *)", utc(2026, 1, 2), utc(2026, 1, 31)),
        ("at(2026-06-01T00:00:00)", utc(2026, 7, 1), None),
        ("at(2026-06-01T00:00:00)", None, utc(2026, 5, 1)),
        ("rate(1 day)", utc(2026, 1, 1), utc(2025, 12, 31)),
    ],
)
def test_a_window_that_excludes_every_fire_time(
    text: str, start: datetime | None, end: datetime | None
) -> None:
    assert first_fire_time(parse(text), "UTC", start_date=start, end_date=end) is None


def test_first_fire_time_without_after_starts_at_the_window() -> None:
    cron = parse("cron(0 6 * * ? *)")
    assert first_fire_time(cron, "UTC", start_date=utc(2026, 1, 1, 6)) == utc(2026, 1, 1, 6)
    assert first_fire_time(cron, "UTC", after=utc(2026, 1, 1, 6)) == utc(2026, 1, 2, 6)
    at = parse("at(2020-01-01T00:00:00)")
    assert first_fire_time(at, "UTC") == utc(2020, 1, 1)


def test_rate_without_a_start_starts_now() -> None:
    before = datetime.now(UTC)
    fired = first_fire_time(parse("rate(1 minute)"), "UTC")
    assert fired is not None
    assert before + timedelta(minutes=1) <= fired <= datetime.now(UTC) + timedelta(minutes=1)


def test_naive_datetimes_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="after must be a timezone-aware datetime"):
        next(fire_times(parse("rate(1 day)"), "UTC", after=datetime(2026, 1, 1)))


def test_unknown_time_zone_is_an_expression_error() -> None:
    with pytest.raises(ExpressionError, match="'Mars/Olympus' is not an IANA time zone name"):
        first_fire_time(parse("rate(1 day)"), "Mars/Olympus", start_date=utc(2026, 1, 1))


@pytest.mark.parametrize(
    ("minutes", "end"),
    [(None, utc(2026, 1, 1, 6)), (15, utc(2026, 1, 1, 6, 15)), (1440, utc(2026, 1, 2, 6))],
)
def test_flexible_window(minutes: int | None, end: datetime) -> None:
    assert flexible_window(utc(2026, 1, 1, 6), minutes) == (utc(2026, 1, 1, 6), end)
