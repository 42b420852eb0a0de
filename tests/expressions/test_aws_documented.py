"""Acceptance: AWS's own documented expressions, their validity and their fire times.

Every group cites the page it comes from. Fire times were worked out by hand from the
calendar (2026 starts on a Thursday; the first of each month 2026: Jan Thu, Feb Sun, Mar Sun,
Apr Wed, May Fri, Jun Mon, Jul Wed, Aug Sat, Sep Tue, Oct Thu, Nov Sun, Dec Tue) and from the
zones' published offsets, then double-checked against ``calendar``/``zoneinfo`` directly;
they are literals here, never computed by the code under test.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from itertools import islice

import pytest

from ecs_scheduler.expressions import (
    ExpressionError,
    describe,
    fire_times,
    first_fire_time,
    flexible_window,
    load_timezone,
    parse,
)


def at_utc(text: str) -> datetime:
    """``"2026-03-11 10:00"`` -> that minute in UTC."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


def upcoming(expression: str, timezone: str, after: str, count: int) -> list[str]:
    times = islice(fire_times(parse(expression), timezone, after=at_utc(after)), count)
    return [moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M") for moment in times]


def all_remaining(expression: str, timezone: str, after: str) -> list[str]:
    """Every fire time after ``after`` (for expressions whose year field ends them)."""
    times = fire_times(parse(expression), timezone, after=at_utc(after))
    return [moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M") for moment in islice(times, 50)]


# --- 1. The documented examples ----------------------------------------------------------
# https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based
# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html (Examples)
# Reference instant: Tuesday 2026-03-10 12:00 UTC.
DOCUMENTED_EXAMPLES = [
    # "Run at 10:00 am (UTC+0) every day"
    ("cron(0 10 * * ? *)", ["2026-03-11 10:00", "2026-03-12 10:00"]),
    # "Run at 12:15 pm (UTC+0) every day"
    ("cron(15 12 * * ? *)", ["2026-03-10 12:15", "2026-03-11 12:15"]),
    # "Run at 6:00 pm (UTC+0) every Monday through Friday": Tue..Fri, then Monday the 16th.
    (
        "cron(0 18 ? * MON-FRI *)",
        [
            "2026-03-10 18:00",
            "2026-03-11 18:00",
            "2026-03-12 18:00",
            "2026-03-13 18:00",
            "2026-03-16 18:00",
        ],
    ),
    # "Run at 8:00 am (UTC+0) every 1st day of the month"
    ("cron(0 8 1 * ? *)", ["2026-04-01 08:00", "2026-05-01 08:00", "2026-06-01 08:00"]),
    # "Run every 15 minutes"
    ("cron(0/15 * * * ? *)", ["2026-03-10 12:15", "2026-03-10 12:30", "2026-03-10 12:45"]),
    # "Run every 10 minutes Monday through Friday"
    ("cron(0/10 * ? * MON-FRI *)", ["2026-03-10 12:10", "2026-03-10 12:20"]),
    # "Run every 5 minutes Monday through Friday between 8:00 am and 5:55 pm (UTC+0)"
    ("cron(0/5 8-17 ? * MON-FRI *)", ["2026-03-10 12:05", "2026-03-10 12:10"]),
    # "Run at 9 a.m. (UTC) the first Monday of each month": April 1st is a Wednesday, so
    # the first Monday is the 6th; May 1st is a Friday, so the 4th.
    ("cron(0 9 ? * 2#1 *)", ["2026-04-06 09:00", "2026-05-04 09:00", "2026-06-01 09:00"]),
    # Wildcards list: "1/10 ... every tenth minute, starting from the first minute of the hour
    # (for example, the 11th, 21st, and 31st minute)".
    ("cron(1/10 * * * ? *)", ["2026-03-10 12:01", "2026-03-10 12:11", "2026-03-10 12:21"]),
    # Wildcards list: "JAN,FEB,MAR includes January, February, and March"; "1-15 includes
    # days 1 through 15".
    ("cron(0 0 1-15 JAN,FEB,MAR ? *)", ["2026-03-11 00:00", "2026-03-12 00:00"]),
    # Wildcards list: "3W specifies the weekday closest to the third day of the month":
    # April 3rd 2026 is a Friday; May 3rd a Sunday -> Monday the 4th; Jun 3rd a Wednesday.
    ("cron(0 0 3W * ? *)", ["2026-04-03 00:00", "2026-05-04 00:00", "2026-06-03 00:00"]),
    # Wildcards list: "3#2 is the second Tuesday of the month": Apr 14, May 12, Jun 9.
    ("cron(0 0 ? * 3#2 *)", ["2026-04-14 00:00", "2026-05-12 00:00", "2026-06-09 00:00"]),
    # Wildcards list: "L ... specifies the last day of the month": Mar 31, Apr 30, May 31.
    ("cron(0 0 L * ? *)", ["2026-03-31 00:00", "2026-04-30 00:00", "2026-05-31 00:00"]),
    # ... "or week": the week is SUN(1)..SAT(7), so L alone in day-of-week is Saturday.
    ("cron(0 0 ? * L *)", ["2026-03-14 00:00", "2026-03-21 00:00"]),
    # Scheduler's own create-schedule example expression.
    ("cron(0 12 * * ? *)", ["2026-03-11 12:00", "2026-03-12 12:00"]),
]


@pytest.mark.parametrize(("expression", "expected"), DOCUMENTED_EXAMPLES)
def test_documented_example_fires_as_documented(expression: str, expected: list[str]) -> None:
    assert upcoming(expression, "UTC", "2026-03-10 12:00", len(expected)) == expected


def test_documented_business_hours_example_wraps_to_the_next_weekday() -> None:
    # Friday 2026-03-13 17:50 UTC: the last slot is 17:55, then Monday 08:00.
    assert upcoming("cron(0/5 8-17 ? * MON-FRI *)", "UTC", "2026-03-13 17:50", 2) == [
        "2026-03-13 17:55",
        "2026-03-16 08:00",
    ]


# --- 2. Special characters at month edges, leap days, year bounds --------------------------
# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html (Wildcards)
# Semantics of L/W/LW/nL/# where AWS is terse follow Quartz, which AWS cron derives from
# (https://www.quartz-scheduler.org/documentation/quartz-2.3.0/tutorials/crontrigger.html).
EDGE_CASES = [
    # L in February, non-leap then leap.
    ("cron(0 0 L 2 ? *)", "2026-01-01 00:00", ["2026-02-28 00:00", "2027-02-28 00:00"]),
    ("cron(0 0 L 2 ? 2028)", "2027-03-01 00:00", ["2028-02-29 00:00"]),
    # LW = last weekday: Jan 31 2026 is a Saturday -> Fri 30; Feb 28 a Saturday -> Fri 27;
    # Mar 31 a Tuesday -> 31; May 31 a Sunday -> Fri 29.
    (
        "cron(0 12 LW * ? 2026)",
        "2026-01-01 00:00",
        ["2026-01-30 12:00", "2026-02-27 12:00", "2026-03-31 12:00", "2026-04-30 12:00"],
    ),
    ("cron(0 12 LW 5 ? 2026)", "2026-01-01 00:00", ["2026-05-29 12:00"]),
    # 15W: Feb 15 2026 is a Sunday -> Monday 16th; Aug 15 2026 a Saturday -> Friday 14th.
    ("cron(0 0 15W 2 ? 2026)", "2026-01-01 00:00", ["2026-02-16 00:00"]),
    ("cron(0 0 15W 8 ? 2026)", "2026-01-01 00:00", ["2026-08-14 00:00"]),
    # 1W never goes back into the previous month: Aug 1 2026 is a Saturday -> Monday 3rd
    # (not Friday Jul 31); Nov 1 2026 a Sunday -> Monday 2nd.
    ("cron(0 0 1W 8 ? 2026)", "2026-01-01 00:00", ["2026-08-03 00:00"]),
    ("cron(0 0 1W 11 ? 2026)", "2026-01-01 00:00", ["2026-11-02 00:00"]),
    # 31W never goes forward into the next month: May 31 2026 is a Sunday -> Friday 29th
    # (not Monday Jun 1); Jan 31 2026 a Saturday -> Friday 30th.
    ("cron(0 0 31W 5 ? 2026)", "2026-01-01 00:00", ["2026-05-29 00:00"]),
    ("cron(0 0 31W 1 ? 2026)", "2025-12-01 00:00", ["2026-01-30 00:00"]),
    # 6#3 = third Friday: Mar 2026 Fridays are 6, 13, 20; Apr 3, 10, 17.
    ("cron(0 0 ? * 6#3 *)", "2026-03-01 00:00", ["2026-03-20 00:00", "2026-04-17 00:00"]),
    # FRI#3 is the same as 6#3 (names allowed around #).
    ("cron(0 0 ? * FRI#3 *)", "2026-03-01 00:00", ["2026-03-20 00:00", "2026-04-17 00:00"]),
    # 6#5 in 2026: months with five Fridays after January are May (29), July (31), October
    # (30); December has only four (4, 11, 18, 25) and the year field ends the schedule.
    (
        "cron(0 0 ? * 6#5 2026)",
        "2026-01-31 00:00",
        ["2026-05-29 00:00", "2026-07-31 00:00", "2026-10-30 00:00"],
    ),
    # 3#5 in February needs a leap year whose Feb 29 is a Tuesday: 2028, then 2056.
    ("cron(0 0 ? 2 3#5 *)", "2026-01-01 00:00", ["2028-02-29 00:00", "2056-02-29 00:00"]),
    # 6L = last Friday: Mar 31 2026 is a Tuesday -> 27th; Apr 30 a Thursday -> 24th.
    ("cron(0 0 ? * 6L *)", "2026-03-01 00:00", ["2026-03-27 00:00", "2026-04-24 00:00"]),
    # 2L = last Monday: May 31 2026 is a Sunday -> Monday 25th.
    ("cron(0 0 ? 5 2L 2026)", "2026-01-01 00:00", ["2026-05-25 00:00"]),
    # 1L = last Sunday of March 2026 (the day Europe springs forward): the 29th.
    ("cron(0 0 ? 3 1L 2026)", "2026-01-01 00:00", ["2026-03-29 00:00"]),
    # Feb 29: only leap years; 2100 is not one.
    ("cron(0 0 29 2 ? *)", "2026-03-01 00:00", ["2028-02-29 00:00", "2032-02-29 00:00"]),
    ("cron(0 0 29 2 ? 2096-2104)", "2097-01-01 00:00", ["2104-02-29 00:00"]),
    # A day that some months lack is skipped in those months, never moved.
    ("cron(0 0 31 * ? 2026)", "2026-03-31 00:00", ["2026-05-31 00:00", "2026-07-31 00:00"]),
    # Year bounds: 1970 is the first year, 2199 the last.
    ("cron(0 0 1 1 ? 1970)", "1969-12-31 00:00", ["1970-01-01 00:00"]),
    ("cron(59 23 31 12 ? 2199)", "2199-01-01 00:00", ["2199-12-31 23:59"]),
    # Hour ranges wrap around midnight (docs/expressions.md: hour ranges may wrap, e.g. 20-2).
    (
        "cron(0 22-1 * * ? *)",
        "2026-03-10 12:00",
        ["2026-03-10 22:00", "2026-03-10 23:00", "2026-03-11 00:00", "2026-03-11 01:00"],
    ),
    (
        "cron(0 20-2 * * ? *)",
        "2026-03-10 02:30",
        [
            "2026-03-10 20:00",
            "2026-03-10 21:00",
            "2026-03-10 22:00",
            "2026-03-10 23:00",
            "2026-03-11 00:00",
            "2026-03-11 01:00",
            "2026-03-11 02:00",
            "2026-03-11 20:00",
        ],
    ),
    # Increments: "5-40/5" is 5, 10, ..., 40; "*/20" is 0, 20, 40; a month step from January.
    (
        "cron(5-40/5 9 * * ? *)",
        "2026-03-10 09:30",
        ["2026-03-10 09:35", "2026-03-10 09:40", "2026-03-11 09:05"],
    ),
    ("cron(*/20 9 * * ? *)", "2026-03-10 09:00", ["2026-03-10 09:20", "2026-03-10 09:40"]),
    (
        "cron(0 0 1 1/3 ? *)",
        "2026-01-01 00:00",
        ["2026-04-01 00:00", "2026-07-01 00:00", "2026-10-01 00:00", "2027-01-01 00:00"],
    ),
    ("cron(0 0 1 1 ? 2026/2)", "2026-01-01 00:00", ["2028-01-01 00:00", "2030-01-01 00:00"]),
    # Names are case-insensitive (console accepts Wed-Fri; beemhq/aws-cron-parser#7).
    ("cron(0 0 ? jan wed-fri 2026)", "2026-01-01 00:00", ["2026-01-02 00:00", "2026-01-07 00:00"]),
]


@pytest.mark.parametrize(("expression", "after", "expected"), EDGE_CASES)
def test_special_characters_and_edges(expression: str, after: str, expected: list[str]) -> None:
    assert upcoming(expression, "UTC", after, len(expected)) == expected


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        # Nothing after the last matching instant of the year range: the iterator ends.
        ("cron(0 0 ? * 6#5 2026)", "2026-10-30 00:00", []),
        ("cron(59 23 31 12 ? 2199)", "2199-12-31 23:59", []),
        ("cron(0 0 * * ? *)", "2199-12-30 00:00", ["2199-12-31 00:00"]),
        # Last Fridays of 2025 and then nothing (beemhq/aws-cron-parser#2: 6L with years).
        (
            "cron(15 10 ? * 6L 2002-2025)",
            "2025-10-01 00:00",
            ["2025-10-31 10:15", "2025-11-28 10:15", "2025-12-26 10:15"],
        ),
    ],
)
def test_the_year_field_ends_the_iteration(
    expression: str, after: str, expected: list[str]
) -> None:
    assert all_remaining(expression, "UTC", after) == expected


