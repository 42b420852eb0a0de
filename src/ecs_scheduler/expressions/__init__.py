"""AWS EventBridge Scheduler expressions: ``cron()``, ``rate()``, ``at()`` (docs/expressions.md).

- ``parse(text)`` -> ``CronExpression | RateExpression | AtExpression``, parsed once into
  sorted tuples; raises ``ExpressionError`` whose message names the offending field.
- ``load_timezone(name)`` -> ``ZoneInfo``; ``ExpressionError`` (with a did-you-mean) otherwise.
- ``fixed_offset_warning(name, year)`` -> why ``EST`` or ``MST`` is likely not the zone meant.
- ``fire_times(expression, timezone, *, after, start_date=None, end_date=None)`` -> aware UTC
  datetimes strictly after ``after``, inside the window, with the DST rules of docs/expressions.md.
- ``first_fire_time(...)`` -> the first fire time in the window, or ``None`` if it never fires.
- ``describe(expression, timezone)`` -> plain English.
- ``flexible_window(fire_time, minutes)`` -> ``(t, t + window)``.
- ``dst_changes(expression, timezone, runs, *, after)`` -> the fire times clock changes skipped,
  repeated or moved, each a ``DstChange`` with a message.
- ``never_fires_reason(expression, timezone)`` -> why an at() never fires (its wall time is in
  a clock change's gap), or ``""``.

See docs/expressions.md for the exact rules.
"""

from ecs_scheduler.expressions.cron import (
    FIRST_YEAR,
    LAST_YEAR,
    CronExpression,
    DayOfMonthRule,
    DayOfWeekRule,
)
from ecs_scheduler.expressions.describe import describe
from ecs_scheduler.expressions.errors import ExpressionError
from ecs_scheduler.expressions.parsing import AtExpression, Expression, RateExpression, parse
from ecs_scheduler.expressions.schedule import (
    DstChange,
    dst_changes,
    fire_times,
    first_fire_time,
    flexible_window,
    never_fires_reason,
)
from ecs_scheduler.expressions.timezones import fixed_offset_warning, load_timezone

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "AtExpression",
    "CronExpression",
    "DayOfMonthRule",
    "DayOfWeekRule",
    "DstChange",
    "Expression",
    "ExpressionError",
    "RateExpression",
    "describe",
    "dst_changes",
    "fire_times",
    "first_fire_time",
    "fixed_offset_warning",
    "flexible_window",
    "load_timezone",
    "never_fires_reason",
    "parse",
]
