"""Properties: agreement with croniter, an independent day-rule oracle, and self-consistency."""

from __future__ import annotations

import calendar
import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from croniter import croniter
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ecs_scheduler.expressions import CronExpression, fire_times, first_fire_time, parse

MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DAY_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


@dataclass(frozen=True)
class Field:
    """One cron field written twice: for AWS, and for croniter (Unix cron)."""

    aws: str
    unix: str


# Strategies made once: hypothesis checks each new strategy object on its first draw, which
# cost more than drawing from it when these were made again for every field of every example.
ITEM_KINDS = st.sampled_from(["value", "range", "from-step", "range-step"])
FIELD_SHAPES = st.sampled_from(["*", "*/n", "item", "list"])


@st.composite
def numeric_field(
    draw: st.DrawFn,
    low: int,
    high: int,
    *,
    unix_shift: int = 0,
    names: tuple[str, ...] = (),
    steps: bool = True,
    field_high: int | None = None,
) -> Field:
    """A field in the subset both dialects read the same way (no wrapping ranges).

    Values are drawn from low-high; ``field_high`` is the field's real maximum, where an
    increment such as '5/7' ends.
    """
    end_of_field = high if field_high is None else field_high

    def value_text(value: int) -> tuple[str, str]:
        use_name = bool(names) and draw(st.booleans())
        aws = names[value - low] if use_name else str(value)
        return aws, str(value - unix_shift)

    def item() -> Field:
        kind = draw(ITEM_KINDS)
        if kind in ("range", "range-step") or not steps:
            start = draw(st.integers(low, high))
            end = draw(st.integers(start, high))
            (aws_start, unix_start), (aws_end, unix_end) = value_text(start), value_text(end)
            # croniter reads a one-value day-of-week range such as '6-6' as '*'.
            unix_range = unix_start if start == end else f"{unix_start}-{unix_end}"
            if kind == "range-step" and steps:
                step = draw(st.integers(1, high - low))
                unix_stepped = unix_start if start == end else f"{unix_range}/{step}"
                return Field(f"{aws_start}-{aws_end}/{step}", unix_stepped)
            if kind == "value":
                return Field(aws_start, unix_start)
            return Field(f"{aws_start}-{aws_end}", unix_range)
        start = draw(st.integers(low, high))
        aws_start, unix_start = value_text(start)
        if kind == "value":
            return Field(aws_start, unix_start)
        step = draw(st.integers(1, high - low))
        # AWS 'a/n' runs to the field's maximum; Unix cron spells that 'a-max/n'.
        unix_to_end = (
            unix_start
            if start == end_of_field
            else f"{unix_start}-{end_of_field - unix_shift}/{step}"
        )
        return Field(f"{start}/{step}", unix_to_end)

    shape = draw(FIELD_SHAPES)
    if shape == "*":
        return Field("*", "*")
    if shape == "*/n" and steps:
        step = draw(st.integers(1, high - low))
        return Field(f"*/{step}", f"*/{step}")
    if shape == "list":
        items = [item() for _ in range(draw(st.integers(2, 4)))]
        return Field(",".join(i.aws for i in items), ",".join(i.unix for i in items))
    return item()


MINUTE_FIELDS = numeric_field(0, 59)
HOUR_FIELDS = numeric_field(0, 23)
# Days 29-31 are left out: croniter gives up on month/day combinations that never occur.
DAY_OF_MONTH_FIELDS = numeric_field(1, 28, field_high=31)
MONTH_FIELDS = numeric_field(1, 12, names=MONTH_NAMES)
DAY_OF_WEEK_FIELDS = numeric_field(1, 7, unix_shift=1, names=DAY_NAMES, steps=False)


@st.composite
def shared_cron(draw: st.DrawFn) -> tuple[str, str]:
    """An AWS cron expression and the croniter expression that means the same."""
    minutes = draw(MINUTE_FIELDS)
    hours = draw(HOUR_FIELDS)
    day_of_month = draw(DAY_OF_MONTH_FIELDS)
    month = draw(MONTH_FIELDS)
    day_of_week = draw(DAY_OF_WEEK_FIELDS)
    if draw(st.booleans()):
        aws_days, unix_days = (day_of_month.aws, "?"), (day_of_month.unix, "*")
    else:
        aws_days, unix_days = ("?", day_of_week.aws), ("*", day_of_week.unix)
    aws = f"cron({minutes.aws} {hours.aws} {aws_days[0]} {month.aws} {aws_days[1]} *)"
    unix = f"{minutes.unix} {hours.unix} {unix_days[0]} {month.unix} {unix_days[1]}"
    return aws, unix


instants = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2150, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions=shared_cron(), after=instants)
def test_agrees_with_croniter_in_utc(expressions: tuple[str, str], after: datetime) -> None:
    aws, unix = expressions
    ours = list(islice(fire_times(parse(aws), "UTC", after=after), 25))
    theirs_iterator = croniter(unix, after)
    theirs = [theirs_iterator.get_next(datetime) for _ in ours]
    assert ours == theirs, (aws, unix)
    assert len(ours) == 25 or ours[-1].year == 2199


# --- day rules against an independent oracle ------------------------------------------------


def is_weekday(day: date) -> bool:
    return day.weekday() < 5


def days_of_month(year: int, month: int) -> list[date]:
    return [date(year, month, d) for d in range(1, calendar.monthrange(year, month)[1] + 1)]


def aws_weekday_number(day: date) -> int:
    return {6: 1, 0: 2, 1: 3, 2: 4, 3: 5, 4: 6, 5: 7}[day.weekday()]