def test_last_year_is_2199_in_the_schedules_own_zone() -> None:
    # 23:59 on 2199-12-31 in Pago Pago (UTC-11) is 10:59 UTC on 2200-01-01.
    assert all_remaining("cron(59 23 31 12 ? 2199)", "Pacific/Pago_Pago", "2199-06-01 00:00") == [
        "2200-01-01 10:59"
    ]


# The Quartz CronTrigger tutorial's examples, written in AWS's six fields (AWS cron derives
# from Quartz; seconds dropped): https://www.quartz-scheduler.org/documentation/quartz-2.3.0/tutorials/crontrigger.html
QUARTZ_EXAMPLES = [
    # "2:10 PM and at 2:44 PM every Wednesday in the month of March": Mar 2026 Wednesdays
    # are 4, 11, 18, 25.
    (
        "cron(10,44 14 ? 3 WED *)",
        "2026-01-01 00:00",
        ["2026-03-04 14:10", "2026-03-04 14:44", "2026-03-11 14:10"],
    ),
    # "every 5 minutes starting at 2 PM and ending at 2:55 PM, AND ... 6 PM to 6:55 PM"
    (
        "cron(0/5 14,18 * * ? *)",
        "2026-03-10 14:50",
        ["2026-03-10 14:55", "2026-03-10 18:00", "2026-03-10 18:05"],
    ),
    # "every minute starting at 2 PM and ending at 2:05 PM"
    ("cron(0-5 14 * * ? *)", "2026-03-10 14:04", ["2026-03-10 14:05", "2026-03-11 14:00"]),
    # "12 PM every 5 days every month, starting on the first day": 1, 6, ..., 26, 31.
    (
        "cron(0 12 1/5 * ? *)",
        "2026-01-25 12:00",
        ["2026-01-26 12:00", "2026-01-31 12:00", "2026-02-01 12:00", "2026-02-06 12:00"],
    ),
    # "every November 11th at 11:11 AM"
    ("cron(11 11 11 11 ? *)", "2026-03-10 00:00", ["2026-11-11 11:11", "2027-11-11 11:11"]),
    # "10:15 AM on the third Friday of every month": Mar 2026 -> 20th.
    ("cron(15 10 ? * 6#3 *)", "2026-03-01 00:00", ["2026-03-20 10:15", "2026-04-17 10:15"]),
    # "10:15 AM on the last day of every month"
    ("cron(15 10 L * ? *)", "2026-02-01 00:00", ["2026-02-28 10:15", "2026-03-31 10:15"]),
]


