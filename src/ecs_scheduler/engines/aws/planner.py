"""Desired state + live state -> the changes that converge one to the other.

The plan is the only place decisions are made: what to create, update in place, replace (only
where AWS cannot change a field of an existing resource, and the reason says so) or delete,
what to leave alone because this stack does not own it, and which dead-letter queues hold
messages. ``apply`` executes a plan as it is and never re-plans (but for a replaced rule whose
hand-over instant passed while apply waited for it: ``retire.py``).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from botocore.exceptions import BotoCoreError, ClientError

from ecs_scheduler.engines.aws.adoption import Adoption, adopt_in_plan, find_adoptable
from ecs_scheduler.engines.aws.canonical import diff
from ecs_scheduler.engines.aws.clients import AwsClients
from ecs_scheduler.engines.aws.ecs import TaskDefinitions, unreadable
from ecs_scheduler.engines.aws.errors import AwsEngineError
from ecs_scheduler.engines.aws.live import (
    GROUP,
    QUEUE,
    ROLE,
    SCHEDULE,
    LiveResource,
    LiveState,
    ReadProgress,
    parallel_map,
    read_live_state,
)
from ecs_scheduler.engines.aws.region import require_stack_region
from ecs_scheduler.engines.aws.registry import canonical_properties, comparable_live_properties
from ecs_scheduler.engines.aws.retire import (
    JobCutover,
    RetireChange,
    finish_plan,
    plan_cutovers,
    with_start_dates,
)
from ecs_scheduler.engines.aws.scheduler import ScheduleGroups
from ecs_scheduler.kinds import DEPENDENCY_ORDER, KINDS, REPLACE_FIELDS, TAGGABLE_TYPES
from ecs_scheduler.kinds import OWNING_PARENT as _PARENT
from ecs_scheduler.naming import (
    MANAGED_BY_VALUE,
    TAG_JOB,
    TAG_MANAGED_BY,
    TAG_RESOURCE_OWNER,
    TAG_STACK,
)
from ecs_scheduler.resources import (
    DesiredState,
    LookupAttribute,
    Resource,
    ResourceType,
    resolve,
)

# "adopt": an update of a resource this stack did not make, taken over with --adopt.
Action = Literal["create", "update", "replace", "delete", "adopt"]

_AWS_RESERVED_TAG_PREFIX = "aws:"
_AT_EXPRESSION = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")


@dataclass(frozen=True)
class Change:
    address: str
    action: Action
    reason: str
    diff: Mapping[str, tuple[Any, Any]]  # field path -> (old, new)
    # What apply needs, so that it never reads or plans again.
    desired: Resource | None = field(default=None, compare=False, repr=False)
    live: LiveResource | None = field(default=None, compare=False, repr=False)

    @property
    def job(self) -> str:
        resource = self.desired or self.live
        assert resource is not None
        return resource.job

    @property
    def type(self) -> ResourceType:
        resource = self.desired or self.live
        assert resource is not None
        return resource.type

    @property
    def deletes_messages(self) -> int:
        """Messages lost if this change runs: a DLQ deleted or replaced while not empty."""
        if self.type != QUEUE or self.action not in {"delete", "replace"} or self.live is None:
            return 0
        return self.live.queue_messages

    def to_json(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "action": self.action,
            "reason": self.reason,
            "diff": {path: [old, new] for path, (old, new) in self.diff.items()},
        }


@dataclass(frozen=True)
class Plan:
    stack: str
    changes: tuple[Change, ...]
    blocked: tuple[str, ...]  # resources left alone, each with why
    skipped: tuple[str, ...] = ()  # desired resources deliberately not created, each with why
    # Live things of this stack's name left as they are without blocking anything, each with
    # why: jobs another config made, schedule groups this plan may not read.
    notes: tuple[str, ...] = ()
    # The desired state with every lookup resolved: apply finds a job's names in it.
    desired: DesiredState | None = field(default=None, compare=False, repr=False)
    # One per schedule or rule a job replaces (see retire.py), and what apply needs of each
    # job's cut-over.
    retirements: tuple[RetireChange, ...] = ()
    cutovers: Mapping[str, JobCutover] = field(default_factory=dict, compare=False, repr=False)

    @property
    def pending_retirements(self) -> tuple[RetireChange, ...]:
        return tuple(change for change in self.retirements if change.pending)

    @property
    def refused_retirements(self) -> tuple[RetireChange, ...]:
        """Cut-overs that cannot happen now: their jobs' new schedules are held back."""
        return tuple(c for c in self.retirements if c.retirement.action == "refuse")

    def summary(self) -> dict[str, int]:
        counts = {"create": 0, "update": 0, "replace": 0, "delete": 0, "adopt": 0}
        for change in self.changes:
            counts[change.action] += 1
        return counts

    def to_json(self) -> dict[str, Any]:
        return {
            "changes": [change.to_json() for change in self.changes],
            "summary": self.summary(),
            "blocked": list(self.blocked),
            "skipped": list(self.skipped),
            "notes": list(self.notes),
            "retirements": [change.to_json() for change in self.retirements],
        }


