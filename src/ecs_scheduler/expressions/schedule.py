"""Fire times of an expression in a time zone, with EventBridge Scheduler's DST rules.

- cron fires at wall-clock times of the zone. A wall time that does not exist (the hour
  skipped in spring) does not fire that day; a wall time that happens twice (the hour
  repeated in autumn) fires once, at its first occurrence.
- rate is fixed elapsed time, blind to the zone: start_date, start_date + n, … when a start
  date is given; otherwise it is anchored at ``after`` (after + n, after + 2n, …).
- at fires once at its wall time in the zone (the first occurrence if repeated, never if the
  wall time does not exist).

Cron iteration walks the fields (year → month → matching day → hour → minute), starting each
from the lower bound, so the cost of a fire time does not depend on how far away it is, and
an expression that never fires is known after at most 230 years × 12 months of day lookups.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from ecs_scheduler.expressions.cron import FIRST_YEAR, LAST_YEAR, CronExpression
from ecs_scheduler.expressions.parsing import AtExpression, Expression, RateExpression
from ecs_scheduler.expressions.timezones import load_timezone

_ONE_MICROSECOND = timedelta(microseconds=1)
_NO_OFFSET = timedelta(0)
_NOON = timedelta(hours=12)
_LAST_MINUTE = timedelta(hours=23, minutes=59)
_BEGINNING = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC) - timedelta(days=2)
# The year field ends at 2199 in any zone; no schedule fires after that year is over anywhere.
_END_OF_TIME = datetime(LAST_YEAR + 1, 1, 2, tzinfo=UTC)


def _require_aware(name: str, moment: datetime) -> None:
    if moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {moment!r}")


def _wall_to_utc(zone: ZoneInfo, wall: datetime) -> datetime | None:
    """The first instant the zone's clocks show ``wall`` (naive), or None if they never do."""
    try:
        instant = wall.replace(tzinfo=zone).astimezone(UTC)  # fold=0: the first occurrence
    except OverflowError:  # an at() in year 1 or 9999, beyond what datetime can shift
        return None
    if instant.astimezone(zone).replace(tzinfo=None) != wall:
        return None
    return instant


def _cron_fire_times(
    expression: CronExpression, zone: ZoneInfo, after: datetime
) -> Iterator[datetime]:
    local = after.astimezone(zone)
    year0, month0, day0, hour0, minute0 = (
        local.year,
        local.month,
        local.day,
        local.hour,
        local.minute,
    )
    minutes = expression.minutes
    hours = expression.hours
    months = expression.months
    years = expression.years
    days_in = expression.day_rule.days_in
    for year in itertools.islice(years, bisect_left(years, year0), None):  # 230 years: no copy
        in_first_year = year == year0
        for month in months[bisect_left(months, month0) :] if in_first_year else months:
            in_first_month = in_first_year and month == month0
            days = days_in(year, month)
            for day in days[bisect_left(days, day0) :] if in_first_month else days:
                in_first_day = in_first_month and day == day0
                day_hours = hours[bisect_left(hours, hour0) :] if in_first_day else hours
                if not day_hours:  # the first day, already past its last hour
                    continue
                midnight = datetime(year, month, day)
                offset = zone.utcoffset(midnight) or _NO_OFFSET
                # Most days have one UTC offset throughout: then wall → UTC is a subtraction.
                single_offset = (
                    offset
                    == zone.utcoffset(midnight + _NOON)
                    == zone.utcoffset(midnight + _LAST_MINUTE)
                )
                for hour in day_hours:
                    in_first_hour = in_first_day and hour == hour0
                    for minute in (
                        # after's own minute began at or before it, whatever the fold.
                        minutes[bisect_right(minutes, minute0) :] if in_first_hour else minutes
                    ):
                        if single_offset:
                            # Positional tzinfo: building a datetime with keywords costs more.
                            instant: datetime | None = (
                                datetime(year, month, day, hour, minute, 0, 0, UTC) - offset
                            )
                        else:
                            instant = _wall_to_utc(zone, datetime(year, month, day, hour, minute))
                        if instant is not None and instant > after:
                            yield instant


def _rate_fire_times(
    expression: RateExpression, after: datetime, start_date: datetime | None
) -> Iterator[datetime]:
    interval = expression.interval
    anchor = start_date if start_date is not None else after
    steps = 0 if anchor > after else (after - anchor) // interval + 1
    instant = (anchor + steps * interval).astimezone(UTC)
    while True:
        yield instant
        instant += interval