@pytest.mark.parametrize(("expression", "after", "expected"), QUARTZ_EXAMPLES)
def test_quartz_tutorial_examples(expression: str, after: str, expected: list[str]) -> None:
    assert upcoming(expression, "UTC", after, len(expected)) == expected


def test_quartz_last_friday_in_a_year_range_ends_with_the_range() -> None:
    # "10:15 AM on every last Friday of every month during the years 2002-2005": the last
    # Fridays of Oct-Dec 2005 are the 28th, 25th and 30th; then the range is over.
    assert all_remaining("cron(15 10 ? * 6L 2002-2005)", "UTC", "2005-10-01 00:00") == [
        "2005-10-28 10:15",
        "2005-11-25 10:15",
        "2005-12-30 10:15",
    ]


# --- 3. Bugs peers shipped (their reports are our regression cases) ------------------------
PEER_BUGS = [
    # pitchblack408/pyawscron#43: "day is out of range for month" iterating Mondays past the
    # end of August 2021 (Sep 1 2021 is a Wednesday).
    (
        "cron(0 9 ? * 2 *)",
        "2021-08-31 21:00",
        [
            "2021-09-06 09:00",
            "2021-09-13 09:00",
            "2021-09-20 09:00",
            "2021-09-27 09:00",
            "2021-10-04 09:00",
        ],
    ),
    # pitchblack408/pyawscron#58: 9/10 in day-of-month is 9, 19, 29; 2023 has no Feb 29.
    (
        "cron(0 0 9/10 * ? *)",
        "2023-01-01 00:00",
        [
            "2023-01-09 00:00",
            "2023-01-19 00:00",
            "2023-01-29 00:00",
            "2023-02-09 00:00",
            "2023-02-19 00:00",
            "2023-03-09 00:00",
            "2023-03-19 00:00",
            "2023-03-29 00:00",
        ],
    ),
    # grumBit/aws_cron_expression_validator#6: ranges with increments are valid.
    ("cron(0 11-23/2 * * ? *)", "2026-03-10 12:00", ["2026-03-10 13:00", "2026-03-10 15:00"]),
    ("cron(0 11-23/4 ? * 2-6 *)", "2026-03-10 12:00", ["2026-03-10 15:00", "2026-03-10 19:00"]),
    ("cron(0 0 1 1-12/3 ? *)", "2026-03-10 12:00", ["2026-04-01 00:00", "2026-07-01 00:00"]),
    # neiman-marcus/serverless-provisioned-concurrency-autoscaling#63: valid in AWS.
    ("cron(5/10 * ? * * *)", "2026-03-10 12:00", ["2026-03-10 12:05", "2026-03-10 12:15"]),
    ("cron(5 9-17 ? * * *)", "2026-03-10 12:00", ["2026-03-10 12:05", "2026-03-10 13:05"]),
    # beemhq/aws-cron-parser#7: 7/5 in hours is 7, 12, 17, 22; Wed-Fri mixed case.
    ("cron(10 7/5 ? * Wed-Fri 2020)", "2020-01-01 00:00", ["2020-01-01 07:10", "2020-01-01 12:10"]),
    ("cron(10 7/5 7 * ? 2020)", "2020-01-01 00:00", ["2020-01-07 07:10", "2020-01-07 12:10"]),
    # localstack/localstack#13572: range-with-step forms EventBridge Scheduler accepts.
    ("cron(0-15/1 0 * * ? *)", "2026-03-10 12:00", ["2026-03-11 00:00", "2026-03-11 00:01"]),
    ("cron(0 0 1-31/30 * ? *)", "2026-03-10 12:00", ["2026-03-31 00:00", "2026-04-01 00:00"]),
]


