"""The cut-over of one job from what it ``replaces`` to its own schedules: pure.

Given the job's new schedules and the live description of each replaced source (read by
``engines/aws/replaced.py``), :func:`plan_cutover` returns one hand-over instant ``H`` for the
whole job (``handover.first_quiet``: no invocation of any side, flexible windows and a margin
included, comes near it) and a :class:`Retirement` per source, which a planner shows as a
``retire`` change:

- **Scheduler schedule** → ``end``: UpdateSchedule with ``EndDate = H`` and
  ``ActionAfterCompletion = DELETE``; the new schedules get ``StartDate = H``. Scheduler itself
  deletes the old schedule after its last invocation ("A recurring schedule's last invocation
  is the invocation that occurs closest to the EndDate you specify": EventBridge Scheduler
  User Guide, managing-schedule-delete.html), so the cut-over completes even if apply never
  runs again; an ended schedule still there once ``H`` and its window have passed is
  ``delete``\\ d by the next apply.
- **EventBridge rule** (no dates): ``disable`` (DisableRule) at ``H``, when every target of
  the rule is replaced by this job; otherwise ``remove-targets`` (RemoveTargets) of the
  replaced targets only, and the rule keeps running for the others. Apply waits for ``H`` when
  it comes within ``max_wait``; otherwise the retirement is ``refuse`` and names the next
  safe moment. ``until`` is the last instant the action is still safe.

Order and interruption (apply killed at any point, then run again): the replacement is
created first (its ``StartDate = H`` is ``lead`` ahead, so it exists before ``H``), the old
side is retired second. ``H`` is recorded in AWS as the replacement's ``StartDate``: a rerun
passes it back (``NewSchedule.live_start_date``) and gets the same ``H`` while it is still
ahead, so the cut-over converges. A rerun that comes after ``H`` with the old side still active
(killed between the two steps and left) ends the old side at the next quiet moment instead,
and lists the fire times both sides served in between (``Cutover.served_twice``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from ecs_scheduler.expressions import Expression, ExpressionError, RateExpression, parse
from ecs_scheduler.migration.handover import Timing, first_quiet

_STEP = timedelta(seconds=1)
# The replacement must exist before H: apply creates it, then retires the old side, well
# within this lead.
DEFAULT_LEAD = timedelta(minutes=5)
DEFAULT_MARGIN = timedelta(minutes=1)
# How long apply may wait for a rule's quiet moment before it refuses and names it.
DEFAULT_MAX_WAIT = timedelta(minutes=15)
# How far ahead a schedule's EndDate/StartDate may be set (no one waits for it).
DEFAULT_WITHIN = timedelta(days=1)
DEFAULT_LOOK_FURTHER = timedelta(days=31)

Action = Literal["end", "delete", "disable", "remove-targets", "none", "refuse"]


@dataclass(frozen=True)
class NewSchedule:
    """One of the job's schedules, as configured, and its ``StartDate`` in AWS if it exists."""

    key: str  # "" for the primary schedule
    expression: str
    timezone: str = "UTC"
    flexible_window_minutes: int | None = None
    start_date: datetime | None = None
    live_start_date: datetime | None = None


@dataclass(frozen=True)
class ScheduleSource:
    """A replaced EventBridge Scheduler schedule, from GetSchedule."""

    arn: str
    expression: str
    timezone: str = "UTC"
    flexible_window_minutes: int | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    enabled: bool = True
    action_after_completion: str | None = None
    created: datetime | None = None  # CreationDate: where a rate() without StartDate counts from
    owner_stack: str | None = None  # the ecs-scheduler stack tag of its group, if any


@dataclass(frozen=True)
class RuleTarget:
    id: str
    arn: str
    replaced: bool  # this job runs what the target ran


@dataclass(frozen=True)
class RuleSource:
    """A replaced EventBridge rule, from DescribeRule and ListTargetsByRule (UTC, no dates)."""

    arn: str
    name: str
    event_bus: str
    expression: str
    enabled: bool
    targets: tuple[RuleTarget, ...]
    owner_stack: str | None = None  # the ecs-scheduler stack tag of the rule, if any
    # Where a rate() counts from (when the rule was created; EventBridge does not report it).
    anchor: datetime | None = None


