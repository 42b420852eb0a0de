"""The cut-over of a job: every fire time is served exactly once, and a rerun after an
interrupted apply converges to the same hand-over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ecs_scheduler.migration.cutover import (
    DEFAULT_LEAD,
    Cutover,
    GoneSource,
    NewSchedule,
    RuleSource,
    RuleTarget,
    ScheduleSource,
    plan_cutover,
)
from ecs_scheduler.migration.handover import Handover, Timing
from tests.migration.test_handover import (
    LOOK_FURTHER,
    WITHIN,
    assert_served_once,
    instants,
    timings,
)

JOB, STACK = "nightly", "reporting"
SCHEDULE_ARN = "arn:aws:scheduler:us-east-1:123456789012:schedule/default/old"
RULE_ARN = "arn:aws:events:us-east-1:123456789012:rule/old"
margins = st.integers(0, 5).map(lambda m: timedelta(minutes=m))


def source_of(old: Timing, **fields: object) -> ScheduleSource | RuleSource:
    if old.kind == "rule":
        targets = (RuleTarget("ecs", "arn:aws:ecs:us-east-1:123456789012:cluster/c", True),)
        return RuleSource(
            RULE_ARN, "old", "default", old.expression.text, True, targets, anchor=old.anchor
        )
    return ScheduleSource(
        SCHEDULE_ARN,
        old.expression.text,
        old.timezone,
        old.flexible_window_minutes,
        created=old.anchor,
        **fields,  # type: ignore[arg-type]
    )


def new_of(new: Timing, live_start_date: datetime | None = None) -> NewSchedule:
    return NewSchedule(
        "", new.expression.text, new.timezone, new.flexible_window_minutes, None, live_start_date
    )


def cut(
    old: Timing,
    new: Timing,
    now: datetime,
    margin: timedelta,
    *,
    live_start: datetime | None = None,
    **fields: object,
) -> Cutover:
    return plan_cutover(
        JOB,
        STACK,
        [new_of(new, live_start)],
        [source_of(old, **fields)],
        now=now,
        margin=margin,
        max_wait=WITHIN,
        within=WITHIN,
        look_further=LOOK_FURTHER,
    )


def as_handover(result: Cutover) -> Handover:
    [retirement] = result.retirements
    if result.instant is None:
        assert retirement.action == "refuse"
        return Handover(None, None, retirement.at)
    expected = "end" if retirement.what == "schedule" else "disable"
    assert (retirement.action, retirement.at) == (expected, result.instant)
    return Handover(result.instant, result.new_start_dates[""])


def translation(old: Timing) -> Timing:
    """What import writes for ``old``: the same expression, a rule's in UTC, no window."""
    return Timing("schedule", old.expression, old.timezone, old.flexible_window_minutes, old.anchor)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(old=st.one_of(timings(), timings(kind="rule")), now=instants, margin=margins)
def test_a_source_cut_over_to_its_translation_serves_each_fire_time_once(
    old: Timing, now: datetime, margin: timedelta
) -> None:
    new = translation(old)
    result = cut(old, new, now, margin)
    found = assert_served_once(old, new, as_handover(result), now + DEFAULT_LEAD, margin)
    event("hand-over found" if found else "refused: no quiet moment within a day")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(old=st.one_of(timings(), timings(kind="rule")), new=timings(), now=instants, margin=margins)
def test_any_pair_is_cut_over_with_no_invocation_on_the_boundary(
    old: Timing, new: Timing, now: datetime, margin: timedelta
) -> None:
    result = cut(old, new, now, margin)
    found = assert_served_once(old, new, as_handover(result), now + DEFAULT_LEAD, margin)
    event("hand-over found" if found else "refused: no quiet moment within a day")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    old=st.one_of(timings(), timings(kind="rule")),
    new=timings(),
    now=instants,
    margin=margins,
    fraction=st.floats(0, 1),
)
def test_a_rerun_before_the_hand_over_converges_to_the_same_instant(
    old: Timing, new: Timing, now: datetime, margin: timedelta, fraction: float
) -> None:
    """apply killed after creating the replacement (StartDate recorded in AWS), run again
    at any moment up to the lead before H: the same H, the same retirement."""
    first = cut(old, new, now, margin)
    if first.instant is None:
        return
    last_rerun = first.instant - DEFAULT_LEAD
    rerun_at = now + (last_rerun - now) * fraction if last_rerun > now else now
    again = cut(old, new, rerun_at, margin, live_start=first.new_start_dates[""])
    assert again.instant == first.instant
    assert again.new_start_dates == first.new_start_dates
    assert [r.action for r in again.retirements] == [r.action for r in first.retirements]
    assert again.served_twice == ()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(old=timings(), now=instants, margin=margins, late=st.integers(0, 3 * 24 * 60))