@pytest.mark.parametrize(("expression", "after", "expected"), PEER_BUGS)
def test_cases_from_peer_bug_reports(expression: str, after: str, expected: list[str]) -> None:
    assert upcoming(expression, "UTC", after, len(expected)) == expected


# --- 4. Time zones and daylight saving time ----------------------------------------------
# https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#daylist-savings-time
# "When time shifts forward in the Spring, if a cron expression falls on a non-existent date
# and time, your schedule invocation is skipped. When time shifts backwards in the Fall, your
# schedule runs only once and does not repeat its invocation." docs/expressions.md says the same and
# pins the single run of a repeated wall time to its first occurrence.
# (also https://repost.aws/knowledge-center/eventbridge-scheduler-adjust-dst)
# 2026 transitions: New York Mar 8 02:00->03:00, Nov 1 02:00->01:00; London Mar 29
# 01:00->02:00, Oct 25 02:00->01:00; Sydney Apr 5 03:00->02:00, Oct 4 02:00->03:00;
# Lord Howe (+10:30/+11) Apr 5 02:00->01:30, Oct 4 02:00->02:30; Kolkata +05:30, no DST.
DST_CASES = [
    # New York, spring: 02:30 does not exist on Mar 8.
    (
        "cron(30 2 * * ? *)",
        "America/New_York",
        "2026-03-07 00:00",
        ["2026-03-07 07:30", "2026-03-09 06:30"],
    ),
    # Hourly across the gap: 00:00 EST, 01:00 EST, (02:00 skipped), 03:00 EDT.
    (
        "cron(0 * * * ? *)",
        "America/New_York",
        "2026-03-08 04:30",
        ["2026-03-08 05:00", "2026-03-08 06:00", "2026-03-08 07:00", "2026-03-08 08:00"],
    ),
    (
        "cron(0/30 1-3 * * ? *)",
        "America/New_York",
        "2026-03-08 05:00",
        ["2026-03-08 06:00", "2026-03-08 06:30", "2026-03-08 07:00", "2026-03-08 07:30"],
    ),
    # New York, fall: 01:00 happens twice on Nov 1; it runs once, at 01:00 EDT (05:00 UTC).
    (
        "cron(0 1 * * ? *)",
        "America/New_York",
        "2026-10-31 00:00",
        ["2026-10-31 05:00", "2026-11-01 05:00", "2026-11-02 06:00"],
    ),
    (
        "cron(0 * * * ? *)",
        "America/New_York",
        "2026-11-01 03:30",
        ["2026-11-01 04:00", "2026-11-01 05:00", "2026-11-01 07:00", "2026-11-01 08:00"],
    ),
    (
        "cron(0/30 1-2 * * ? *)",
        "America/New_York",
        "2026-11-01 04:30",
        ["2026-11-01 05:00", "2026-11-01 05:30", "2026-11-01 07:00", "2026-11-01 07:30"],
    ),
    # The documented 6 AM weekday job keeps its wall time: 11:00 UTC in EST, 10:00 in EDT.
    (
        "cron(0 6 ? * MON-FRI *)",
        "America/New_York",
        "2026-03-05 00:00",
        ["2026-03-05 11:00", "2026-03-06 11:00", "2026-03-09 10:00"],
    ),
    # London, spring: 01:00-01:59 does not exist on Mar 29.
    (
        "cron(30 1 * * ? *)",
        "Europe/London",
        "2026-03-28 00:00",
        ["2026-03-28 01:30", "2026-03-30 00:30"],
    ),
    (
        "cron(0/30 1-2 * * ? *)",
        "Europe/London",
        "2026-03-28 23:00",
        ["2026-03-29 01:00", "2026-03-29 01:30", "2026-03-30 00:00"],
    ),
    # London, fall: 01:30 happens twice on Oct 25; first is 01:30 BST = 00:30 UTC.
    (
        "cron(30 1 * * ? *)",
        "Europe/London",
        "2026-10-24 00:00",
        ["2026-10-24 00:30", "2026-10-25 00:30", "2026-10-26 01:30"],
    ),
    # Sydney, autumn (April): 02:00-02:59 repeats on Apr 5; first is AEDT (+11).
    (
        "cron(30 2 * * ? *)",
        "Australia/Sydney",
        "2026-04-03 00:00",
        ["2026-04-03 15:30", "2026-04-04 15:30", "2026-04-05 16:30"],
    ),
    (
        "cron(0/30 2 * * ? *)",
        "Australia/Sydney",
        "2026-04-04 12:00",
        ["2026-04-04 15:00", "2026-04-04 15:30", "2026-04-05 16:00"],
    ),
    # Sydney, spring (October): 02:00-02:59 does not exist on Oct 4.
    (
        "cron(30 2 * * ? *)",
        "Australia/Sydney",
        "2026-10-02 00:00",
        ["2026-10-02 16:30", "2026-10-04 15:30"],
    ),
    # Lord Howe, autumn: 01:30-01:59 repeats on Apr 5; first is +11.
    (
        "cron(45 1 * * ? *)",
        "Australia/Lord_Howe",
        "2026-04-03 00:00",
        ["2026-04-03 14:45", "2026-04-04 14:45", "2026-04-05 15:15"],
    ),
    # Lord Howe, spring: 02:00-02:29 does not exist on Oct 4, but 02:45 does.
    (
        "cron(15 2 * * ? *)",
        "Australia/Lord_Howe",
        "2026-10-02 00:00",
        ["2026-10-02 15:45", "2026-10-04 15:15"],
    ),
    (
        "cron(45 2 * * ? *)",
        "Australia/Lord_Howe",
        "2026-10-02 00:00",
        ["2026-10-02 16:15", "2026-10-03 15:45", "2026-10-04 15:45"],
    ),
    # Sao Paulo 2018/19 moved its clocks at midnight: on Nov 4 2018 midnight did not exist;
    # on Feb 16 2019 23:00-23:59 happened twice (first at -02).
    (
        "cron(0 0 * * ? *)",
        "America/Sao_Paulo",
        "2018-11-02 12:00",
        ["2018-11-03 03:00", "2018-11-05 02:00"],
    ),
    (
        "cron(30 23 * * ? *)",
        "America/Sao_Paulo",
        "2019-02-16 12:00",
        ["2019-02-17 01:30", "2019-02-18 02:30"],
    ),
    # Troll (Antarctica) jumps two hours: 01:00-02:59 is skipped on Mar 29 2026 and repeated
    # on Oct 25 2026 (first at +02).
    (
        "cron(30 2 * * ? *)",
        "Antarctica/Troll",
        "2026-03-28 00:00",
        ["2026-03-28 02:30", "2026-03-30 00:30"],
    ),
    (
        "cron(30 2 * * ? *)",
        "Antarctica/Troll",
        "2026-10-24 12:00",
        ["2026-10-25 00:30", "2026-10-26 02:30"],
    ),
    # Kolkata, half-hour offset, no DST: 09:00 IST is 03:30 UTC; midnight is 18:30 the day before.
    (
        "cron(0 9 * * ? *)",
        "Asia/Kolkata",
        "2026-03-10 00:00",
        ["2026-03-10 03:30", "2026-03-11 03:30"],
    ),
    ("cron(0 0 1 * ? *)", "Asia/Kolkata", "2026-03-10 00:00", ["2026-03-31 18:30"]),
    # Day fields are read in the zone, not in UTC: the 1st in Kolkata starts the evening before.
    (
        "cron(0 0 ? * 2#1 *)",
        "Asia/Kolkata",
        "2026-03-10 00:00",
        ["2026-04-05 18:30", "2026-05-03 18:30"],
    ),
]