def _at_fire_times(expression: AtExpression, zone: ZoneInfo, after: datetime) -> Iterator[datetime]:
    if not FIRST_YEAR <= expression.at.year <= LAST_YEAR:  # the year range binds at() too
        return
    instant = _wall_to_utc(zone, expression.at)
    if instant is not None and instant > after:
        yield instant


def _candidates(
    expression: Expression,
    timezone: str,
    after: datetime,
    start_date: datetime | None,
    end_date: datetime | None,
) -> tuple[Iterator[datetime], datetime]:
    """Fire times after the window's lower bound, in order, and the window's upper bound."""
    zone = load_timezone(timezone)
    _require_aware("after", after)
    if start_date is not None:
        _require_aware("start_date", start_date)
    if end_date is not None:
        _require_aware("end_date", end_date)
    lower = after if start_date is None else max(after, start_date - _ONE_MICROSECOND)
    upper = _END_OF_TIME if end_date is None else min(end_date, _END_OF_TIME)
    if lower >= upper:
        return iter(()), upper
    if isinstance(expression, CronExpression):
        return _cron_fire_times(expression, zone, lower), upper
    if isinstance(expression, RateExpression):
        return _rate_fire_times(expression, lower, start_date), upper
    return _at_fire_times(expression, zone, lower), upper


def fire_times(
    expression: Expression,
    timezone: str,
    *,
    after: datetime,
    start_date: datetime | None = None,
    end_date: datetime | None = None,
) -> Iterator[datetime]:
    """Aware UTC fire times strictly after ``after``, inside [start_date, end_date], in order.

    Ends after the last fire time of the window, and at the end of 2199 at the latest.
    """
    candidates, upper = _candidates(expression, timezone, after, start_date, end_date)
    for instant in candidates:
        if instant > upper:
            return
        yield instant


def first_fire_time(
    expression: Expression,
    timezone: str,
    *,
    start_date: datetime | None = None,
    end_date: datetime | None = None,
    after: datetime | None = None,
) -> datetime | None:
    """The first fire time inside the window, or None if the expression never fires there.

    Without ``after``, the window's own start counts: ``start_date`` if given, else the
    beginning of the year range (1970), so the answer does not depend on today's date. A
    rate schedule without either starts when it is created: the current time.
    """
    if after is None:
        if start_date is not None:
            after = start_date - _ONE_MICROSECOND
        elif isinstance(expression, RateExpression):
            after = datetime.now(UTC)
        else:
            after = _BEGINNING
    # The first candidate alone, without fire_times()'s generator around it.
    candidates, upper = _candidates(expression, timezone, after, start_date, end_date)
    instant = next(candidates, None)
    return instant if instant is not None and instant <= upper else None


def flexible_window(fire_time: datetime, minutes: int | None) -> tuple[datetime, datetime]:
    """When the target may actually be invoked: [t, t + window]; [t, t] with the window OFF."""
    return fire_time, fire_time + timedelta(minutes=minutes or 0)


# --- what the clock changes do to fire times ---------------------------------------------

DstChangeKind = Literal["skipped", "repeated", "moved"]
_WEEK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class DstChange:
    """A fire time that a clock change skipped, made ambiguous or moved on the wall clock.

    ``instant`` is the UTC fire time concerned; for a skipped time, the moment the clocks
    jumped over it. ``wall_time`` is the naive local time concerned.
    """

    kind: DstChangeKind
    instant: datetime
    wall_time: datetime
    message: str


def _transition(zone: ZoneInfo, before: datetime, after: datetime) -> datetime:
    """The instant in (before, after] at which the zone's UTC offset changes (to the second)."""
    offset = zone.utcoffset(before.astimezone(zone).replace(tzinfo=None))
    low, high = before, after
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).utcoffset() == offset:
            low = middle
        else:
            high = middle
    return high.replace(microsecond=0)


def _transitions(
    zone: ZoneInfo, start: datetime, end: datetime
) -> Iterator[tuple[datetime, timedelta, timedelta]]:
    """(instant, offset before, offset after) of each clock change in (start, end].

    Offsets are sampled weekly, then bisected: clock changes are months apart in every zone.
    """
    previous = start
    previous_offset = start.astimezone(zone).utcoffset() or timedelta(0)
    while previous < end:
        sample = min(previous + _WEEK, end)
        offset = sample.astimezone(zone).utcoffset() or timedelta(0)
        if offset != previous_offset:
            yield _transition(zone, previous, sample), previous_offset, offset
        previous, previous_offset = sample, offset