def test_a_schedule_ended_at_the_instant_is_settled_and_deleted_once_its_window_passed(
    old: Timing, now: datetime, margin: timedelta, late: int
) -> None:
    new = translation(old)
    first = cut(old, new, now, margin)
    if first.instant is None:
        return
    rerun_at = first.instant + timedelta(minutes=late)
    again = cut(
        old,
        new,
        rerun_at,
        margin,
        live_start=first.new_start_dates[""],
        end_date=first.instant,
        action_after_completion="DELETE",
    )
    [retirement] = again.retirements
    gone_after = first.instant + old.window + margin
    assert retirement.action == ("delete" if rerun_at >= gone_after else "none")
    assert again.instant is None
    assert again.new_start_dates == first.new_start_dates


NOW = datetime(2026, 6, 1, 5, 59, 30, tzinfo=UTC)
TARGET = "arn:aws:ecs:us-east-1:123456789012:cluster/c"


def rule(expression: str, *targets: RuleTarget, enabled: bool = True) -> RuleSource:
    return RuleSource(RULE_ARN, "old", "default", expression, enabled, targets)


def test_a_rule_every_five_minutes_is_disabled_in_the_quiet_moment_after_the_lead() -> None:
    source = rule("cron(0/5 * * * ? *)", RuleTarget("ecs", TARGET, True))
    result = plan_cutover(JOB, STACK, [NewSchedule("", "cron(0/5 * * * ? *)")], [source], now=NOW)
    # now + 5 min = 06:04:30, busy until 06:06 (06:05 ± 1 min): quiet from 06:06:01 to 06:08:59.
    at = datetime(2026, 6, 1, 6, 6, 1, tzinfo=UTC)
    assert result.instant == at and result.new_start_dates == {"": at}
    [retirement] = result.retirements
    assert (retirement.action, retirement.at) == ("disable", at)
    assert retirement.until == datetime(2026, 6, 1, 6, 8, 59, tzinfo=UTC)
    assert retirement.waits(NOW) == at - NOW
    assert "apply waits 6 min 31 s, until 2026-06-01T06:06:01Z" in retirement.reason


def test_a_rule_with_targets_this_job_does_not_replace_loses_only_its_own() -> None:
    source = rule(
        "cron(0 3 * * ? *)",
        RuleTarget("ecs", TARGET, True),
        RuleTarget("notify", "arn:aws:sns:us-east-1:123456789012:t", False),
    )
    result = plan_cutover(JOB, STACK, [NewSchedule("", "cron(0 3 * * ? *)")], [source], now=NOW)
    [retirement] = result.retirements
    assert retirement.action == "remove-targets" and retirement.target_ids == ("ecs",)
    assert "keeps running for its 1 other target(s)" in retirement.reason


def test_a_rule_busy_beyond_the_longest_wait_is_refused_with_the_next_safe_moment() -> None:
    source = rule("cron(* 0-20 * * ? *)", RuleTarget("ecs", TARGET, True))
    result = plan_cutover(JOB, STACK, [NewSchedule("", "cron(0 22 * * ? *)")], [source], now=NOW)
    [retirement] = result.retirements
    assert result.refused and result.instant is None and result.new_start_dates == {}
    assert retirement.at == datetime(2026, 6, 1, 21, 0, 1, tzinfo=UTC)
    assert "the next safe moment is 2026-06-01T21:00:01Z" in retirement.reason


def test_a_rate_rule_without_its_creation_time_is_refused() -> None:
    source = rule("rate(1 hour)", RuleTarget("ecs", TARGET, True))
    result = plan_cutover(JOB, STACK, [NewSchedule("", "rate(1 hour)")], [source], now=NOW)
    [retirement] = result.retirements
    assert retirement.action == "refuse" and "counts from when" in retirement.reason


def test_a_gone_source_is_a_note_and_an_own_one_an_error() -> None:
    new = [NewSchedule("", "cron(0 3 * * ? *)")]
    gone = plan_cutover(JOB, STACK, new, [GoneSource(SCHEDULE_ARN)], now=NOW)
    assert gone.retirements == () and gone.errors == ()
    assert gone.notes == (
        f"job {JOB} replaces {SCHEDULE_ARN}, which no longer exists: nothing to retire.",
    )
    own = ScheduleSource(SCHEDULE_ARN, "cron(0 3 * * ? *)", owner_stack=STACK)
    result = plan_cutover(JOB, STACK, new, [own], now=NOW)
    assert result.errors and "which stack reporting itself owns" in result.errors[0]
    other = ScheduleSource(SCHEDULE_ARN, "cron(0 3 * * ? *)", owner_stack="another")
    assert plan_cutover(JOB, STACK, new, [other], now=NOW).errors == ()