@pytest.mark.parametrize(("expression", "timezone", "after", "expected"), DST_CASES)
def test_daylight_saving_time_as_aws_documents(
    expression: str, timezone: str, after: str, expected: list[str]
) -> None:
    assert upcoming(expression, timezone, after, len(expected)) == expected


def test_rate_is_fixed_elapsed_time_across_spring_forward() -> None:
    # re:Post: "days represents a 24-hour duration" - so 06:00 EST becomes 07:00 EDT.
    start = datetime(2026, 3, 7, 6, 0, tzinfo=load_timezone("America/New_York"))
    times = fire_times(
        parse("rate(1 day)"),
        "America/New_York",
        after=start - timedelta(minutes=1),
        start_date=start,
    )
    assert [moment.astimezone(UTC) for moment in islice(times, 3)] == [
        at_utc("2026-03-07 11:00"),
        at_utc("2026-03-08 11:00"),
        at_utc("2026-03-09 11:00"),
    ]


def test_rate_hours_across_fall_back_count_the_repeated_hour() -> None:
    start = at_utc("2026-11-01 04:00")  # 00:00 EDT
    times = fire_times(
        parse("rate(1 hour)"),
        "America/New_York",
        after=start - timedelta(minutes=1),
        start_date=start,
    )
    assert [moment.astimezone(UTC) for moment in islice(times, 4)] == [
        at_utc("2026-11-01 04:00"),
        at_utc("2026-11-01 05:00"),
        at_utc("2026-11-01 06:00"),
        at_utc("2026-11-01 07:00"),
    ]


def test_rate_start_date_is_the_first_occurrence() -> None:
    # Scheduler guide, rate-based: "you can use the StartDate property to set the first
    # occurrence for the schedule".
    start = at_utc("2026-03-10 12:02")
    times = fire_times(
        parse("rate(5 minutes)"), "UTC", after=at_utc("2026-03-10 12:00"), start_date=start
    )
    assert list(islice(times, 3)) == [
        start,
        at_utc("2026-03-10 12:07"),
        at_utc("2026-03-10 12:12"),
    ]


@pytest.mark.parametrize(
    ("expression", "timezone", "expected"),
    [
        # https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#one-time
        # at() is a wall time in the schedule's time zone.
        ("at(2026-03-11T10:21:00)", "UTC", "2026-03-11 10:21"),
        ("at(2026-07-01T09:00:00)", "America/New_York", "2026-07-01 13:00"),
        ("at(2026-07-01T09:00:00)", "Asia/Kolkata", "2026-07-01 03:30"),
        ("at(2026-07-01T09:00:00)", "Australia/Lord_Howe", "2026-06-30 22:30"),
        # A repeated wall time runs once, at its first occurrence (01:30 EDT).
        ("at(2026-11-01T01:30:00)", "America/New_York", "2026-11-01 05:30"),
        ("at(2028-02-29T00:00:00)", "Europe/London", "2028-02-29 00:00"),
    ],
)
def test_one_time_schedule_fires_once_at_its_wall_time(
    expression: str, timezone: str, expected: str
) -> None:
    assert all_remaining(expression, timezone, "2026-01-01 00:00") == [expected]


def test_after_may_be_in_any_zone_and_results_are_utc() -> None:
    # 07:00 EDT on 2026-03-10 is 11:00 UTC.
    after = datetime(2026, 3, 10, 7, 0, tzinfo=load_timezone("America/New_York"))
    times = list(islice(fire_times(parse("cron(0 12 * * ? *)"), "UTC", after=after), 2))
    assert times == [at_utc("2026-03-10 12:00"), at_utc("2026-03-11 12:00")]
    assert all(moment.utcoffset() == timedelta(0) for moment in times)


