"""Plain-English descriptions: ``"At 06:00, Monday through Friday (America/New_York)"``."""

from __future__ import annotations

from itertools import pairwise

from ecs_scheduler.expressions.cron import (
    DAY_OF_WEEK,
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


def _runs(values: tuple[int, ...]) -> list[tuple[int, int]]:
    """Consecutive runs of sorted values: (1, 2, 3, 7) -> [(1, 3), (7, 7)]."""
    runs: list[tuple[int, int]] = []
    for value in values:
        if runs and value == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], value)
        else:
            runs.append((value, value))
    return runs


def _spans(values: tuple[int, ...], name: tuple[str, ...] | None, first: int) -> str:
    words = []
    for start, end in _runs(values):
        start_word = name[start - first] if name else str(start)
        end_word = name[end - first] if name else str(end)
        if start == end:
            words.append(start_word)
        elif end == start + 1:
            words.extend([start_word, end_word])
        else:
            words.append(f"{start_word} through {end_word}")
    return _join(words)


def _step(values: tuple[int, ...]) -> int | None:
    """The common difference of an arithmetic sequence of three or more values."""
    if len(values) < 3:
        return None
    step = values[1] - values[0]
    if all(b - a == step for a, b in pairwise(values)):
        return step
    return None


def _time_of_day(expression: CronExpression) -> str:
    minutes, hours = expression.minutes, expression.hours
    if len(minutes) * len(hours) <= _MAX_LISTED_TIMES:
        times = [f"{hour:02d}:{minute:02d}" for hour in hours for minute in minutes]
        return f"At {_join(times)}"
    if len(minutes) == 60:
        minute_part = "Every minute"
    elif (step := _step(minutes)) is not None and minutes[0] < step and minutes[-1] + step > 59:
        minute_part = f"Every {step} minutes" + (f" from minute {minutes[0]}" if minutes[0] else "")
    elif len(minutes) == 1:
        minute_part = f"At minute {minutes[0]}"
    else:
        minute_part = f"At minutes {_spans(minutes, None, 0)}"
    if len(hours) == 24:
        return minute_part + ", every hour"
    if (step := _step(hours)) is not None and hours[0] < step and hours[-1] + step > 23:
        return (
            minute_part + f", every {step} hours" + (f" from {hours[0]:02d}:00" if hours[0] else "")
        )
    return minute_part + ", during hour " + _spans(hours, tuple(f"{h:02d}" for h in range(24)), 0)


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
        listed = _spans(rule.weekdays, _WEEKDAYS, DAY_OF_WEEK.low)
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
        return f"every {step} days of the month from day {rule.days[0]}"
    plural = "s" if len(rule.days) > 1 else ""
    return f"on day{plural} {_spans(rule.days, None, 1)} of the month"


def _describe_cron(expression: CronExpression) -> str:
    parts = [_time_of_day(expression), _days(expression)]
    if len(expression.months) < 12:
        parts.append("in " + _spans(expression.months, _MONTHS, MONTH.low))
    if expression.fields[5] != "*":
        parts.append("in " + _spans(expression.years, None, 0))
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
