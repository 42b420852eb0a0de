"""The hand-over instant: for any pair of expressions and any start instant, every fire time
of the cut-over window is served exactly once, by the old side or the new, never both, never
neither, flexible windows included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ecs_scheduler.expressions import ExpressionError, RateExpression, fire_times, parse
from ecs_scheduler.migration.handover import Handover, Timing, handover

MINUTES = ("0", "15", "0/15", "5,35", "0/5", "*", "10-20")
HOURS = ("*", "6", "0/6", "1-5", "23", "2")
DAYS = (("*", "?"), ("?", "MON-FRI"), ("1", "?"), ("L", "?"), ("?", "SUN"))
ZONES = ("UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe")
WINDOWS = (None, 1, 5, 15, 60)
WITHIN = timedelta(days=1)
LOOK_FURTHER = timedelta(days=2)


@st.composite
def expressions(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        unit = draw(st.sampled_from(("minute", "minutes", "hour", "hours", "day")))
        value = 1 if unit == "day" else draw(st.integers(1, 90 if "minute" in unit else 12))
        return f"rate({value} {unit})"
    day_of_month, day_of_week = draw(st.sampled_from(DAYS))
    minute, hour = draw(st.sampled_from(MINUTES)), draw(st.sampled_from(HOURS))
    return f"cron({minute} {hour} {day_of_month} * {day_of_week} *)"


instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@st.composite
def timings(draw: st.DrawFn, kind: str = "schedule") -> Timing:
    expression = parse(draw(expressions()))
    rule = kind == "rule"
    rate = isinstance(expression, RateExpression)
    anchor = draw(instants) - timedelta(days=800) if rate else None
    return Timing(
        kind="rule" if rule else "schedule",
        expression=expression,
        timezone="UTC" if rule else draw(st.sampled_from(ZONES)),
        flexible_window_minutes=None if rule else draw(st.sampled_from(WINDOWS)),
        anchor=anchor,
    )


def served_by_new(new: Timing, result: Handover, after: datetime, until: datetime) -> set[datetime]:
    """What the new schedule fires, created with StartDate = result.new_start."""
    assert result.new_start is not None
    return set(
        fire_times(
            new.expression,
            new.timezone,
            after=after,
            start_date=result.new_start,
            end_date=until,
        )
    )


def assert_quiet(side: Timing, instant: datetime, margin: timedelta, before: datetime) -> None:
    """No invocation of ``side`` (fire time t, window [t, t + w]) comes within margin of it."""
    for fire_time in side.fire_times(before):
        if fire_time - margin > instant:
            return
        assert not fire_time - margin <= instant <= fire_time + side.window + margin


def check_exactly_once(old: Timing, new: Timing, start: datetime, margin: timedelta) -> bool:
    """Checks the property; True when a hand-over was found within the limit."""
    result = handover(
        old, new, start=start, margin=margin, within=WITHIN, look_further=LOOK_FURTHER
    )
    return assert_served_once(old, new, result, start, margin)


def assert_served_once(
    old: Timing, new: Timing, result: Handover, start: datetime, margin: timedelta
) -> bool:
    """The property, for a hand-over ``result`` looked for from ``start`` within WITHIN."""
    if result.old_end is None:
        assert result.new_start is None
        if result.next_safe is not None:
            assert result.next_safe > start + WITHIN
            assert_quiet(old, result.next_safe, margin, start - timedelta(days=2))
        return False
    assert result.new_start is not None
    assert start <= result.old_end <= start + WITHIN
    assert result.old_end <= result.new_start
    # The hand-over instant is quiet for the old side whatever the boundary semantics are.
    lookback = start - timedelta(days=2)
    assert_quiet(old, result.old_end, margin, lookback)
    horizon = result.new_start + timedelta(days=3)
    old_times: list[datetime] = []
    for fire_time in old.fire_times(lookback):
        if fire_time > horizon:
            break
        old_times.append(fire_time)
    served_old = {t for t in old_times if t <= result.old_end}
    new_times = served_by_new(new, result, lookback, horizon)
    if not isinstance(new.expression, RateExpression):
        # Nor does any invocation of the new side straddle the instant its StartDate falls on.
        assert_quiet(new, result.new_start, margin, lookback)
    if (old.expression, old.timezone) == (new.expression, new.timezone):
        for fire_time in old_times:
            if fire_time < start:
                continue
            assert (fire_time in served_old) != (fire_time in new_times), fire_time
        assert new_times <= set(old_times)
    else:
        # Each side runs only on its own side of the hand-over: no run is done twice.
        assert all(t >= result.new_start for t in new_times)
        assert not served_old & new_times
    return True


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    old=timings(),
    start=instants,
    margin=st.integers(0, 5).map(lambda m: timedelta(minutes=m)),
)
def test_a_schedule_replaced_by_its_own_translation_serves_each_fire_time_once(
    old: Timing, start: datetime, margin: timedelta
) -> None:
    found = check_exactly_once(old, old, start, margin)
    event("hand-over found" if found else "no quiet moment within a day")


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    old=timings(kind="rule"),
    start=instants,
    margin=st.integers(0, 5).map(lambda m: timedelta(minutes=m)),
)
def test_a_rule_replaced_by_its_translation_hands_over_in_a_quiet_moment(
    old: Timing, start: datetime, margin: timedelta
) -> None:
    # The translation: the same expression, now a Scheduler schedule in UTC, no window.
    new = Timing("schedule", old.expression, "UTC", None, old.anchor)
    found = check_exactly_once(old, new, start, margin)
    event("hand-over found" if found else "no quiet moment within a day")


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    old=timings(),
    new=timings(),
    start=instants,
    margin=st.integers(0, 5).map(lambda m: timedelta(minutes=m)),
)
def test_any_pair_hands_over_with_no_invocation_on_the_boundary(
    old: Timing, new: Timing, start: datetime, margin: timedelta
) -> None:
    found = check_exactly_once(old, new, start, margin)
    event("hand-over found" if found else "no quiet moment within a day")


START = datetime(2026, 6, 1, 5, 59, 30, tzinfo=UTC)


def test_an_hourly_schedule_with_a_window_hands_over_after_the_window_closes() -> None:
    hourly = Timing("schedule", parse("cron(0 * * * ? *)"), "Europe/Paris", 15)
    result = handover(hourly, hourly, start=START)
    # 06:00 fires and may run until 06:15; one minute of margin; 07:00 is the new one's.
    end = datetime(2026, 6, 1, 6, 16, 1, tzinfo=UTC)
    assert result == Handover(old_end=end, new_start=end)


def test_the_same_rate_keeps_its_phase() -> None:
    anchor = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)
    daily = Timing("rule", parse("rate(1 day)"), anchor=anchor)
    new = Timing("schedule", parse("rate(1 day)"), anchor=anchor)
    result = handover(daily, new, start=START)
    assert result == Handover(old_end=START, new_start=datetime(2026, 6, 2, 3, 0, tzinfo=UTC))


def test_a_rule_that_is_never_quiet_has_no_hand_over_and_no_safe_moment() -> None:
    every_minute = Timing("rule", parse("rate(1 minute)"), anchor=START)
    hourly = Timing("schedule", parse("cron(0 * * * ? *)"))
    assert handover(every_minute, hourly, start=START) == Handover(None, None, None)


def test_a_quiet_moment_beyond_the_limit_is_named_as_the_next_safe_one() -> None:
    busy_all_day = Timing("rule", parse("cron(* 0-20 * * ? *)"))
    daily = Timing("schedule", parse("cron(0 22 * * ? *)"))
    result = handover(busy_all_day, daily, start=START, within=timedelta(hours=2))
    # 20:59 is the last busy minute; with a minute of margin, 21:00:01 is the first quiet one.
    assert result == Handover(None, None, datetime(2026, 6, 1, 21, 0, 1, tzinfo=UTC))


def test_a_rate_without_its_anchor_and_a_rule_with_a_time_zone_are_refused() -> None:
    with pytest.raises(ExpressionError, match="counts from when the schedule started"):
        Timing("schedule", parse("rate(5 minutes)"))
    with pytest.raises(ExpressionError, match="a rule fires in UTC"):
        Timing("rule", parse("cron(0 6 * * ? *)"), "Europe/Paris")