def test_window_bounds_fire_times() -> None:
    times = fire_times(
        parse("cron(0 6 * * ? *)"),
        "America/New_York",
        after=at_utc("2026-01-01 00:00"),
        start_date=at_utc("2026-03-07 00:00"),
        end_date=at_utc("2026-03-10 00:00"),
    )
    assert list(times) == [
        at_utc("2026-03-07 11:00"),
        at_utc("2026-03-08 10:00"),
        at_utc("2026-03-09 10:00"),
    ]


def test_flexible_window_is_t_to_t_plus_window() -> None:
    moment = at_utc("2026-03-10 12:00")
    assert flexible_window(moment, 15) == (moment, at_utc("2026-03-10 12:15"))
    assert flexible_window(moment, None) == (moment, moment)


# --- 5. Never-firing schedules (an error, docs/expressions.md) -----------------------------------
NEVER_FIRES = [
    ("cron(0 0 30 2 ? *)", {}),
    ("cron(0 0 31 4,6,9,11 ? *)", {}),
    ("cron(0 0 29 2 ? 2100)", {}),  # 2100 is not a leap year
    ("cron(0 0 ? 2 6#5 2026)", {}),  # Feb 2026 has 28 days: four Fridays
    ("cron(0 0 ? 2 2#5 2026-2027)", {}),
    ("cron(0 0 1 1 ? 2025)", {"start_date": at_utc("2026-01-01 00:00")}),
    (
        "cron(0 12 ? * SAT,SUN *)",  # a Monday-to-Friday window
        {"start_date": at_utc("2026-03-09 00:00"), "end_date": at_utc("2026-03-13 23:00")},
    ),
    ("at(2026-03-11T10:21:00)", {"end_date": at_utc("2026-03-11 10:00")}),
    ("at(2026-03-11T10:21:00)", {"start_date": at_utc("2026-03-12 00:00")}),
    (
        "rate(1 day)",
        {"start_date": at_utc("2026-03-12 00:00"), "end_date": at_utc("2026-03-11 00:00")},
    ),
]


@pytest.mark.parametrize(("expression", "window"), NEVER_FIRES)
def test_never_firing_is_detected_quickly(expression: str, window: dict[str, datetime]) -> None:
    started = time.perf_counter()
    assert first_fire_time(parse(expression), "UTC", **window) is None
    assert time.perf_counter() - started < 1.0


def test_first_fire_time_finds_a_rare_schedule() -> None:
    # Feb 29 on a Tuesday, counted from 2029: 2056.
    assert first_fire_time(
        parse("cron(0 0 ? 2 3#5 *)"), "UTC", start_date=at_utc("2029-01-01 00:00")
    ) == at_utc("2056-02-29 00:00")