TaskDefinitionValues = dict[str, dict[LookupAttribute, str | None]]


def plan(
    desired: DesiredState,
    clients: AwsClients,
    *,
    destroy_jobs: Collection[str] | None = None,
    destroy_all: bool = False,
    prune_foreign: bool = False,
    adopt: bool = False,
    max_workers: int = 16,
    progress: ReadProgress | None = None,
    task_definitions: TaskDefinitions | None = None,
    schedule_groups: ScheduleGroups | None = None,
    now: datetime | None = None,
) -> Plan:
    """The changes that make live AWS match ``desired`` (or remove the named jobs, or all).

    A live job of this stack's name that the config lacks is removed only if it was made by
    one of the config's resource owners (its ``ResourceOwner`` tag), or ``prune_foreign``:
    two configs of one stack name (two teams) must not remove each other's jobs.

    ``adopt`` takes over resources under the config's names that lack this stack's ownership
    tags, instead of blocking their jobs (see :mod:`~ecs_scheduler.engines.aws.adoption`).

    ``progress`` hears of the live state's read, job by job; ``task_definitions`` and
    ``schedule_groups`` share what its preflight read; ``now`` (default: the clock) times the
    cut-over of the jobs that replace something.
    """
    require_stack_region(desired, clients)
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        live = read_live_state(
            desired,
            clients,
            pool,
            job_workers=max_workers,
            progress=progress,
            schedule_groups=schedule_groups,
        )
        adoption = Adoption(live)
        if adopt and not (destroy_all or destroy_jobs is not None):
            adoption = find_adoptable(desired, live, clients, pool)
            live = adoption.live
        live_jobs = {resource.job for resource in live.resources.values()}
        desired_jobs = set(desired.task_definitions) | {
            resource.job for resource in desired.resources.values()
        }
        destroying = destroy_all or destroy_jobs is not None
        if destroy_all:
            converge: set[str] = set()
            remove = live_jobs
        elif destroy_jobs is not None:
            unknown = sorted(set(destroy_jobs) - desired_jobs - live_jobs)
            if unknown:
                raise AwsEngineError(
                    f"Cannot destroy {', '.join(unknown)}: no such job in the config "
                    f"or in the live stack {desired.stack}."
                )
            converge, remove = set(), set(destroy_jobs)
        else:
            converge, remove = desired_jobs, live_jobs - desired_jobs
        values = resolve_task_definitions(
            desired, clients, sorted(converge), pool, task_definitions
        )
    resolved = resolve(desired, values) if converge else desired
    # AWS keeps schedule dates to the second (canonical_timestamp): so does the hand-over.
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    cutovers = plan_cutovers(resolved, live, clients, sorted(converge), moment)
    resolved = with_start_dates(resolved, live, cutovers)
    builder = _PlanBuilder(resolved, live)
    builder.notes.extend(live.unreadable)
    for job in sorted(converge):
        if job in cutovers and cutovers[job].blocked:
            continue  # finish_plan says why
        builder.converge_job(job, [r for r in resolved.resources.values() if r.job == job])
    owners = _resource_owners(desired)
    for job in sorted(remove):
        owner = _live_owner(live, job)
        if not any(resource.owned for resource in live.of_job(job)):
            why = ""  # nothing of it is ours: remove_job lists each resource as left alone
        elif destroy_jobs is not None:
            why = "destroy requested"
        elif owner in owners:
            why = "destroy requested" if destroying else "job no longer in the config"
            why += f" (made by {TAG_RESOURCE_OWNER}={owner}, an owner this config names)"
        elif prune_foreign:
            why = (
                f"job not in this config, made by {_owner_text(owner)}; removed because "
                "--prune-foreign was given"
            )
        else:
            builder.notes.append(
                f"job {job} of stack {desired.stack} is not in this config and was made by "
                f"{_owner_text(owner)}, which none of this config's jobs has "
                f"({TAG_RESOURCE_OWNER}: {', '.join(sorted(owners))}): another config of the "
                "same stack name owns it, so it is kept; pass --prune-foreign to remove it."
            )
            continue
        builder.remove_job(job, why)
    return finish_plan(adopt_in_plan(builder.build(), adoption), cutovers)


