"""Adopting in place (``--adopt``): a resource under one of the config's names that lacks
this stack's ownership tags is taken over instead of blocking its job.

Without ``--adopt`` such a resource blocks its job (the planner). With it, the resource is
read as this job's, so the plan converges it like any other: its tags are added and its
properties updated, shown as an ``adopt`` change. These are never adopted:

- a resource whose tags name another owner (another stack, another job of this stack, or
  another ``ResourceOwner``): its job stays blocked, and the message says whose it is;
- a resource whose kind cannot carry tags: a policy or a schedule is adopted only with its
  role, queue or schedule group, from which its ownership comes;
- a resource that differs in a field AWS sets only at creation: adopting it would replace
  it (a dead-letter queue would lose its messages), so its job is refused, the field named;
- a queue holding messages whose retention the config shortens: SQS expires and deletes
  messages older than a reduced MessageRetentionPeriod (SQS API Reference,
  SetQueueAttributes), so its job is refused too.

Apply reads an adopted resource's tags again before writing it, as it does for a create that
meets an existing resource: one another owner tagged after the plan stops its job.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from ecs_scheduler.engines.aws import scheduler
from ecs_scheduler.engines.aws.clients import AwsClients
from ecs_scheduler.engines.aws.live import LiveState
from ecs_scheduler.engines.aws.service import (
    ALARM,
    GROUP,
    QUEUE,
    ROLE,
    SCHEDULE,
    LiveResource,
    UnsafeNowError,
    WriteContext,
    request_fields,
    tag_map,
)
from ecs_scheduler.kinds import KINDS, OWNING_PARENT, REPLACE_FIELDS, TAGGABLE_TYPES
from ecs_scheduler.naming import TAG_JOB, TAG_RESOURCE_OWNER, TAG_STACK
from ecs_scheduler.resources import DesiredState, Resource, address

if TYPE_CHECKING:  # the planner runs this module's steps: it imports it, not the reverse
    from ecs_scheduler.engines.aws.planner import Change, Plan


_RETENTION: Final = "Attributes.MessageRetentionPeriod"


@dataclass(frozen=True)
class Adoption:
    """The live state with the adoptable resources read as this stack's, and what is not."""

    live: LiveState
    adopted: frozenset[str] = frozenset()  # addresses taken over, untaggable ones included
    # The blocked line of each resource not adopted because its tags name another owner.
    refused: Mapping[str, str] = field(default_factory=dict)


def find_adoptable(
    desired: DesiredState, live: LiveState, clients: AwsClients, pool: ThreadPoolExecutor
) -> Adoption:
    """Which untagged resources under the config's names can be adopted, read as owned."""
    wanted = {resource.address: resource for resource in desired.resources.values()}
    resources = dict(live.resources)
    adopted: set[str] = set()
    refused: dict[str, str] = {}
    for found in live.resources.values():
        resource = wanted.get(found.address)
        if (
            found.owned
            or found.type not in TAGGABLE_TYPES
            or resource is None
            or resource.aws_name != found.aws_name
        ):
            continue
        other = other_owner(found.tags, resource, desired.stack)
        if other is not None:
            refused[found.address] = (
                f"{found.address}: {KINDS[found.type].label} {found.aws_name} is not adopted: "
                f"{other}; it is left alone and nothing of job {found.job} is written. Rename "
                "the job, or, if the resource is truly this job's, remove the other owner's tags."
            )
            continue
        resources[found.address] = dataclasses.replace(found, owned=True)
        adopted.add(found.address)
        if found.type == GROUP:
            for schedule in _group_schedules(desired, found, clients, pool):
                resources[schedule.address] = schedule
                if schedule.owned:
                    adopted.add(schedule.address)
    for found in live.resources.values():
        parent = OWNING_PARENT.get(found.type)
        if parent is not None and not found.owned and _parent_address(found, live) in adopted:
            resources[found.address] = dataclasses.replace(found, owned=True)
            adopted.add(found.address)
    return Adoption(dataclasses.replace(live, resources=resources), frozenset(adopted), refused)


def other_owner(tags: Mapping[str, str], resource: Resource, stack: str) -> str | None:
    """Why tags say a resource is someone else's (so it is never adopted); None if they don't."""
    tagged_stack = tags.get(TAG_STACK)
    if tagged_stack is not None and tagged_stack != stack:
        return f"its tag {TAG_STACK}={tagged_stack} says stack {tagged_stack} owns it"
    tagged_job = tags.get(TAG_JOB)
    if tagged_stack == stack and tagged_job is not None and tagged_job != resource.job:
        return f"its tag {TAG_JOB}={tagged_job} says job {tagged_job} of this stack owns it"
    tagged_owner = tags.get(TAG_RESOURCE_OWNER)
    wanted_owner = resource.tags.get(TAG_RESOURCE_OWNER)
    if tagged_owner is not None and tagged_owner != wanted_owner:
        return (
            f"its tag {TAG_RESOURCE_OWNER}={tagged_owner} names another owner than this "
            f"job's ({TAG_RESOURCE_OWNER}={wanted_owner})"
        )
    return None


def _parent_address(child: LiveResource, live: LiveState) -> str | None:
    """The address of the role or queue a policy is inside: the live one of its ARN."""
    parent = OWNING_PARENT[child.type]
    return next(
        (
            candidate.address
            for candidate in live.of_job(child.job)
            if candidate.type == parent and candidate.arn == child.arn
        ),
        None,
    )


