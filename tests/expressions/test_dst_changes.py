"""dst_changes() and never_fires_reason(): what clock changes do to fire times, said in words."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from ecs_scheduler.expressions import (
    DstChange,
    dst_changes,
    fire_times,
    never_fires_reason,
    parse,
)
from ecs_scheduler.loader import ConfigError, loads
from tests.conftest import EXAMPLES_DIR


def changes(text: str, zone: str, after: datetime, count: int) -> tuple[DstChange, ...]:
    expression = parse(text)
    runs = list(itertools.islice(fire_times(expression, zone, after=after), count))
    return dst_changes(expression, zone, runs, after=after)


def test_cron_time_in_the_spring_gap_is_reported_skipped() -> None:
    (change,) = changes(
        "cron(30 2 * * ? *)", "America/New_York", datetime(2026, 3, 6, tzinfo=UTC), 4
    )
    assert change == DstChange(
        "skipped",
        datetime(2026, 3, 8, 7, 0, tzinfo=UTC),
        datetime(2026, 3, 8, 2, 30),
        "skipped: clocks go forward 1 h at 02:00; 02:30 does not exist that day",
    )


def test_every_skipped_minute_of_a_half_hour_gap_is_reported() -> None:
    found = changes(
        "cron(0/10 2 * * ? *)", "Australia/Lord_Howe", datetime(2026, 10, 3, tzinfo=UTC), 12
    )
    assert [change.wall_time.minute for change in found] == [0, 10, 20]
    assert all(change.kind == "skipped" for change in found)
    assert "clocks go forward 30 min at 02:00" in found[0].message


def test_cron_time_in_the_autumn_overlap_is_reported_repeated() -> None:
    (change,) = changes(
        "cron(30 1 * * ? *)", "America/New_York", datetime(2026, 10, 30, tzinfo=UTC), 4
    )
    assert (change.kind, change.instant) == ("repeated", datetime(2026, 11, 1, 5, 30, tzinfo=UTC))
    assert change.message == "01:30 happens twice (clocks go back 1 h); fires at the first only"


def test_rate_run_moved_on_the_wall_clock_is_reported() -> None:
    found = changes("rate(1 day)", "Europe/London", datetime(2026, 3, 27, 9, tzinfo=UTC), 4)
    (change,) = found
    assert change.kind == "moved"
    assert change.instant == datetime(2026, 3, 29, 9, tzinfo=UTC)
    assert change.wall_time == datetime(2026, 3, 29, 10, 0)
    assert "moved 1 h later on the clock" in change.message


def test_no_change_in_a_zone_without_dst_or_away_from_the_changes() -> None:
    assert changes("cron(30 2 * * ? *)", "UTC", datetime(2026, 3, 6, tzinfo=UTC), 10) == ()
    assert (
        changes("cron(30 2 * * ? *)", "America/New_York", datetime(2026, 6, 1, tzinfo=UTC), 10)
        == ()
    )
    assert changes("rate(1 hour)", "Asia/Kolkata", datetime(2026, 3, 6, tzinfo=UTC), 50) == ()


@pytest.mark.parametrize(
    ("text", "zone", "reason"),
    [
        (
            "at(2026-03-08T02:30:00)",
            "America/New_York",
            ": 2026-03-08 02:30:00 does not exist in America/New_York, because the clocks go"
            " forward from 02:00 to 03:00 that day (daylight saving time)",
        ),
        (
            "at(2026-10-04T02:10:00)",
            "Australia/Lord_Howe",
            ": 2026-10-04 02:10:00 does not exist in Australia/Lord_Howe, because the clocks go"
            " forward from 02:00 to 02:30 that day (daylight saving time)",
        ),
        ("at(2026-03-08T03:30:00)", "America/New_York", ""),
        ("cron(0 0 30 2 ? *)", "UTC", ""),
    ],
)
def test_never_fires_reason(text: str, zone: str, reason: str) -> None:
    assert never_fires_reason(parse(text), zone) == reason


def test_validate_says_an_at_time_falls_in_the_dst_gap() -> None:
    """The error once said only 'never fires'."""
    text = (EXAMPLES_DIR / "one-time.yaml").read_text(encoding="utf-8")
    text = text.replace("at(2030-03-01T02:30:00)", "at(2030-03-31T02:30:00)")
    with pytest.raises(ConfigError) as raised:
        loads(text, now=datetime(2026, 1, 1, tzinfo=UTC))
    (issue,) = raised.value.issues
    assert issue.message == (
        "at(2030-03-31T02:30:00) never fires: 2030-03-31 02:30:00 does not exist in"
        " Europe/Berlin, because the clocks go forward from 02:00 to 03:00 that day"
        " (daylight saving time)"
    )