def oracle_days(day_of_month: str, day_of_week: str, year: int, month: int) -> set[date]:
    """What the AWS reference says the two day fields mean, written without shortcuts."""
    month_days = days_of_month(year, month)
    weekdays = [d for d in month_days if is_weekday(d)]
    if day_of_month == "L":
        return {month_days[-1]}
    if day_of_month == "LW":
        return {weekdays[-1]}
    if day_of_month.endswith("W"):
        target = int(day_of_month[:-1])
        if target > len(month_days):
            return set()
        return {min(weekdays, key=lambda d: abs(d.day - target))}
    if day_of_month != "?":
        return {d for d in month_days if d.day == int(day_of_month)}
    if day_of_week.endswith("L"):
        weekday = int(day_of_week[:-1])
        return {[d for d in month_days if aws_weekday_number(d) == weekday][-1]}
    if "#" in day_of_week:
        weekday, occurrence = map(int, day_of_week.split("#"))
        same = [d for d in month_days if aws_weekday_number(d) == weekday]
        return {same[occurrence - 1]} if len(same) >= occurrence else set()
    return {d for d in month_days if aws_weekday_number(d) == int(day_of_week)}


day_fields = st.one_of(
    st.just(("L", "?")),
    st.just(("LW", "?")),
    st.integers(1, 31).map(lambda n: (f"{n}W", "?")),
    st.integers(1, 31).map(lambda n: (str(n), "?")),
    st.integers(1, 7).map(lambda n: ("?", f"{n}L")),
    st.tuples(st.integers(1, 7), st.integers(1, 5)).map(lambda p: ("?", f"{p[0]}#{p[1]}")),
    st.integers(1, 7).map(lambda n: ("?", str(n))),
)


@settings(max_examples=300, deadline=None)
@given(fields=day_fields, year=st.integers(1970, 2197))
def test_day_rules_match_the_oracle(fields: tuple[str, str], year: int) -> None:
    day_of_month, day_of_week = fields
    expression = parse(f"cron(0 12 {day_of_month} * {day_of_week} *)")
    start = datetime(year, 1, 1, tzinfo=UTC)
    fired = {
        t.date()
        for t in fire_times(expression, "UTC", after=start, end_date=start.replace(year=year + 2))
    }
    expected = {
        day
        for a_year in (year, year + 1)
        for month in range(1, 13)
        for day in oracle_days(day_of_month, day_of_week, a_year, month)
    }
    assert fired == expected


# --- self-consistency in zones with DST -----------------------------------------------------

zones = st.sampled_from(
    [
        "UTC",
        "America/New_York",
        "Europe/London",
        "Australia/Sydney",
        "Australia/Lord_Howe",
        "Asia/Kolkata",
        "America/Santiago",
        "Pacific/Chatham",
    ]
)


@settings(max_examples=300, deadline=None)
@given(expressions=shared_cron(), timezone=zones, after=instants)
def test_fire_times_increase_and_resume_from_any_fire_time(
    expressions: tuple[str, str], timezone: str, after: datetime
) -> None:
    expression = parse(expressions[0])
    fired = list(islice(fire_times(expression, timezone, after=after), 8))
    assert all(t.tzinfo is UTC for t in fired)
    assert all(earlier < later for earlier, later in zip([after, *fired], fired, strict=False))
    assume(len(fired) >= 2)
    assert first_fire_time(expression, timezone, after=after) == fired[0]
    resumed = list(islice(fire_times(expression, timezone, after=fired[1]), len(fired) - 2))
    assert resumed == fired[2:]


# --- DST against a minute-by-minute oracle --------------------------------------------------

DST_ZONES = (
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Pacific/Chatham",
)


def transitions_in_2026(zone_name: str) -> list[datetime]:
    """UTC hours at which the zone's offset changes during 2026."""
    zone = ZoneInfo(zone_name)
    hour = datetime(2026, 1, 1, tzinfo=UTC)
    found = []
    while hour.year == 2026:
        if (
            hour.astimezone(zone).utcoffset()
            != (hour + timedelta(hours=1)).astimezone(zone).utcoffset()
        ):
            found.append(hour)
        hour += timedelta(hours=1)
    return found


TRANSITIONS = [(zone, moment) for zone in DST_ZONES for moment in transitions_in_2026(zone)]


WALK = timedelta(hours=30)


@functools.cache
def first_sightings(zone_name: str, moment: datetime) -> tuple[tuple[datetime, datetime], ...]:
    """Each wall time of the walk around ``moment``, at the UTC minute it is first seen.

    The same for every expression: walked once per transition, then filtered by each one.
    """
    zone = ZoneInfo(zone_name)
    begin, end = moment - WALK, moment + WALK
    sightings, seen = [], set()
    instant = begin + timedelta(minutes=1)
    while instant <= end:
        wall = instant.astimezone(zone).replace(tzinfo=None)
        if wall not in seen:
            seen.add(wall)
            sightings.append((instant, wall))
        instant += timedelta(minutes=1)
    return tuple(sightings)


@settings(max_examples=120, deadline=None)
@given(
    transition=st.sampled_from(TRANSITIONS),
    minutes=numeric_field(0, 59),
    hours=numeric_field(0, 23),
)
def test_dst_rules_match_a_minute_by_minute_oracle(
    transition: tuple[str, datetime], minutes: Field, hours: Field
) -> None:
    """Walk UTC minute by minute around a transition; a wall time fires the first time seen.

    The walk starts 30 hours before the transition, far from any other, so no wall time in it
    was already seen before it began.
    """
    zone_name, moment = transition
    expression = parse(f"cron({minutes.aws} {hours.aws} * * ? *)")
    assert isinstance(expression, CronExpression)
    expected = [
        instant
        for instant, wall in first_sightings(zone_name, moment)
        if wall.minute in expression.minutes and wall.hour in expression.hours
    ]
    fired = list(fire_times(expression, zone_name, after=moment - WALK, end_date=moment + WALK))
    assert fired == expected