def _group_schedules(
    desired: DesiredState, group: LiveResource, clients: AwsClients, pool: ThreadPoolExecutor
) -> list[LiveResource]:
    """The schedules of an adopted group: those of the config's names are adopted with it.

    The reader does not look into a group that is not this stack's. A schedule carries no
    tags, so in a group someone else made only the config's names say a schedule is the
    job's; any other is left alone (the planner reports it and keeps the group).
    """
    configured = {
        resource.aws_name: resource.address
        for resource in desired.resources.values()
        if resource.job == group.job and resource.type == SCHEDULE
    }
    fields = request_fields(clients.scheduler, "CreateSchedule")
    return [
        LiveResource(
            address=configured.get(schedule["Name"])
            or address(group.job, SCHEDULE, "ecs", schedule["Name"]),
            job=group.job,
            type=SCHEDULE,
            aws_name=schedule["Name"],
            arn=schedule["Arn"],
            properties={key: value for key, value in schedule.items() if key in fields},
            owned=schedule["Name"] in configured,
        )
        for schedule in scheduler.read_schedules(clients, pool, group.aws_name)
    ]


def check_still_adoptable(context: WriteContext, resource: Resource, live: LiveResource) -> None:
    """Stop the job if the resource's tags, read again now, name another owner: someone
    tagged it after the plan (the confirmation prompt waits as long as the person takes)."""
    why = other_owner(_current_tags(context.clients, live), resource, context.desired.stack)
    if why is not None:
        raise UnsafeNowError(
            f"{KINDS[live.type].label} {live.aws_name} was tagged after the plan and is not "
            f"adopted: {why}"
        )


def _current_tags(clients: AwsClients, live: LiveResource) -> dict[str, str]:
    if live.type == GROUP:
        return scheduler.group_tags(clients, live.arn)
    if live.type == ROLE:
        return tag_map(clients.iam.list_role_tags(RoleName=live.aws_name)["Tags"])
    if live.type == QUEUE:
        tags: dict[str, str] = clients.sqs.list_queue_tags(QueueUrl=live.queue_url).get("Tags", {})
        return tags
    if live.type == ALARM:
        response = clients.cloudwatch.list_tags_for_resource(ResourceARN=live.arn)
        return tag_map(response["Tags"])
    return {}  # an untaggable kind: adopted with its parent, which was checked


def adopt_in_plan(the_plan: Plan, adoption: Adoption) -> Plan:
    """``the_plan`` with its updates of adopted resources shown as ``adopt``, and with the
    jobs that cannot be adopted in place (or whose resources are others') left alone."""
    blocked = [_refusal_text(line, adoption.refused) for line in the_plan.blocked]
    refused_jobs: set[str] = set()
    changes: list[Change] = []
    for change in the_plan.changes:
        if change.address not in adoption.adopted or change.action not in {"update", "replace"}:
            changes.append(change)
        elif change.action == "replace":
            refused_jobs.add(change.job)
            blocked.append(_replace_refusal(change))
        elif _shortens_retention_of_messages(change):
            refused_jobs.add(change.job)
            blocked.append(_retention_refusal(change))
        else:
            changes.append(
                dataclasses.replace(
                    change,
                    action="adopt",
                    reason=f"{_describe(change)} exists without this stack's ownership tags "
                    "and is adopted: its tags are added and its properties converged",
                )
            )
    return dataclasses.replace(
        the_plan,
        changes=tuple(change for change in changes if change.job not in refused_jobs),
        blocked=tuple(blocked),
    )


def _describe(change: Change) -> str:
    name = change.live.aws_name if change.live is not None else change.address
    return f"{KINDS[change.type].label} {name}"


def _replace_refusal(change: Change) -> str:
    fields = [
        f"{path} ({why})"
        for path, why in REPLACE_FIELDS.get(change.type, {}).items()
        if path in change.diff
    ]
    return (
        f"{change.address}: {_describe(change)} exists without this stack's ownership tags, "
        f"but it cannot be adopted in place: {', '.join(fields)} differs from the config, and "
        "adopting never replaces a resource (a dead-letter queue would lose its messages); "
        f"it is left alone and nothing of job {change.job} is written. Make the config's "
        "value match the live one, or remove the resource yourself."
    )


def _shortens_retention_of_messages(change: Change) -> bool:
    if change.type != QUEUE or change.live is None or not change.live.queue_messages:
        return False
    old, new = change.diff.get(_RETENTION, (None, None))
    return old is not None and new is not None and int(new) < int(old)


def _retention_refusal(change: Change) -> str:
    assert change.live is not None
    old, new = change.diff[_RETENTION]
    return (
        f"{change.address}: {_describe(change)} exists without this stack's ownership tags "
        f"and holds {change.live.queue_messages} message(s); adopting it would shorten its "
        f"{_RETENTION} from {old} to {new} s, and SQS deletes the messages older than that; "
        f"it is left alone and nothing of job {change.job} is written. Read or redrive the "
        "messages first, or set dlq_message_retention_seconds to at least the live value."
    )


def _refusal_text(line: str, refused: Mapping[str, str]) -> str:
    """A blocked line, or, for a resource ``--adopt`` refused, why: whose the resource is."""
    return refused.get(line.split(": ", 1)[0], line)
