"""AWS EventBridge Scheduler expressions: ``cron()``, ``rate()``, ``at()`` (DESIGN §5).

Public API (implemented in the submodules):

- ``parse(text) -> CronExpression | RateExpression | AtExpression``; raises ``ExpressionError``
  whose message names the offending field and what is allowed.
- ``fire_times(expression, timezone, *, after, start_date=None, end_date=None)`` ->
  iterator of aware ``datetime`` in UTC, strictly after ``after``, honouring the window and
  the DST rules of DESIGN §5.
- ``first_fire_time(...)`` -> the first fire time in the window, or ``None`` if it never fires.
- ``describe(expression, timezone) -> str``: plain English.
"""