def _resource_owners(desired: DesiredState) -> set[str]:
    return {
        resource.tags[TAG_RESOURCE_OWNER]
        for resource in desired.resources.values()
        if TAG_RESOURCE_OWNER in resource.tags
    }


def _live_owner(live: LiveState, job: str) -> str | None:
    """Who made a live job: the ``ResourceOwner`` tag of its group, else of any of its own."""
    resources = sorted(live.of_job(job), key=lambda resource: resource.type != GROUP)
    for resource in resources:
        if resource.owned and TAG_RESOURCE_OWNER in resource.tags:
            return resource.tags[TAG_RESOURCE_OWNER]
    return None


def _owner_text(owner: str | None) -> str:
    if owner is None:
        return f"an unknown owner (no {TAG_RESOURCE_OWNER} tag)"
    return f"{TAG_RESOURCE_OWNER}={owner}"


def resolve_task_definitions(
    desired: DesiredState,
    clients: AwsClients,
    jobs: list[str],
    pool: ThreadPoolExecutor,
    task_definitions: TaskDefinitions | None = None,
) -> TaskDefinitionValues:
    """Each job's task definition ARN and roles: explicit ones win, the rest come from ECS."""
    reader = task_definitions or TaskDefinitions(clients)

    def describe(job: str) -> dict[LookupAttribute, str | None]:
        reference = desired.task_definitions[job]
        try:
            definition = reader.describe(reference)
        except ClientError as error:
            raise AwsEngineError(unreadable(job, reference, error)) from error
        except BotoCoreError as error:
            raise AwsEngineError(
                f"Job '{job}': task definition {reference.identifier} could not be read: {error}."
            ) from error
        return {
            "task_definition_arn": definition["taskDefinitionArn"],
            "task_role_arn": reference.task_role_arn or definition.get("taskRoleArn"),
            "execution_role_arn": reference.execution_role_arn
            or definition.get("executionRoleArn"),
        }

    jobs_with_task = [job for job in jobs if job in desired.task_definitions]
    return dict(zip(jobs_with_task, parallel_map(pool, describe, jobs_with_task), strict=True))