def _hours(delta: timedelta) -> str:
    hours, minutes = divmod(abs(int(delta.total_seconds())) // 60, 60)
    if not minutes:
        return f"{hours} h"
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def _cron_matches(expression: CronExpression, wall: datetime) -> bool:
    return (
        wall.year in expression.years
        and wall.month in expression.months
        and wall.day in expression.day_rule.days_in(wall.year, wall.month)
        and wall.hour in expression.hours
        and wall.minute in expression.minutes
    )


def _skipped_cron_times(
    expression: CronExpression, zone: ZoneInfo, start: datetime, end: datetime
) -> Iterator[DstChange]:
    for instant, before, after in _transitions(zone, start, end):
        if after <= before:
            continue
        gap_start = (instant + before).replace(tzinfo=None)
        wall = gap_start.replace(second=0) + timedelta(minutes=gap_start.second > 0)
        gap_end = (instant + after).replace(tzinfo=None)
        while wall < gap_end:
            if _cron_matches(expression, wall):
                yield DstChange(
                    "skipped",
                    instant,
                    wall,
                    f"skipped: clocks go forward {_hours(after - before)} at"
                    f" {gap_start:%H:%M}; {wall:%H:%M} does not exist that day",
                )
            wall += timedelta(minutes=1)


def _repeated_wall_time(zone: ZoneInfo, run: datetime) -> str | None:
    """A note when the run's wall time happens twice (clocks going back); else None."""
    wall = run.astimezone(zone).replace(tzinfo=None)
    first = zone.utcoffset(wall.replace(fold=0))
    second = zone.utcoffset(wall.replace(fold=1))
    if first is None or second is None or first <= second:
        return None
    return (
        f"{wall:%H:%M} happens twice (clocks go back {_hours(first - second)});"
        " fires at the first only"
    )


def dst_changes(
    expression: Expression,
    timezone: str,
    runs: Sequence[datetime],
    *,
    after: datetime,
) -> tuple[DstChange, ...]:
    """What the zone's clock changes do to ``runs`` (consecutive fire times after ``after``).

    - cron: wall times the expression names that a clock change skipped, between ``after``
      and the last run (``skipped``); runs at a wall time that happens twice (``repeated``).
    - rate: runs whose wall time differs from the run before (or from ``after``, where the
      count starts) by a clock change (``moved``), because rate counts elapsed time.
    - at: a run at a wall time that happens twice (``repeated``).
    """
    zone = load_timezone(timezone)
    changes: list[DstChange] = []
    if isinstance(expression, CronExpression) and runs:
        changes.extend(_skipped_cron_times(expression, zone, after, runs[-1]))
    if isinstance(expression, RateExpression):
        for previous, run in itertools.pairwise([after, *runs]):
            shift = (run.astimezone(zone).utcoffset() or timedelta(0)) - (
                previous.astimezone(zone).utcoffset() or timedelta(0)
            )
            if shift:
                wall = run.astimezone(zone).replace(tzinfo=None)
                later = shift > timedelta(0)
                changes.append(
                    DstChange(
                        "moved",
                        run,
                        wall,
                        f"moved {_hours(shift)} {'later' if later else 'earlier'} on the"
                        f" clock (clocks went {'forward' if later else 'back'}):"
                        " rate() counts elapsed time",
                    )
                )
    else:
        for run in runs:
            note = _repeated_wall_time(zone, run)
            if note is not None:
                changes.append(
                    DstChange("repeated", run, run.astimezone(zone).replace(tzinfo=None), note)
                )
    return tuple(sorted(changes, key=lambda change: change.instant))


def never_fires_reason(expression: Expression, timezone: str) -> str:
    """Why an expression that never fires does not: for an at() in a clock change's gap,
    ``": <time> does not exist in <zone>: …"``; otherwise ``""``."""
    if not isinstance(expression, AtExpression):
        return ""
    zone = load_timezone(timezone)
    wall = expression.at
    if not FIRST_YEAR <= wall.year <= LAST_YEAR or _wall_to_utc(zone, wall) is not None:
        return ""
    before = zone.utcoffset(wall.replace(fold=0)) or timedelta(0)
    after = zone.utcoffset(wall.replace(fold=1)) or timedelta(0)
    # A wall time in the gap maps to an instant on each side of the change.
    instant = _transition(zone, wall.replace(tzinfo=UTC) - after, wall.replace(tzinfo=UTC) - before)
    gap_start = (instant + before).replace(tzinfo=None)
    gap_end = (instant + after).replace(tzinfo=None)
    return (
        f": {wall:%Y-%m-%d %H:%M:%S} does not exist in {timezone}, because the clocks go"
        f" forward from {gap_start:%H:%M} to {gap_end:%H:%M} that day (daylight saving time)"
    )