@dataclass(frozen=True)
class GoneSource:
    """A replaced ARN that no longer exists."""

    arn: str


ReplacedSource = ScheduleSource | RuleSource | GoneSource


@dataclass(frozen=True)
class Retirement:
    """What happens to one replaced source: a planner's ``retire`` change."""

    arn: str
    what: Literal["schedule", "rule"]
    action: Action
    at: datetime | None  # EndDate, the moment to disable, or (refuse) the next safe moment
    reason: str
    until: datetime | None = None  # the last moment a disable/remove-targets is still safe
    target_ids: tuple[str, ...] = ()  # a rule's targets this job replaces

    def waits(self, now: datetime) -> timedelta:
        """How long apply waits before acting (zero for what is done at once)."""
        if self.action in ("disable", "remove-targets") and self.at is not None:
            return max(self.at - now, timedelta(0))
        return timedelta(0)


@dataclass(frozen=True)
class Cutover:
    job: str
    instant: datetime | None  # H; None when nothing needs a hand-over or it is refused
    new_start_dates: dict[str, datetime]  # StartDate per new schedule key
    retirements: tuple[Retirement, ...]
    notes: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    served_twice: tuple[datetime, ...] = field(default=())

    @property
    def refused(self) -> bool:
        return any(retirement.action == "refuse" for retirement in self.retirements)


def runs_task(target: Mapping[str, Any], cluster_arn: str, family: str) -> bool:
    """Whether a rule target (PutTargets shape) starts ``family`` on ``cluster_arn``: what a
    job runs, so a target of a rule it replaces that it takes over."""
    definition = str((target.get("EcsParameters") or {}).get("TaskDefinitionArn", ""))
    resource = definition.split(":", 5)[5] if definition.count(":") >= 5 else ""
    target_family = resource.removeprefix("task-definition/").split(":", 1)[0]
    return (
        target.get("Arn") == cluster_arn
        and resource.startswith("task-definition/")
        and (target_family == family)
    )