class _PlanBuilder:
    def __init__(self, desired: DesiredState, live: LiveState):
        self.desired = desired
        self.stack = desired.stack
        self.live = live
        self.changes: list[Change] = []
        self.blocked: list[str] = []
        self.skipped: list[str] = []
        self.notes: list[str] = []
        self.unknown_schedules: dict[str, list[str]] = {}  # group name -> schedule names

    def build(self) -> Plan:
        forward = {resource_type: index for index, resource_type in enumerate(DEPENDENCY_ORDER)}

        def order(change: Change) -> tuple[int, int, str]:
            if change.action == "delete":
                return (1, -forward[change.type], change.address)
            return (0, forward[change.type], change.address)

        return Plan(
            stack=self.stack,
            changes=tuple(sorted(self.changes, key=order)),
            blocked=tuple(self.blocked),
            skipped=tuple(self.skipped),
            notes=tuple(self.notes),
            desired=self.desired,
        )

    def converge_job(self, job: str, resources: list[Resource]) -> None:
        live = {resource.address: resource for resource in self.live.of_job(job)}
        self._leave_unknown_schedules(live)
        foreign = [resource for resource in live.values() if not resource.owned]
        if foreign:
            for collision in foreign:
                self.blocked.append(
                    f"{collision.address}: {_describe(collision)} already exists and "
                    f"{_ownership_problem(collision, self.stack, job)}; it is left alone and "
                    f"nothing of job {job} is written. Rename the job, or, if it is this "
                    "job's, add the missing tags."
                )
            return
        recreated: set[ResourceType] = set()
        # Parents replaced under a new name: (old name, new name) by kind.
        moved: dict[ResourceType, tuple[str, str]] = {}
        for resource in resources:
            current = live.pop(resource.address, None)
            parent = _PARENT.get(resource.type)
            if parent in recreated:
                self._converge_resource(resource, None, f"its {parent} is deleted and re-created")
                continue
            if parent in moved and current is not None and current.aws_name == resource.aws_name:
                # Same name, but inside the old parent: it is made again inside the new one.
                self.changes.append(
                    Change(
                        resource.address,
                        "replace",
                        f"its {parent} is replaced under a new name",
                        {"parent": moved[parent]},
                        desired=resource,
                        live=current,
                    )
                )
                continue
            self._converge_resource(resource, current)
            last = self.changes[-1] if self.changes else None
            if (
                last is not None
                and last.address == resource.address
                and last.action == "replace"
                and current is not None
            ):
                if current.aws_name == resource.aws_name:
                    recreated.add(resource.type)
                else:
                    moved[resource.type] = (current.aws_name, resource.aws_name)
        for leftover in live.values():
            why = "no longer in the config"
            if leftover.type == SCHEDULE:
                why = _schedule_delete_reason(leftover, self.live.of_job(job))
            elif self._holds_unknown_schedules(leftover):
                continue
            self.changes.append(
                Change(
                    leftover.address,
                    "delete",
                    _delete_reason(leftover, why),
                    {},
                    live=leftover,
                )
            )

    def _converge_resource(
        self, resource: Resource, live: LiveResource | None, missing: str = "not in AWS"
    ) -> None:
        wanted = canonical_properties(resource.type, resource.properties)
        if live is None:
            if resource.type == SCHEDULE and _finished_one_time_schedule(wanted):
                self.skipped.append(
                    f"{resource.address}: the one-time schedule {resource.aws_name} has "
                    "already fired and EventBridge Scheduler deleted it; not created again."
                )
                return
            created = diff({}, wanted)
            if resource.type in TAGGABLE_TYPES:
                created["tags"] = (None, dict(resource.tags))
            self.changes.append(
                Change(resource.address, "create", missing, created, desired=resource)
            )
            return
        comparable = comparable_live_properties(live.type, live.properties, resource.properties)
        changed = diff(canonical_properties(live.type, comparable), wanted)
        if resource.type in TAGGABLE_TYPES:
            live_tags = _user_tags(live.tags)
            if live_tags != dict(resource.tags):
                changed["tags"] = (live_tags, dict(resource.tags))
        if live.aws_name != resource.aws_name:
            self.changes.append(
                Change(
                    resource.address,
                    "replace",
                    _delete_reason(
                        live,
                        f"its name changes from {live.aws_name} to {resource.aws_name} and "
                        "AWS cannot rename it: the new one is created, then the old one deleted",
                    ),
                    {"name": (live.aws_name, resource.aws_name), **changed},
                    desired=resource,
                    live=live,
                )
            )
            return
        forced = [
            why for path, why in REPLACE_FIELDS.get(resource.type, {}).items() if path in changed
        ]
        if forced:
            self.changes.append(
                Change(
                    resource.address,
                    "replace",
                    _delete_reason(live, "; ".join(forced)),
                    changed,
                    desired=resource,
                    live=live,
                )
            )
        elif changed:
            self.changes.append(
                Change(
                    resource.address,
                    "update",
                    "differs from the config",
                    changed,
                    desired=resource,
                    live=live,
                )
            )

    def remove_job(self, job: str, why: str) -> None:
        live = {resource.address: resource for resource in self.live.of_job(job)}
        self._leave_unknown_schedules(live)
        for resource in live.values():
            if self._holds_unknown_schedules(resource):
                continue
            if not resource.owned:
                self.blocked.append(
                    f"{resource.address}: {_describe(resource)} "
                    f"{_ownership_problem(resource, self.stack, job)}; it is left alone. If it "
                    f"is this stack's, add the missing tags; if not, remove {TAG_STACK} and "
                    f"{TAG_JOB} from it."
                )
                continue
            self.changes.append(
                Change(resource.address, "delete", _delete_reason(resource, why), {}, live=resource)
            )

    def _leave_unknown_schedules(self, live: dict[str, LiveResource]) -> None:
        """Take the schedules someone else put into this job's groups out of ``live``.

        They are reported, never changed: schedules carry no tags, and a schedule that the
        config does not name and that does not run as the job's own role is not this stack's.
        """
        for address, resource in list(live.items()):
            if resource.type == SCHEDULE and not resource.owned:
                del live[address]
                self.unknown_schedules.setdefault(_group_name(resource), []).append(
                    resource.aws_name
                )
                self.notes.append(
                    f"schedule {resource.aws_name} in schedule group {_group_name(resource)} "
                    f"(job {resource.job}) is not in the config and runs as "
                    f"{_role_name(resource)}, not as the job's own role: someone else made "
                    "it, so it is left alone."
                )

    def _holds_unknown_schedules(self, resource: LiveResource) -> bool:
        """A group to delete that holds others' schedules: blocked, as deleting would take them."""
        held = self.unknown_schedules.get(resource.aws_name) if resource.type == GROUP else None
        if not held:
            return False
        self.blocked.append(
            f"{resource.address}: {_describe(resource)} holds schedule(s) this stack did not "
            f"make ({', '.join(sorted(held))}), and deleting a group deletes every schedule in "
            "it; it is left alone. Move or delete those schedules, then run again."
        )
        return True


