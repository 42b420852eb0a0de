"""The hand-over instant between an old schedule (or rule) and the one replacing it.

Pure: fire times come from the expression engine. An invocation belongs to a fire time t and
may happen anywhere in its flexible window [t, t + window]; a *busy* interval is that window
widened by ``margin`` on both sides. The hand-over instant H is the first moment at or after
``start`` that lies in no busy interval of either schedule, so whatever AWS does at the exact
boundary (``EndDate``/``StartDate`` applied to the fire time or to the invocation, a rule
disabled a little early or late), each fire time is served by exactly one side:

- Scheduler → Scheduler: the old schedule's ``EndDate`` is H and the new one's ``StartDate``
  is H. A new ``rate()`` schedule counts from its ``StartDate``; when both are the same rate,
  ``StartDate`` is instead the old schedule's first fire time after H, which keeps the phase.
- rule → Scheduler: a rule has neither date, so it is disabled at H (a quiet moment: nothing
  fires within ``margin`` of it) and the new schedule starts at H.

When no quiet moment comes within ``within`` of ``start``, the result has no hand-over and
names the next safe moment, looked for up to ``look_further`` beyond.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from ecs_scheduler.expressions import Expression, RateExpression, fire_times
from ecs_scheduler.expressions.errors import ExpressionError

_STEP = timedelta(seconds=1)


@dataclass(frozen=True)
class Timing:
    """When a schedule or rule fires: what the hand-over needs to know of it.

    ``anchor`` is where a ``rate()`` counts from: the schedule's ``StartDate``, or when it
    (or the rule) was created. Rules are read in UTC and have no flexible window.
    """

    kind: Literal["schedule", "rule"]
    expression: Expression
    timezone: str = "UTC"
    flexible_window_minutes: int | None = None
    anchor: datetime | None = None

    def __post_init__(self) -> None:
        if self.kind == "rule" and (self.timezone != "UTC" or self.flexible_window_minutes):
            raise ExpressionError("a rule fires in UTC and has no flexible window")
        if isinstance(self.expression, RateExpression) and self.anchor is None:
            raise ExpressionError(
                f"{self.expression.text} counts from when the schedule started: its fire times "
                "are unknown without that instant (anchor)"
            )

    @property
    def window(self) -> timedelta:
        return timedelta(minutes=self.flexible_window_minutes or 0)

    def fire_times(self, after: datetime) -> Iterator[datetime]:
        return fire_times(self.expression, self.timezone, after=after, start_date=self.anchor)


@dataclass(frozen=True)
class Handover:
    """``old_end``: the old schedule's ``EndDate``, or the moment to disable the rule;
    ``new_start``: the new schedule's ``StartDate``. Both ``None`` when no quiet moment comes
    within the limit: ``next_safe`` is then the first one after it (``None`` if none was found
    in the look-ahead either)."""

    old_end: datetime | None
    new_start: datetime | None
    next_safe: datetime | None = None


def handover(
    old: Timing,
    new: Timing,
    *,
    start: datetime,
    margin: timedelta = timedelta(minutes=1),
    within: timedelta = timedelta(days=1),
    look_further: timedelta = timedelta(days=31),
) -> Handover:
    """The hand-over between ``old`` and ``new`` at or after ``start`` (see the module doc)."""
    if new.kind != "schedule":
        raise ExpressionError("the replacement is an EventBridge Scheduler schedule")
    same_rate = (
        isinstance(old.expression, RateExpression)
        and isinstance(new.expression, RateExpression)
        and old.expression.interval == new.expression.interval
    )
    # A new rate() schedule counts from its StartDate: it has no fire time before it.
    sides = [old] if isinstance(new.expression, RateExpression) else [old, new]
    quiet = first_quiet(sides, start, start + within + look_further, margin)
    if quiet is None or quiet > start + within:
        return Handover(old_end=None, new_start=None, next_safe=quiet)
    new_start = quiet
    if same_rate:
        new_start = next(old.fire_times(quiet))
    return Handover(old_end=quiet, new_start=new_start)


def first_quiet(
    sides: list[Timing], start: datetime, until: datetime, margin: timedelta
) -> datetime | None:
    """The first instant ≥ ``start`` (and ≤ ``until``) outside every busy interval, each
    taken to last one second longer (so a rerun from a later start finds the same one)."""
    # Busy intervals that may still cover ``start`` began at most window + margin before it.
    streams = [
        _busy(side, start - side.window - 2 * margin - _STEP, until, margin) for side in sides
    ]
    heads = [next(stream, None) for stream in streams]
    candidate = start
    while candidate <= until:
        moved = False
        for index, stream in enumerate(streams):
            head = heads[index]
            while head is not None and head[1] + _STEP <= candidate:  # ended: done with it
                head = next(stream, None)
            heads[index] = head
            # The second after a busy interval counts as busy too: whatever the start, the
            # first quiet moment after a busy interval is then the same one.
            if head is not None and head[0] <= candidate < head[1] + _STEP:
                candidate = head[1] + _STEP
                moved = True
        if not moved:
            return candidate
    return None


def _busy(
    side: Timing, after: datetime, until: datetime, margin: timedelta
) -> Iterator[tuple[datetime, datetime]]:
    """``side``'s busy intervals between ``after`` and ``until``, merged where they overlap,
    in order (an expression that is always busy ends in one interval past ``until``)."""
    current: tuple[datetime, datetime] | None = None
    for fire_time in side.fire_times(after):
        low, high = fire_time - margin, fire_time + side.window + margin
        if low > until:
            break
        if current is not None and low <= current[1] + _STEP:
            current = (current[0], max(current[1], high))
            continue
        if current is not None:
            yield current
        current = (low, high)
    if current is not None:
        yield current
