"""The cut-over of the jobs that ``replaces`` something, wired into plan and apply.

Plan (:func:`plan_cutovers`, :func:`with_start_dates`, :func:`finish_plan`): each such job's
replaced ARNs are read live (``replaced.py``), its schedules become the cut-over's new side
(with the ``StartDate`` an earlier apply recorded, so a rerun finds the same hand-over
instant), and ``migration/cutover.py`` decides. The job's schedules get ``StartDate`` = the
hand-over instant; each replaced source becomes one :class:`RetireChange` of the plan. A
cut-over error (a replaced ARN this stack owns) blocks the whole job; a refused retirement
creates none of the job's schedules.

Apply (:func:`retire`): after every create and update, each job's retirements, in order:

- ``end``: UpdateSchedule with every field GetSchedule reports, plus ``EndDate`` = the
  instant and ``ActionAfterCompletion`` ``DELETE``. UpdateSchedule "uses all values,
  including empty values, specified in the request and overrides the existing schedule
  [...] Before calling this operation, we recommend that you call the GetSchedule API
  operation and make a note of all optional parameters" (EventBridge Scheduler API
  Reference, UpdateSchedule).
- ``delete``: DeleteSchedule; a schedule already gone is done.
- ``disable`` / ``remove-targets``: wait until the instant (Ctrl-C stays prompt), re-plan the
  source when the quiet stretch is over by then, then DisableRule or RemoveTargets of the
  replaced targets only.
- ``refuse`` / ``none``: nothing.

Then the apply result carries what the old deployments leave behind (``leftovers.py``).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from botocore.exceptions import BotoCoreError, ClientError

from ecs_scheduler.engines.aws.canonical import start_date_passed
from ecs_scheduler.engines.aws.clients import AwsClients, CallGuard
from ecs_scheduler.engines.aws.errors import AwsEngineError, InterruptedByUserError
from ecs_scheduler.engines.aws.replaced import read_replaced
from ecs_scheduler.engines.aws.scheduler import NOT_FOUND_CODES
from ecs_scheduler.engines.aws.service import SCHEDULE, LiveResource, error_code, request_fields
from ecs_scheduler.migration.cutover import (
    DEFAULT_LEAD,
    Cutover,
    NewSchedule,
    ReplacedSource,
    Retirement,
    RuleSource,
    plan_cutover,
)
from ecs_scheduler.migration.leftovers import Leftovers, OldDeployment, leftovers
from ecs_scheduler.resources import DesiredState, Resource

if TYPE_CHECKING:
    from ecs_scheduler.engines.aws.live import LiveState
    from ecs_scheduler.engines.aws.planner import Plan

# The actions apply performs; ``none`` and ``refuse`` are shown but change nothing.
PENDING_ACTIONS: Final = frozenset({"end", "delete", "disable", "remove-targets"})
# How often a wait for a rule's hand-over looks whether the user asked to stop.
_STOP_POLL: Final = timedelta(seconds=0.1)
# A wait that overran its quiet stretch (the machine slept) re-plans at most this often.
_MAX_REPLANS: Final = 3

Clock = Callable[[], datetime]
Sleep = Callable[[float], None]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class RetireChange:
    """One replaced schedule or rule, and what apply does to it: a plan's ``retire`` line."""

    job: str
    retirement: Retirement

    @property
    def pending(self) -> bool:
        """Whether apply does something to it."""
        return self.retirement.action in PENDING_ACTIONS

    def to_json(self) -> dict[str, Any]:
        retirement = self.retirement
        return {
            "job": self.job,
            "arn": retirement.arn,
            "what": retirement.what,
            "action": retirement.action,
            "at": _iso(retirement.at),
            "until": _iso(retirement.until),
            "reason": retirement.reason,
            "target_ids": list(retirement.target_ids),
        }


@dataclass(frozen=True)
class JobCutover:
    """A job's cut-over as planned, and what apply needs to re-plan one of its sources."""

    job: str
    stack: str
    cutover: Cutover
    new_schedules: tuple[NewSchedule, ...]
    sources: Mapping[str, ReplacedSource]  # by ARN
    deployments: tuple[OldDeployment, ...]
    cluster_arn: str
    task_family: str
    all_replaced: tuple[str, ...]

    @property
    def blocked(self) -> bool:
        return bool(self.cutover.errors)


