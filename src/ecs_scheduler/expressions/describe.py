"""Plain-English descriptions: ``"At 06:00, Monday through Friday (America/New_York)"``."""

from __future__ import annotations

from itertools import pairwise

from ecs_scheduler.expressions.cron import (
    DAY_OF_WEEK,
    FIRST_YEAR,
    LAST_YEAR,
    MONTH,
    CronExpression,
    DayOfMonthRule,
    DayOfWeekRule,
)
from ecs_scheduler.expressions.parsing import AtExpression, Expression, RateExpression

_WEEKDAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_ORDINALS = ("first", "second", "third", "fourth", "fifth")
# Up to this many clock times are listed one by one ("At 09:00 and 18:00").
_MAX_LISTED_TIMES = 6


def _join(words: list[str]) -> str:
    if len(words) <= 2:
        return " and ".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _runs(
    values: tuple[int, ...], *, low: int, high: int, cyclic: bool = True
) -> list[tuple[int, int]]:
    """Consecutive runs of sorted values, joined across the field's end as ranges wrap.

    (1, 2, 3, 7) -> [(1, 3), (7, 7)]; hours (0, 1, 2, 22, 23) -> [(22, 2)].
    """
    runs: list[tuple[int, int]] = []
    for value in values:
        if runs and value == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], value)
        else:
            runs.append((value, value))
    if cyclic and len(runs) > 1 and runs[0][0] == low and runs[-1][1] == high:
        runs = [(runs[-1][0], runs[0][1]), *runs[1:-1]]
    return runs


def _spans(
    values: tuple[int, ...], words: tuple[str, ...], *, low: int, cyclic: bool = True
) -> str:
    """'Monday through Friday', 'Saturday and Sunday', '1, 15 and 28 through 3'."""
    listed = []
    high = low + len(words) - 1
    for start, end in _runs(values, low=low, high=high, cyclic=cyclic):
        if start == end:
            listed.append(words[start - low])
        elif (end - start) % len(words) == 1:
            listed.extend([words[start - low], words[end - low]])
        else:
            listed.append(f"{words[start - low]} through {words[end - low]}")
    return _join(listed)


_NUMBERS = tuple(str(n) for n in range(60))
_DAY_NUMBERS = tuple(str(n) for n in range(1, 32))


def _step(values: tuple[int, ...]) -> int | None:
    """The common difference of an arithmetic sequence of three or more values."""
    if len(values) < 3:
        return None
    step = values[1] - values[0]
    if all(b - a == step for a, b in pairwise(values)):
        return step
    return None


def _ordinal(number: int) -> str:
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def _hour_spans(hours: tuple[int, ...]) -> str:
    spans = [f"from {start:02d}:00 to {end:02d}:59" for start, end in _runs(hours, low=0, high=23)]
    return _join(spans)


def _time_of_day(expression: CronExpression) -> str:
    minutes, hours = expression.minutes, expression.hours
    if len(minutes) * len(hours) <= _MAX_LISTED_TIMES:
        times = [f"{hour:02d}:{minute:02d}" for hour in hours for minute in minutes]
        return f"At {_join(times)}"
    repeating = True
    if len(minutes) == 60:
        minute_part = "Every minute"
    elif (step := _step(minutes)) is not None and minutes[0] < step and minutes[-1] + step > 59:
        minute_part = f"Every {step} minutes" + (f" from minute {minutes[0]}" if minutes[0] else "")
    else:
        repeating = False
        plural = "s" if len(minutes) > 1 else ""
        minute_part = f"At minute{plural} {_spans(minutes, _NUMBERS, low=0)}"
    if len(hours) == 24:
        return minute_part if repeating else minute_part + " past every hour"
    if (step := _step(hours)) is not None and hours[0] < step and hours[-1] + step > 23:
        every = f"every {step} hours" + (f" from {hours[0]:02d}:00" if hours[0] else "")
        if not repeating:
            return f"{minute_part} past {every}"
        during = f"during every {_ordinal(step)} hour"
        return f"{minute_part}, {during}" + (f" from {hours[0]:02d}:00" if hours[0] else "")
    return f"{minute_part}, {_hour_spans(hours)}"


def _days(expression: CronExpression) -> str:
    rule = expression.day_rule
    if isinstance(rule, DayOfWeekRule):
        if rule.last_of_weekday is not None:
            return f"on the last {_WEEKDAYS[rule.last_of_weekday - 1]} of the month"
        if rule.nth_weekday is not None:
            weekday, occurrence = rule.nth_weekday
            return f"on the {_ORDINALS[occurrence - 1]} {_WEEKDAYS[weekday - 1]} of the month"
        if len(rule.weekdays) == 7:
            return "every day"
        listed = _spans(rule.weekdays, _WEEKDAYS, low=DAY_OF_WEEK.low)
        return listed if len(rule.weekdays) > 1 else f"every {listed}"
    assert isinstance(rule, DayOfMonthRule)
    if rule.last_day:
        return "on the last day of the month"
    if rule.last_weekday:
        return "on the last weekday of the month"
    if rule.nearest_weekday_to is not None:
        return f"on the weekday nearest day {rule.nearest_weekday_to} of the month"
    if len(rule.days) == 31:
        return "every day"
    if (step := _step(rule.days)) is not None and rule.days[-1] + step > 31:
        return f"every {step} days from day {rule.days[0]} of the month"
    plural = "s" if len(rule.days) > 1 else ""
    return f"on day{plural} {_spans(rule.days, _DAY_NUMBERS, low=1)} of the month"


def _describe_cron(expression: CronExpression) -> str:
    parts = [_time_of_day(expression), _days(expression)]
    if len(expression.months) < 12:
        parts.append("in " + _spans(expression.months, _MONTHS, low=MONTH.low))
    if expression.fields[5] != "*":
        years = tuple(str(year) for year in range(FIRST_YEAR, LAST_YEAR + 1))
        parts.append("in " + _spans(expression.years, years, low=FIRST_YEAR, cyclic=False))
    return ", ".join(parts)


def describe(expression: Expression, timezone: str) -> str:
    """What the expression does, in one English sentence, with the zone it is read in."""
    if isinstance(expression, RateExpression):
        if expression.value == 1:
            return f"Every {expression.unit}"
        return f"Every {expression.value} {expression.unit}s"
    if isinstance(expression, AtExpression):
        return f"Once, at {expression.at:%Y-%m-%d %H:%M:%S} ({timezone})"
    return f"{_describe_cron(expression)} ({timezone})"
