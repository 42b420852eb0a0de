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

from bisect import bisect_left
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from ecs_scheduler.expressions.cron import FIRST_YEAR, LAST_YEAR, CronExpression
from ecs_scheduler.expressions.parsing import AtExpression, Expression, RateExpression
from ecs_scheduler.expressions.timezones import load_timezone

_ONE_MICROSECOND = timedelta(microseconds=1)
_BEGINNING = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC) - timedelta(days=2)
# The year field ends at 2199 in any zone; no schedule fires after that year is over anywhere.
_END_OF_TIME = datetime(LAST_YEAR + 1, 1, 2, tzinfo=UTC)


def _require_aware(name: str, moment: datetime | None) -> None:
    if moment is not None and moment.utcoffset() is None:
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
    minutes, hours, months, years = (
        expression.minutes,
        expression.hours,
        expression.months,
        expression.years,
    )
    day_rule = expression.day_rule
    for year in years[bisect_left(years, year0) :]:
        in_first_year = year == year0
        for month in months[bisect_left(months, month0) if in_first_year else 0 :]:
            in_first_month = in_first_year and month == month0
            days = day_rule.days_in(year, month)
            for day in days[bisect_left(days, day0) if in_first_month else 0 :]:
                in_first_day = in_first_month and day == day0
                midnight = datetime(year, month, day)
                offset = zone.utcoffset(midnight) or timedelta(0)
                # Most days have one UTC offset throughout: then wall → UTC is a subtraction.
                single_offset = offset == zone.utcoffset(
                    midnight + timedelta(hours=12)
                ) and offset == zone.utcoffset(midnight + timedelta(hours=23, minutes=59))
                utc_midnight = midnight.replace(tzinfo=UTC) - offset
                for hour in hours[bisect_left(hours, hour0) if in_first_day else 0 :]:
                    in_first_hour = in_first_day and hour == hour0
                    for minute in minutes[bisect_left(minutes, minute0) if in_first_hour else 0 :]:
                        if single_offset:
                            instant: datetime | None = utc_midnight + timedelta(
                                minutes=hour * 60 + minute
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
    zone = load_timezone(timezone)
    for name, moment in (("after", after), ("start_date", start_date), ("end_date", end_date)):
        _require_aware(name, moment)
    lower = after if start_date is None else max(after, start_date - _ONE_MICROSECOND)
    upper = _END_OF_TIME if end_date is None else min(end_date, _END_OF_TIME)
    if lower >= upper:
        return
    if isinstance(expression, CronExpression):
        candidates = _cron_fire_times(expression, zone, lower)
    elif isinstance(expression, RateExpression):
        candidates = _rate_fire_times(expression, lower, start_date)
    else:
        candidates = _at_fire_times(expression, zone, lower)
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
    return next(
        fire_times(expression, timezone, after=after, start_date=start_date, end_date=end_date),
        None,
    )


def flexible_window(fire_time: datetime, minutes: int | None) -> tuple[datetime, datetime]:
    """When the target may actually be invoked: [t, t + window]; [t, t] with the window OFF."""
    return fire_time, fire_time + timedelta(minutes=minutes or 0)