# -- plan ---------------------------------------------------------------------------------


def plan_cutovers(
    desired: DesiredState, live: LiveState, clients: AwsClients, jobs: Iterable[str], now: datetime
) -> dict[str, JobCutover]:
    """The cut-over of each of ``jobs`` that replaces something (``desired`` resolved)."""
    all_replaced = tuple(arn for arns in desired.replaces.values() for arn in arns)
    found: dict[str, JobCutover] = {}
    for job in jobs:
        arns = desired.replaces.get(job)
        if not arns:
            continue
        schedules = _schedules(desired, job)
        live_by_address = {resource.address: resource for resource in live.of_job(job)}
        new = tuple(_new_schedule(s, live_by_address.get(s.address)) for s in schedules)
        cluster_arn = str(schedules[0].properties["Target"]["Arn"]) if schedules else ""
        family = desired.task_definitions[job].family
        reads = read_replaced(
            clients, arns, cluster_arn=cluster_arn, task_family=family, all_replaced=all_replaced
        )
        sources = [read.source for read in reads]
        found[job] = JobCutover(
            job=job,
            stack=desired.stack,
            cutover=plan_cutover(job, desired.stack, new, sources, now=now, lead=_lead(new, now)),
            new_schedules=new,
            sources={source.arn: source for source in sources},
            deployments=tuple(read.deployment for read in reads if read.deployment is not None),
            cluster_arn=cluster_arn,
            task_family=family,
            all_replaced=all_replaced,
        )
    return found


def with_start_dates(
    desired: DesiredState, live: LiveState, cutovers: Mapping[str, JobCutover]
) -> DesiredState:
    """``desired`` with each cut-over job's schedules starting at the hand-over instant.

    A schedule the cut-over gives no instant keeps the ``StartDate`` it has in AWS: that is
    an instant an earlier apply recorded, and moving it would let both sides run.
    """
    resources = dict(desired.resources)
    for job, planned in cutovers.items():
        live_by_address = {resource.address: resource for resource in live.of_job(job)}
        for schedule in _schedules(desired, job):
            start = planned.cutover.new_start_dates.get(schedule.key or "")
            if start is None:
                start = _live_start(live_by_address.get(schedule.address))
            if start is not None:
                properties = {**schedule.properties, "StartDate": start}
                resources[schedule.address] = dataclasses.replace(schedule, properties=properties)
    return dataclasses.replace(desired, resources=resources)


def finish_plan(plan: Plan, cutovers: Mapping[str, JobCutover]) -> Plan:
    """``plan`` with the cut-overs' retire changes, notes and blocks.

    A job whose cut-over has errors was not converged (``blocked`` names why); a job with a
    refused retirement keeps its schedules as they are: none is created, none is changed.
    """
    blocked = list(plan.blocked)
    skipped = list(plan.skipped)
    notes = list(plan.notes)
    retirements: list[RetireChange] = []
    held: set[str] = set()
    for job, planned in sorted(cutovers.items()):
        cutover = planned.cutover
        notes.extend(cutover.notes)
        if cutover.served_twice:
            times = ", ".join(_iso(moment) or "" for moment in cutover.served_twice)
            notes.append(
                f"job {job}: an earlier apply stopped between creating the replacement and "
                f"retiring the old side; both served {times}."
            )
        if planned.blocked:
            blocked.extend(f"{error} Nothing of job {job} is written." for error in cutover.errors)
            continue
        retirements.extend(RetireChange(job, retirement) for retirement in cutover.retirements)
        if cutover.refused:
            held.add(job)
            skipped.append(
                f"job {job}: its schedules are not created or changed, since a replaced "
                "schedule or rule cannot be retired now (see its retire line); run apply "
                "again at the moment it names."
            )
    changes = tuple(
        change
        for change in plan.changes
        if not (change.job in held and change.type == SCHEDULE and change.action != "delete")
    )
    return dataclasses.replace(
        plan,
        changes=changes,
        blocked=tuple(blocked),
        skipped=tuple(skipped),
        notes=tuple(notes),
        retirements=tuple(retirements),
        cutovers=dict(cutovers),
    )