def plan_cutover(
    job: str,
    stack: str,
    new_schedules: Sequence[NewSchedule],
    sources: Iterable[ReplacedSource],
    *,
    now: datetime,
    lead: timedelta = DEFAULT_LEAD,
    margin: timedelta = DEFAULT_MARGIN,
    max_wait: timedelta = DEFAULT_MAX_WAIT,
    within: timedelta = DEFAULT_WITHIN,
    look_further: timedelta = DEFAULT_LOOK_FURTHER,
) -> Cutover:
    """The cut-over of ``job`` (of ``stack``) at ``now`` (see the module doc)."""
    notes: list[str] = []
    errors: list[str] = []
    done: list[Retirement] = []
    active: list[tuple[ScheduleSource | RuleSource, Timing]] = []
    recorded = _recorded_instant(new_schedules)
    for source in sources:
        if isinstance(source, GoneSource):
            notes.append(
                f"job {job} replaces {source.arn}, which no longer exists: nothing to retire."
            )
            continue
        if source.owner_stack == stack:
            errors.append(
                f"job {job} replaces {source.arn}, which stack {stack} itself owns: a stack "
                "cannot replace its own resources; remove it from replaces."
            )
            continue
        settled = _settled(source, recorded, now, margin)
        if settled is not None:
            done.append(settled)
            continue
        try:
            active.append((source, _timing(source)))
        except ExpressionError as error:
            done.append(_refusal(source, None, f"its fire times cannot be computed: {error}"))
    if errors:
        return Cutover(job, None, {}, tuple(done), tuple(notes), tuple(errors))
    if not active:
        return Cutover(job, None, _keep_live_starts(new_schedules), tuple(done), tuple(notes))
    try:
        new_timings = [(schedule, _new_timing(schedule, now)) for schedule in new_schedules]
    except ExpressionError as error:
        reason = f"a new schedule's fire times cannot be computed: {error}"
        refusals = [_refusal(source, None, reason) for source, _ in active]
        return Cutover(job, None, {}, (*done, *refusals), tuple(notes))
    has_rule = any(isinstance(source, RuleSource) for source, _ in active)
    limit = max_wait if has_rule else within
    old_sides = [timing for _, timing in active]
    new_sides = [t for _, t in new_timings if not isinstance(t.expression, RateExpression)]
    earliest = now + lead
    served_twice: tuple[datetime, ...] = ()
    if recorded is not None and recorded < earliest:
        # The replacement has run since ``recorded`` while the old side kept running: end the
        # old side at its next quiet moment; what both served in between is listed.
        start = earliest
        sides = old_sides
        served_twice = _fire_times_between(old_sides, recorded, now)
    else:
        configured = [s.start_date for s in new_schedules if s.start_date is not None]
        start = max([earliest, *configured]) if recorded is None else recorded
        sides = [*old_sides, *new_sides]
    instant = first_quiet(sides, start, start + limit + look_further, margin)
    if recorded is not None and recorded >= earliest and instant != recorded:
        # The recorded instant is no longer quiet (the config changed): a new one is needed.
        start = earliest
        instant = first_quiet(sides, start, start + limit + look_further, margin)
    if instant is None or instant > start + limit:
        safe = f"the next safe moment is {_text(instant)}" if instant else "none comes"
        why = (
            f"no moment within {_duration(limit)} of {_text(start)} is quiet for the old and the "
            f"new schedules (no invocation within {_duration(margin)}); {safe}"
        )
        refusals = [_refusal(source, instant, why) for source, _ in active]
        return Cutover(job, None, {}, (*done, *refusals), tuple(notes), (), served_twice)
    until = _quiet_until(sides, instant, margin)
    retirements = [_retire(source, instant, until, now) for source, _ in active]
    if served_twice:
        starts = _keep_live_starts(new_schedules)
    else:
        starts = {
            schedule.key: _new_start(timing, old_sides, instant) for schedule, timing in new_timings
        }
    return Cutover(job, instant, starts, (*done, *retirements), tuple(notes), (), served_twice)


def _recorded_instant(new_schedules: Sequence[NewSchedule]) -> datetime | None:
    """H as an earlier apply recorded it: the replacements' StartDate in AWS."""
    live = [schedule.live_start_date for schedule in new_schedules if schedule.live_start_date]
    return min(live) if live else None


def _keep_live_starts(new_schedules: Sequence[NewSchedule]) -> dict[str, datetime]:
    return {s.key: s.live_start_date for s in new_schedules if s.live_start_date is not None}


def _settled(
    source: ScheduleSource | RuleSource, recorded: datetime | None, now: datetime, margin: timedelta
) -> Retirement | None:
    """The retirement of a source that needs no hand-over (it no longer fires, or its
    hand-over is already recorded), else None."""
    if isinstance(source, RuleSource):
        ours = tuple(target.id for target in source.targets if target.replaced)
        if not ours:
            return Retirement(
                source.arn,
                "rule",
                "none",
                None,
                "none of its targets runs this job's task any more",
            )
        if not source.enabled:
            if len(ours) < len(source.targets):
                return Retirement(
                    source.arn,
                    "rule",
                    "remove-targets",
                    now,
                    "the rule is disabled; its targets that run this job's task are removed, "
                    "the others are left",
                    target_ids=ours,
                )
            return Retirement(
                source.arn, "rule", "none", None, "the rule is already disabled", target_ids=ours
            )
        return None
    window = timedelta(minutes=source.flexible_window_minutes or 0)
    if not source.enabled:
        return Retirement(
            source.arn, "schedule", "delete", now, "the schedule is disabled: nothing to hand over"
        )
    if source.end_date is not None and source.end_date + window + margin <= now:
        return Retirement(
            source.arn,
            "schedule",
            "delete",
            now,
            f"the schedule ended at {_text(source.end_date)} and its last invocation is past",
        )
    if source.end_date is not None and recorded is not None and source.end_date <= recorded:
        return Retirement(
            source.arn,
            "schedule",
            "none",
            source.end_date + window + margin,
            f"ends at {_text(source.end_date)}, where its replacement starts; Scheduler deletes it "
            "after its last invocation, or the next apply after "
            f"{_text(source.end_date + window + margin)} does",
        )
    return None