# --- 6. Documented-invalid forms: rejected, naming the field -------------------------------
# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html
#   (field table, "Limitations", and the '#' note: "3#1,6#3" is not valid)
# https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
# https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#rate-based
#   (value: "a positive number"; unit: minutes | hours | days) and the Scheduler API
#   reference (unit: minute | minutes | hour | hours | day | days). The singular-for-1 rule of
#   EventBridge *rules* (eb-rate-expressions.html) is not part of Scheduler: see
#   test_scheduler_rate_accepts_plural_units_for_one below.
INVALID = [
    # Six fields, no seconds.
    ("cron(0 10 * * ?)", "6 fields"),
    ("cron(0 0 10 * * ? *)", "6 fields"),
    ("cron()", "6 fields"),
    # Exactly one of the two day fields is '?'.
    ("cron(0 10 * * * *)", "exactly one of day-of-month and day-of-week must be '?'"),
    ("cron(0 10 ? * ? *)", "exactly one of day-of-month and day-of-week must be '?'"),
    ("cron(0 10 1 * MON *)", "exactly one of day-of-month and day-of-week must be '?'"),
    # Ranges per field.
    ("cron(60 * * * ? *)", "cron field 1 (minutes)"),
    ("cron(0 24 * * ? *)", "cron field 2 (hours)"),
    ("cron(0 0 32 * ? *)", "cron field 3 (day-of-month)"),
    ("cron(0 0 0 * ? *)", "cron field 3 (day-of-month)"),
    ("cron(0 0 1 13 ? *)", "cron field 4 (month)"),
    ("cron(0 0 1 0 ? *)", "cron field 4 (month)"),
    ("cron(0 0 ? * 8 *)", "cron field 5 (day-of-week)"),
    ("cron(0 0 ? * 0 *)", "cron field 5 (day-of-week)"),  # Unix Sunday is not AWS's
    ("cron(0 0 1 1 ? 1969)", "cron field 6 (year)"),
    ("cron(0 0 1 1 ? 2200)", "cron field 6 (year)"),
    ("cron(0 0 1 1 ? 2026-2300)", "cron field 6 (year)"),
    # Names.
    ("cron(0 0 1 FOO ? *)", "cron field 4 (month)"),
    ("cron(0 0 ? * FUNDAY *)", "cron field 5 (day-of-week)"),
    ("cron(0 0 ? JAN-FOO MON *)", "cron field 4 (month)"),
    # Wildcards outside their columns.
    ("cron(0 8 * ? 2-6 *)", "cron field 4 (month)"),  # grumBit/...validator#6
    ("cron(0 18 ? * MON-FRI ?)", "cron field 6 (year)"),  # grumBit/...validator#7
    ("cron(0 18 ? * MON-FRI L)", "cron field 6 (year)"),  # grumBit/...validator#7
    ("cron(L 0 * * ? *)", "cron field 1 (minutes)"),
    ("cron(0 L * * ? *)", "cron field 2 (hours)"),
    ("cron(0 0 * L ? *)", "cron field 4 (month)"),
    ("cron(0 0 3#2 * ? *)", "cron field 3 (day-of-month)"),  # '#' is day-of-week only
    ("cron(0 0 ? * 2W *)", "cron field 5 (day-of-week)"),  # 'W' is day-of-month only
    ("cron(0 0 ? 1 W *)", "cron field 5 (day-of-week)"),
    ("cron(0/5 9-22 * 1-4,11,12 1-7 ?)", "cron"),  # juanjoDiaz/serverless-plugin-warmup#193
    # '#': one expression only, occurrence 1-5, weekday 1-7.
    ("cron(0 0 ? * 3#1,6#3 *)", "cron field 5 (day-of-week)"),
    ("cron(0 0 ? * 3#6 *)", "cron field 5 (day-of-week)"),
    ("cron(0 0 ? * 3#0 *)", "cron field 5 (day-of-week)"),
    ("cron(0 0 ? * 8#1 *)", "cron field 5 (day-of-week)"),
    ("cron(0 0 ? * 3# *)", "cron field 5 (day-of-week)"),
    # 'W' takes a single day.
    ("cron(0 0 1-5W * ? *)", "cron field 3 (day-of-month)"),
    ("cron(0 0 1W,15W * ? *)", "cron field 3 (day-of-month)"),
    ("cron(0 0 32W * ? *)", "cron field 3 (day-of-month)"),
    ("cron(0 0 0W * ? *)", "cron field 3 (day-of-month)"),
    ("cron(0 0 W * ? *)", "cron field 3 (day-of-month)"),
    # 'L' forms.
    ("cron(0 0 ? * 8L *)", "cron field 5 (day-of-week)"),
    ("cron(0 0 L,15 * ? *)", "cron field 3 (day-of-month)"),
    # Increments.
    ("cron(*/0 * * * ? *)", "cron field 1 (minutes)"),
    ("cron(0/x * * * ? *)", "cron field 1 (minutes)"),
    ("cron(0 0/0 * * ? *)", "cron field 2 (hours)"),
    # Junk and empty list items.
    ("cron(a * * * ? *)", "cron field 1 (minutes)"),
    ("cron(0,,5 10 * * ? *)", "cron field 1 (minutes)"),
    ("cron(0 10 * * ? 2026-2024)", "cron field 6 (year)"),  # years do not wrap
    ("cron(1.5 10 * * ? *)", "cron field 1 (minutes)"),
    # The keyword is lower case and the parentheses are required.
    ("CRON(0 10 * * ? *)", "cron("),
    ("Cron(0 10 * * ? *)", "cron("),
    ("cron(0 10 * * ? *", "expected cron(...), rate(...) or at(...)"),
    ("0 10 * * ? *", "expected cron(...), rate(...) or at(...)"),
    ("", "expected cron(...), rate(...) or at(...)"),
    # rate: a positive whole number, singular for 1, plural otherwise.
    ("rate(0 minutes)", "rate:"),
    ("rate(-5 minutes)", "rate:"),
    ("rate(1.5 hours)", "rate:"),
    ("rate(5 seconds)", "rate:"),
    ("rate(1 week)", "rate:"),
    ("rate(2 weeks)", "rate:"),
    ("rate(5minutes)", "rate:"),
    ("rate(minutes)", "rate:"),
    ("rate()", "rate:"),
    ("RATE(5 minutes)", "rate("),
    # at: yyyy-mm-ddThh:mm:ss, no offset, a real date.
    ("at(2026-03-11 10:21:00)", "at:"),
    ("at(2026-03-11T10:21)", "at:"),
    ("at(2026-03-11T10:21:00Z)", "at:"),
    ("at(2026-03-11T10:21:00+01:00)", "at:"),
    ("at(2026-03-11T10:21:00.000)", "at:"),
    ("at(2026-02-30T10:00:00)", "at:"),
    ("at(2027-02-29T10:00:00)", "at:"),
    ("at(2026-13-01T00:00:00)", "at:"),
    ("at(2026-03-11T24:00:00)", "at:"),
    ("at(2026-03-11T10:60:00)", "at:"),
    ("at(2026-3-11T10:21:00)", "at:"),
    ("at()", "at:"),
    ("AT(2026-03-11T10:21:00)", "at("),
]


@pytest.mark.parametrize(("expression", "names"), INVALID)
def test_documented_invalid_forms_are_rejected_naming_the_field(
    expression: str, names: str
) -> None:
    with pytest.raises(ExpressionError) as raised:
        parse(expression)
    assert names in str(raised.value)


VALID = [
    # Documented forms not already exercised above.
    "cron(0 0 ? * SUN-SAT *)",
    "cron(0 0 ? * 1-7 *)",
    "cron(0 0 1 JAN-DEC ? *)",
    "cron(0 0 ? * MON,WED,FRI *)",
    "cron(0 0 LW * ? *)",
    "cron(0 0 L * ? 1970-2199)",
    "cron(0 0 ? * 7L *)",
    "cron(0 0 ? * SAT#5 *)",
    "cron(0 0 ? * sun#1 *)",
    "cron(0 0 1 1 ? 1970,2199)",
    "cron(0 0 1 1 ? 2026/10)",
    "cron(59 23 31 12 ? 2199)",
    "cron(0-59 0-23 1-31 1-12 ? 1970-2199)",
    "cron(*/5 * * * ? *)",
    "cron(0 0/4 * * ? *)",
    # Documented rate forms (Scheduler API reference: minute | minutes | hour | hours | day
    # | days; EventBridge rate reference examples).
    "rate(1 minute)",
    "rate(5 minutes)",
    "rate(1 hour)",
    "rate(12 hours)",
    "rate(1 day)",
    "rate(7 days)",
    "at(2026-03-11T10:21:00)",
    "at(1970-01-01T00:00:00)",
    "cron(00 06 01 01 ? 2026)",  # leading zeros are still numbers
]


@pytest.mark.parametrize("expression", VALID)
def test_documented_valid_forms_parse_and_keep_their_text(expression: str) -> None:
    assert parse(expression).text == expression


# EventBridge Scheduler lists the plural units as its valid inputs ("minutes | hours | days",
# Scheduler user guide, rate-based) and states no singular-for-1 rule; the Terraform AWS
# provider's own aws_scheduler_schedule example - the module this project mirrors - is
# schedule_expression = "rate(1 hours)"
# (https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/scheduler_schedule).
@pytest.mark.parametrize("expression", ["rate(1 hours)", "rate(1 minutes)", "rate(1 days)"])
def test_scheduler_rate_accepts_plural_units_for_one(expression: str) -> None:
    parsed = parse(expression)
    start = at_utc("2026-03-10 12:00")
    times = fire_times(parsed, "UTC", after=start - timedelta(minutes=1), start_date=start)
    assert next(times) == start