def test_a_disabled_schedule_is_deleted_at_once_and_a_disabled_rule_left() -> None:
    new = [NewSchedule("", "cron(0 3 * * ? *)")]
    disabled = ScheduleSource(SCHEDULE_ARN, "cron(0 3 * * ? *)", enabled=False)
    stopped = rule("cron(0 3 * * ? *)", RuleTarget("ecs", TARGET, True), enabled=False)
    result = plan_cutover(JOB, STACK, new, [disabled, stopped], now=NOW)
    assert [(r.what, r.action) for r in result.retirements] == [
        ("schedule", "delete"),
        ("rule", "none"),
    ]
    assert result.instant is None


def test_a_rerun_after_the_instant_with_the_old_side_still_running_lists_the_doubles() -> None:
    """Killed after creating the replacement (StartDate 06:06:01) and run again at 07:02:
    the rule fired at 06:10 … 07:00 as well; it is disabled at its next quiet moment."""
    source = rule("cron(0/10 * * * ? *)", RuleTarget("ecs", TARGET, True))
    recorded = datetime(2026, 6, 1, 6, 6, 1, tzinfo=UTC)
    new = [NewSchedule("", "cron(0/10 * * * ? *)", live_start_date=recorded)]
    result = plan_cutover(JOB, STACK, new, [source], now=datetime(2026, 6, 1, 7, 2, tzinfo=UTC))
    assert result.served_twice == tuple(
        datetime(2026, 6, 1, 6, 10, tzinfo=UTC) + timedelta(minutes=10 * n) for n in range(6)
    )
    assert result.new_start_dates == {"": recorded}  # the replacement is left as it runs
    assert result.instant == datetime(2026, 6, 1, 7, 7, tzinfo=UTC)  # 07:02 + the lead: quiet


def test_one_instant_serves_every_schedule_of_the_job() -> None:
    sources = [
        ScheduleSource(SCHEDULE_ARN, "cron(0 * * * ? *)", flexible_window_minutes=15),
        rule("cron(30 * * * ? *)", RuleTarget("ecs", TARGET, True)),
    ]
    new = [NewSchedule("", "cron(0 * * * ? *)"), NewSchedule("half", "cron(30 * * * ? *)")]
    result = plan_cutover(JOB, STACK, new, sources, now=NOW)
    # 06:00 may run until 06:15 (+1 min margin); 06:30 is busy from 06:29: quiet at 06:16:01.
    at = datetime(2026, 6, 1, 6, 16, 1, tzinfo=UTC)
    assert result.instant == at
    assert result.new_start_dates == {"": at, "half": at}
    assert [(r.action, r.at) for r in result.retirements] == [("end", at), ("disable", at)]


def test_the_same_rate_keeps_its_phase() -> None:
    anchor = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)
    source = ScheduleSource(SCHEDULE_ARN, "rate(1 day)", created=anchor)
    result = plan_cutover(JOB, STACK, [NewSchedule("", "rate(1 day)")], [source], now=NOW)
    assert result.instant == NOW + DEFAULT_LEAD
    assert result.new_start_dates == {"": datetime(2026, 6, 2, 3, 0, tzinfo=UTC)}


def test_a_schedule_that_ends_before_the_hand_over_is_not_made_to_run_longer() -> None:
    soon = datetime(2026, 6, 1, 6, 30, tzinfo=UTC)
    source = ScheduleSource(SCHEDULE_ARN, "cron(0 * * * ? *)", end_date=soon)
    new = [NewSchedule("", "cron(0 * * * ? *)", start_date=datetime(2026, 6, 1, 7, 30, tzinfo=UTC))]
    result = plan_cutover(JOB, STACK, new, [source], now=NOW)
    [retirement] = result.retirements
    assert (retirement.action, retirement.at) == ("none", soon)


def test_a_rerun_half_a_second_into_the_quiet_moment_finds_the_same_one() -> None:
    """Found by hypothesis: a rule every 7 minutes replaced at the same rate (its StartDate is
    the rule's next fire time, not H); rerun at 00:00:00.5, H was 00:05:01 and became
    00:05:00.5 when the second after a busy interval still counted as quiet."""
    anchor = datetime(2023, 10, 24, tzinfo=UTC)
    source = RuleSource(
        RULE_ARN,
        "old",
        "default",
        "rate(7 minute)",
        True,
        (RuleTarget("ecs", TARGET, True),),
        anchor=anchor,
    )
    now = datetime(2026, 1, 1, tzinfo=UTC)
    first = plan_cutover(JOB, STACK, [NewSchedule("", "rate(7 minute)")], [source], now=now)
    assert first.instant == datetime(2026, 1, 1, 0, 5, 1, tzinfo=UTC)
    assert first.new_start_dates == {"": datetime(2026, 1, 1, 0, 11, tzinfo=UTC)}
    recorded = [NewSchedule("", "rate(7 minute)", live_start_date=first.new_start_dates[""])]
    again = plan_cutover(JOB, STACK, recorded, [source], now=now + timedelta(milliseconds=500))
    assert (again.instant, again.new_start_dates) == (first.instant, first.new_start_dates)