def _timing(source: ScheduleSource | RuleSource) -> Timing:
    expression = parse(source.expression)
    if isinstance(source, RuleSource):
        return Timing("rule", expression, anchor=source.anchor)
    anchor = source.start_date or source.created
    return Timing("schedule", expression, source.timezone, source.flexible_window_minutes, anchor)


def _new_timing(schedule: NewSchedule, now: datetime) -> Timing:
    expression: Expression = parse(schedule.expression)
    # A new rate() counts from its own StartDate, which H sets: any anchor will do here.
    anchor = (schedule.start_date or now) if isinstance(expression, RateExpression) else None
    return Timing(
        "schedule", expression, schedule.timezone, schedule.flexible_window_minutes, anchor
    )


def _new_start(timing: Timing, old_sides: Sequence[Timing], instant: datetime) -> datetime:
    """H, or for a rate() that an old side runs at the same interval, that side's first fire
    time after H (the phase is kept)."""
    if isinstance(timing.expression, RateExpression):
        for old in old_sides:
            if (
                isinstance(old.expression, RateExpression)
                and old.expression.interval == timing.expression.interval
            ):
                return next(old.fire_times(instant), instant)
    return instant


def _quiet_until(sides: Sequence[Timing], instant: datetime, margin: timedelta) -> datetime:
    """The last instant of the quiet stretch that begins at ``instant``."""
    ends = [next(side.fire_times(instant), None) for side in sides]
    upcoming = [fire_time - margin - _STEP for fire_time in ends if fire_time is not None]
    return max(min(upcoming), instant) if upcoming else instant + timedelta(days=365)


def _fire_times_between(
    sides: Sequence[Timing], after: datetime, until: datetime
) -> tuple[datetime, ...]:
    found: set[datetime] = set()
    for side in sides:
        for fire_time in side.fire_times(after - _STEP):
            if fire_time > until:
                break
            found.add(fire_time)
    return tuple(sorted(found))


def _retire(
    source: ScheduleSource | RuleSource, instant: datetime, until: datetime, now: datetime
) -> Retirement:
    if isinstance(source, ScheduleSource):
        if source.end_date is not None and source.end_date <= instant:
            # Its own EndDate comes first: setting H would make it run longer.
            return Retirement(
                source.arn,
                "schedule",
                "none",
                source.end_date,
                f"ends at its own EndDate {_text(source.end_date)}, before the hand-over; the "
                "first apply after its last invocation deletes it",
            )
        return Retirement(
            source.arn,
            "schedule",
            "end",
            instant,
            f"EndDate {_text(instant)} (ActionAfterCompletion DELETE), where its replacement "
            "starts: no invocation of either comes near that moment",
        )
    ours = tuple(target.id for target in source.targets if target.replaced)
    wait = f"apply waits {_duration(instant - now)}, until {_text(instant)}, "
    if len(ours) == len(source.targets):
        return Retirement(
            source.arn,
            "rule",
            "disable",
            instant,
            wait + "a moment neither the rule nor its replacement fires, and disables the rule",
            until=until,
            target_ids=ours,
        )
    others = len(source.targets) - len(ours)
    return Retirement(
        source.arn,
        "rule",
        "remove-targets",
        instant,
        wait + f"and removes the target(s) {', '.join(ours)}; the rule keeps running for its "
        f"{others} other target(s), which this stack does not replace",
        until=until,
        target_ids=ours,
    )


def _refusal(source: ScheduleSource | RuleSource, safe: datetime | None, why: str) -> Retirement:
    what: Literal["schedule", "rule"] = "rule" if isinstance(source, RuleSource) else "schedule"
    return Retirement(source.arn, what, "refuse", safe, f"not retired: {why}")


def _text(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _duration(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [
        f"{hours} h" if hours else "",
        f"{minutes} min" if minutes else "",
        f"{seconds} s" if seconds else "",
    ]
    return " ".join(part for part in parts if part) or "0 s"