def test_issue_example_messages() -> None:
    # Issue 2 gives these two messages verbatim.
    with pytest.raises(ExpressionError) as raised:
        parse("cron(0 6 ? * 8 *)")
    assert "cron field 5 (day-of-week): '8' is out of range 1-7 (1=SUN … 7=SAT)" in str(
        raised.value
    )
    with pytest.raises(ExpressionError) as raised:
        parse("cron(0 6 * * * *)")
    assert "cron: exactly one of day-of-month and day-of-week must be '?'" in str(raised.value)


def test_issue_example_description() -> None:
    assert (
        describe(parse("cron(0 6 ? * MON-FRI *)"), "America/New_York")
        == "At 06:00, Monday through Friday (America/New_York)"
    )


# --- 7. Time zone names ------------------------------------------------------------------
# https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html
#   (ScheduleExpressionTimezone: a time zone name from the IANA database)
@pytest.mark.parametrize(
    "name",
    [
        "UTC",
        "America/New_York",
        "Europe/London",
        "Australia/Lord_Howe",
        "Asia/Kolkata",
        "Etc/GMT+5",
    ],
)
def test_iana_names_load(name: str) -> None:
    assert load_timezone(name).key == name


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("America/NewYork", "America/New_York"),
        ("america/new_york", "America/New_York"),
        ("Europe/Londn", "Europe/London"),
        ("Mars/Olympus_Mons", None),
        ("", None),
        ("+05:30", None),
        ("EST-5", None),
    ],
)
def test_non_iana_names_are_rejected(name: str, suggestion: str | None) -> None:
    with pytest.raises(ExpressionError) as raised:
        load_timezone(name)
    if suggestion is not None:
        assert suggestion in str(raised.value)


# --- 8. Bad input of any kind is an ExpressionError, never another exception --------------
# Issue 2: "Bad input of any kind ... ends with a clear message"; the config layer relies on
# first_fire_time to reject never-firing schedules, so it must not blow up either.
@pytest.mark.parametrize(
    ("expression", "timezone"),
    [
        ("rate(99999999999 minutes)", "UTC"),
        ("rate(999999999999999 days)", "UTC"),
        ("at(9999-12-31T23:59:59)", "Pacific/Pago_Pago"),
        ("at(9999-12-31T23:59:59)", "UTC"),
    ],
)
def test_extreme_values_are_rejected_or_never_fire(expression: str, timezone: str) -> None:
    try:
        parsed = parse(expression)
    except ExpressionError:
        return
    assert first_fire_time(parsed, timezone, after=at_utc("2026-01-01 00:00")) is None


# AWS documents every value as ASCII digits (0-59, 1970-2199, "a positive number"); Python's
# str.isdigit()/int() also accept other scripts' digits, which AWS would reject at apply time.
@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 0 ? * \uff15 *)",  # FULLWIDTH DIGIT FIVE
        "cron(\u0660 0 * * ? *)",  # ARABIC-INDIC DIGIT ZERO
        "cron(0 0 1 1 ? \uff12\uff10\uff12\uff16)",
        "rate(\uff15 minutes)",
        "cron(0 \u00b2 * * ? *)",  # SUPERSCRIPT TWO
    ],
)
def test_only_ascii_digits_are_numbers(expression: str) -> None:
    with pytest.raises(ExpressionError):
        parse(expression)


# --- 9. DST against a wall-clock oracle ---------------------------------------------------
# The oracle walks UTC in quarter hours (every offset of these zones is a multiple of 15
# minutes and the expressions fire on quarter hours), reads the zone's wall clock with
# zoneinfo and keeps a wall time the first time it is seen (AWS: a repeated time "runs only
# once"; a skipped one never shows on the clock). Windows cover both 2026 transitions of
# each zone.
ORACLE_ZONES = [
    "America/New_York",
    "Australia/Lord_Howe",
    "Antarctica/Troll",
    "Pacific/Chatham",  # +12:45/+13:45
    "America/Santiago",
]
ORACLE_WINDOWS = [
    (at_utc("2026-03-01 00:00"), at_utc("2026-04-10 00:00")),
    (at_utc("2026-09-01 00:00"), at_utc("2026-11-05 00:00")),
]


def oracle(expression: str, timezone: str, start: datetime, end: datetime) -> list[datetime]:
    zone = load_timezone(timezone)
    minutes_field, hours_field = expression.removeprefix("cron(").split()[:2]
    minutes = {int(value) for value in minutes_field.split(",")}
    hours = set(range(24)) if hours_field == "*" else {int(hours_field)}
    seen: set[datetime] = set()
    found = []
    moment = start + timedelta(minutes=15)
    while moment <= end:
        wall = moment.astimezone(zone).replace(tzinfo=None)
        if wall not in seen and wall.minute in minutes and wall.hour in hours:
            found.append(moment)
        seen.add(wall)
        moment += timedelta(minutes=15)
    return found


@pytest.mark.parametrize("timezone", ORACLE_ZONES)
@pytest.mark.parametrize("expression", ["cron(0,30 * * * ? *)", "cron(15,45 2 * * ? *)"])
def test_cron_matches_the_wall_clock_oracle(expression: str, timezone: str) -> None:
    for start, end in ORACLE_WINDOWS:
        times = fire_times(parse(expression), timezone, after=start, end_date=end)
        assert list(times) == oracle(expression, timezone, start, end)


# Python refuses int() on more than 4300 digits with a ValueError; every number in an
# expression must still end in an ExpressionError naming its field.
HUGE = "9" * 5000


@pytest.mark.parametrize(
    ("expression", "names"),
    [
        (f"cron({HUGE} * * * ? *)", "cron field 1 (minutes)"),
        (f"cron(*/{HUGE} * * * ? *)", "cron field 1 (minutes)"),
        (f"cron(0 0 ? * 2#{HUGE} *)", "cron field 5 (day-of-week)"),
        (f"cron(0 0 1 1 ? {HUGE})", "cron field 6 (year)"),
        (f"rate({HUGE} minutes)", "rate:"),
    ],
    ids=["minutes", "increment", "occurrence", "year", "rate"],
)
def test_numbers_too_long_for_int_are_expression_errors(expression: str, names: str) -> None:
    with pytest.raises(ExpressionError) as raised:
        parse(expression)
    assert names in str(raised.value)