def _lead(new: Iterable[NewSchedule], now: datetime) -> timedelta:
    """How far ahead of ``now`` the hand-over must be: time to create the replacement, unless
    an earlier apply did and recorded an instant still ahead. A rerun before that instant then
    keeps it, however close it is (with the full lead it would pick a later one, and both
    sides would run in between)."""
    recorded = [s.live_start_date for s in new if s.live_start_date is not None]
    if recorded and min(recorded) > now:
        return min(DEFAULT_LEAD, min(recorded) - now)
    return DEFAULT_LEAD


def _schedules(desired: DesiredState, job: str) -> list[Resource]:
    return [r for r in desired.resources.values() if r.job == job and r.type == SCHEDULE]


def _new_schedule(schedule: Resource, live: LiveResource | None) -> NewSchedule:
    properties = schedule.properties
    window = properties.get("FlexibleTimeWindow") or {}
    start = properties.get("StartDate")
    return NewSchedule(
        key=schedule.key or "",
        expression=str(properties["ScheduleExpression"]),
        timezone=str(properties.get("ScheduleExpressionTimezone") or "UTC"),
        flexible_window_minutes=window.get("MaximumWindowInMinutes")
        if window.get("Mode") == "FLEXIBLE"
        else None,
        start_date=start if isinstance(start, datetime) else None,
        live_start_date=_live_start(live),
    )


def _live_start(live: LiveResource | None) -> datetime | None:
    if live is None or not live.owned:
        return None
    start = live.properties.get("StartDate")
    return start if isinstance(start, datetime) else None


# -- apply --------------------------------------------------------------------------------


class RetireStoppedError(Exception):
    """The user stopped the apply during the retirements; ``done`` were made."""

    def __init__(self, done: int) -> None:
        super().__init__("stopped")
        self.done = done


@dataclass(frozen=True)
class RetireResult:
    done: tuple[RetireChange, ...]  # the retirements performed (as finally planned)
    leftovers: Leftovers


def retire(
    plan: Plan,
    clients: AwsClients,
    *,
    skip_jobs: Collection[str] = (),
    clock: Clock = system_clock,
    sleep: Sleep = time.sleep,
    on_wait: Callable[[RetireChange], None] | None = None,
) -> RetireResult:
    """Perform the plan's pending retirements, except those of ``skip_jobs`` (stopped during
    this apply); then list what the old deployments leave behind."""
    done: list[RetireChange] = []
    final: dict[str, Retirement] = {}
    deployments: list[OldDeployment] = []
    for job, planned in sorted(plan.cutovers.items()):
        if job in skip_jobs or planned.blocked:
            continue
        deployments.extend(planned.deployments)
        for change in (c for c in plan.retirements if c.job == job):
            try:
                performed = _retire_one(change, planned, clients, clock, sleep, on_wait, len(done))
            except InterruptedByUserError:  # the guard refused a call: Ctrl-C
                raise RetireStoppedError(len(done)) from None
            final[performed.retirement.arn] = performed.retirement
            if performed.pending:
                done.append(performed)
    return RetireResult(tuple(done), leftovers(deployments, final))


def _retire_one(
    change: RetireChange,
    planned: JobCutover,
    clients: AwsClients,
    clock: Clock,
    sleep: Sleep,
    on_wait: Callable[[RetireChange], None] | None,
    done: int,
) -> RetireChange:
    """Perform ``change`` (re-planned when its quiet stretch is over); what was performed."""
    for _ in range(_MAX_REPLANS):
        retirement = change.retirement
        if retirement.action in ("disable", "remove-targets") and retirement.at is not None:
            if on_wait is not None and retirement.waits(clock()) > timedelta(0):
                on_wait(change)
            _wait_until(retirement.at, clients.guard, clock, sleep, done)
            if retirement.until is not None and clock() > retirement.until:
                change = RetireChange(change.job, _replan(planned, retirement, clients, clock()))
                continue
        _perform(retirement, planned.sources.get(retirement.arn), clients)
        return change
    raise AwsEngineError(
        f"job {change.job}: the hand-over of {change.retirement.arn} was missed {_MAX_REPLANS} "
        "times (apply was suspended past each quiet moment); run apply again."
    )


