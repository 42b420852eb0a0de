"""describe(): one plain-English sentence per expression, with the zone it is read in."""

from __future__ import annotations

import pytest

from ecs_scheduler.expressions import describe, parse


@pytest.mark.parametrize(
    ("text", "timezone", "expected"),
    [
        (
            "cron(0 6 ? * MON-FRI *)",
            "America/New_York",
            "At 06:00, Monday through Friday (America/New_York)",
        ),
        ("cron(0 10 * * ? *)", "UTC", "At 10:00, every day (UTC)"),
        (
            "cron(0 9,18 ? * MON-FRI *)",
            "Europe/London",
            "At 09:00 and 18:00, Monday through Friday (Europe/London)",
        ),
        ("cron(0 12 ? * SAT,SUN *)", "UTC", "At 12:00, Saturday and Sunday (UTC)"),
        ("cron(0 0 ? * MON,WED,FRI *)", "UTC", "At 00:00, Monday, Wednesday and Friday (UTC)"),
        ("cron(0 0 ? * FRI-MON *)", "UTC", "At 00:00, Friday through Monday (UTC)"),
        ("cron(0 0 ? * 1 *)", "UTC", "At 00:00, every Sunday (UTC)"),
        ("cron(0 12 ? * L *)", "UTC", "At 12:00, every Saturday (UTC)"),
        ("cron(0/15 * * * ? *)", "UTC", "Every 15 minutes, every day (UTC)"),
        ("cron(* * * * ? *)", "UTC", "Every minute, every day (UTC)"),
        (
            "cron(0/5 8-17 ? * MON-FRI *)",
            "UTC",
            "Every 5 minutes, from 08:00 to 17:59, Monday through Friday (UTC)",
        ),
        ("cron(0 20-2 * * ? *)", "UTC", "At minute 0, from 20:00 to 02:59, every day (UTC)"),
        ("cron(30 */2 * * ? *)", "UTC", "At minute 30 past every 2 hours, every day (UTC)"),
        (
            "cron(*/10 1/3 * * ? *)",
            "UTC",
            "Every 10 minutes, during every 3rd hour from 01:00, every day (UTC)",
        ),
        ("cron(5,35 * * * ? *)", "UTC", "At minutes 5 and 35 past every hour, every day (UTC)"),
        (
            "cron(0 0,6,12,18 * * ? *)",
            "UTC",
            "At 00:00, 06:00, 12:00 and 18:00, every day (UTC)",
        ),
        ("cron(0 8 1 * ? *)", "UTC", "At 08:00, on day 1 of the month (UTC)"),
        ("cron(0 0 1,15 * ? *)", "UTC", "At 00:00, on days 1 and 15 of the month (UTC)"),
        ("cron(0 0 28-3 * ? *)", "UTC", "At 00:00, on days 28 through 3 of the month (UTC)"),
        ("cron(0 0 1/5 * ? *)", "UTC", "At 00:00, every 5 days from day 1 of the month (UTC)"),
        ("cron(0 12 L * ? *)", "UTC", "At 12:00, on the last day of the month (UTC)"),
        ("cron(0 12 LW * ? *)", "UTC", "At 12:00, on the last weekday of the month (UTC)"),
        (
            "cron(0 12 15W * ? *)",
            "UTC",
            "At 12:00, on the weekday nearest day 15 of the month (UTC)",
        ),
        ("cron(0 12 ? * 6L *)", "UTC", "At 12:00, on the last Friday of the month (UTC)"),
        ("cron(0 9 ? * 2#1 *)", "UTC", "At 09:00, on the first Monday of the month (UTC)"),
        (
            "cron(0 6 ? JAN,FEB,MAR MON *)",
            "UTC",
            "At 06:00, every Monday, in January through March (UTC)",
        ),
        (
            "cron(0 0 1 NOV-FEB ? *)",
            "UTC",
            "At 00:00, on day 1 of the month, in November through February (UTC)",
        ),
        (
            "cron(0 0 1 1 ? 2027-2030)",
            "UTC",
            "At 00:00, on day 1 of the month, in January, in 2027 through 2030 (UTC)",
        ),
        (
            "cron(0 0 1 1 ? 1970,2199)",
            "UTC",
            "At 00:00, on day 1 of the month, in January, in 1970 and 2199 (UTC)",
        ),
        ("rate(1 minute)", "UTC", "Every minute"),
        ("rate(5 hours)", "Asia/Kolkata", "Every 5 hours"),
        ("rate(1 day)", "UTC", "Every day"),
        ("rate(1 hours)", "UTC", "Every hour"),
        ("rate(5 hour)", "UTC", "Every 5 hours"),
        (
            "at(2026-03-11T10:21:00)",
            "Asia/Kolkata",
            "Once, at 2026-03-11 10:21:00 (Asia/Kolkata)",
        ),
    ],
)
def test_describe(text: str, timezone: str, expected: str) -> None:
    assert describe(parse(text), timezone) == expected