def _schedule_delete_reason(schedule: LiveResource, job_resources: Iterable[LiveResource]) -> str:
    roles = {resource.aws_name for resource in job_resources if resource.type == ROLE}
    if _role_name(schedule) in roles:
        return (
            f"not in the config, and it runs as this job's role {_role_name(schedule)}: this "
            "stack made it"
        )
    return (
        f"not in the config, and its name is one of this job's in schedule group "
        f"{_group_name(schedule)}: this stack made it"
    )


def _group_name(schedule: LiveResource) -> str:
    return str(schedule.properties.get("GroupName", ""))


def _role_name(schedule: LiveResource) -> str:
    target = schedule.properties.get("Target", {})
    role_arn = target.get("RoleArn", "") if isinstance(target, Mapping) else ""
    return str(role_arn).rsplit("/", 1)[-1] or "no role"


def _delete_reason(live: LiveResource, why: str) -> str:
    if live.type == QUEUE and live.queue_messages:
        return (
            f"{why}; the dead-letter queue holds {live.queue_messages} message(s) and is "
            "kept unless --force-delete-dlq-messages is given"
        )
    return why


def _describe(resource: LiveResource) -> str:
    return f"{KINDS[resource.type].label} {resource.aws_name}"


def _ownership_problem(resource: LiveResource, stack: str, job: str) -> str:
    """Which of this stack's ownership tags ``resource`` carries, lacks or has otherwise."""
    parent = _PARENT.get(resource.type)
    if parent is not None:
        return f"belongs to a {parent} without this stack's ownership tags"
    wanted = {TAG_MANAGED_BY: MANAGED_BY_VALUE, TAG_STACK: stack, TAG_JOB: job}
    carried = [f"{key}={value}" for key, value in wanted.items() if resource.tags.get(key) == value]
    missing = [f"{key}={value}" for key, value in wanted.items() if key not in resource.tags]
    other = [
        f"{key}={resource.tags[key]} (not {value})"
        for key, value in wanted.items()
        if key in resource.tags and resource.tags[key] != value
    ]
    if not carried:
        every = ", ".join(f"{key}={value}" for key, value in wanted.items())
        text = f"carries none of this stack's ownership tags ({every})"
    else:
        text = f"carries {', '.join(carried)}"
        if missing:
            text += f" but lacks this stack's ownership tag(s) {', '.join(missing)}"
    if other:
        text += f"; it has {', '.join(other)}"
    return text


def _user_tags(tags: Mapping[str, str]) -> dict[str, str]:
    return {
        key: value for key, value in tags.items() if not key.startswith(_AWS_RESERVED_TAG_PREFIX)
    }


def _finished_one_time_schedule(canonical: Mapping[str, Any]) -> bool:
    """An at() schedule AWS deletes after it fires, whose time has passed."""
    match = _AT_EXPRESSION.match(str(canonical.get("ScheduleExpression", "")))
    if match is None or canonical.get("ActionAfterCompletion") != "DELETE":
        return False
    zone = ZoneInfo(str(canonical.get("ScheduleExpressionTimezone", "UTC")))
    fires_at = datetime.fromisoformat(match.group(1)).replace(tzinfo=zone)
    return fires_at <= datetime.now(UTC)