def _wait_until(moment: datetime, guard: CallGuard, clock: Clock, sleep: Sleep, done: int) -> None:
    """Sleep until ``moment`` in short steps, so that Ctrl-C (the guard, or a
    ``KeyboardInterrupt`` when the caller has no signal handler) stops it at once."""
    while True:
        if guard.stopped:
            raise RetireStoppedError(done)
        left = moment - clock()
        if left <= timedelta(0):
            return
        try:
            sleep(min(left, _STOP_POLL).total_seconds())
        except KeyboardInterrupt:
            guard.stop()


def _replan(
    planned: JobCutover, missed: Retirement, clients: AwsClients, now: datetime
) -> Retirement:
    """``missed`` planned again at ``now``: the replacement now exists with
    the ``StartDate`` this apply gave it, so the cut-over sees the recorded instant."""
    reads = read_replaced(
        clients,
        [missed.arn],
        cluster_arn=planned.cluster_arn,
        task_family=planned.task_family,
        all_replaced=planned.all_replaced,
    )
    starts = planned.cutover.new_start_dates
    new = [
        dataclasses.replace(schedule, live_start_date=starts.get(schedule.key))
        if schedule.key in starts
        else schedule
        for schedule in planned.new_schedules
    ]
    sources = [read.source for read in reads]
    cutover = plan_cutover(planned.job, planned.stack, new, sources, now=now, lead=_lead(new, now))
    if cutover.errors:
        raise AwsEngineError(" ".join(cutover.errors))
    if not cutover.retirements:  # gone since the plan
        return Retirement(missed.arn, missed.what, "none", None, "it no longer exists")
    return cutover.retirements[0]


def _perform(retirement: Retirement, source: ReplacedSource | None, clients: AwsClients) -> None:
    try:
        if retirement.action == "end":
            _end_schedule(clients, retirement)
        elif retirement.action == "delete":
            group, name = _schedule_id(retirement.arn)
            clients.scheduler.delete_schedule(Name=name, GroupName=group)
        elif retirement.action in ("disable", "remove-targets"):
            assert isinstance(source, RuleSource)
            if retirement.action == "disable":
                clients.events.disable_rule(Name=source.name, EventBusName=source.event_bus)
            else:
                clients.events.remove_targets(
                    Rule=source.name,
                    EventBusName=source.event_bus,
                    Ids=list(retirement.target_ids),
                )
    except ClientError as error:
        # Gone since the plan (Scheduler deleted an ended schedule, someone removed the
        # rule): nothing is left to retire. Both services answer ResourceNotFoundException
        # (EventBridge API Reference, DisableRule and RemoveTargets, "Errors").
        if error_code(error) not in NOT_FOUND_CODES:
            raise AwsEngineError(f"retiring {retirement.arn} failed: {error}") from error
    except BotoCoreError as error:
        raise AwsEngineError(f"retiring {retirement.arn} failed: {error}") from error


def _end_schedule(clients: AwsClients, retirement: Retirement) -> None:
    """UpdateSchedule with what GetSchedule reports (module doc), ending at the instant."""
    group, name = _schedule_id(retirement.arn)
    scheduler = clients.scheduler
    current = scheduler.get_schedule(Name=name, GroupName=group)
    fields = request_fields(scheduler, "UpdateSchedule")
    request = {key: value for key, value in current.items() if key in fields and value is not None}
    # A passed StartDate is left out, as for every schedule this engine writes (see
    # resources.start_date_passed: CreateSchedule rejects one more than 5 minutes old).
    if start_date_passed(request.get("StartDate")):
        del request["StartDate"]
    request.update(
        Name=name, GroupName=group, EndDate=retirement.at, ActionAfterCompletion="DELETE"
    )
    scheduler.update_schedule(**request)


def _schedule_id(arn: str) -> tuple[str, str]:
    """(group, name) of a schedule ARN (``…:schedule/<group>/<name>``)."""
    group, name = arn.split(":", 5)[5].removeprefix("schedule/").split("/", 1)
    return group, name


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
