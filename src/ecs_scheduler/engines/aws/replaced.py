"""Reads each ARN a job ``replaces`` into the pure inputs of the cut-over; writes nothing.

For every ARN: the source as ``migration/cutover.py`` needs it (a Scheduler schedule from
GetSchedule, a rule from DescribeRule and ListTargetsByRule, or "gone" when AWS answers
ResourceNotFoundException), and what its deployment holds besides it, as
``migration/leftovers.py`` needs it (the targets' roles with their policies, the dead-letter
queues and the alarms on them, whether its schedule group is left empty). Only List*, Get*
and Describe* calls are made.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ecs_scheduler.engines.aws.clients import AwsClients
from ecs_scheduler.engines.aws.errors import AwsEngineError
from ecs_scheduler.engines.aws.live import error_code
from ecs_scheduler.migration.cutover import (
    GoneSource,
    ReplacedSource,
    RuleSource,
    RuleTarget,
    ScheduleSource,
    runs_task,
)
from ecs_scheduler.migration.leftovers import OldDeployment, OldRole
from ecs_scheduler.naming import MANAGED_BY_VALUE, TAG_MANAGED_BY, TAG_STACK

_NOT_FOUND = frozenset({"ResourceNotFoundException", "NoSuchEntity", "NoSuchEntityException"})
_QUEUE_GONE = frozenset({"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"})


@dataclass(frozen=True)
class ReplacedRead:
    source: ReplacedSource
    deployment: OldDeployment | None  # None when the source is gone


def read_replaced(
    clients: AwsClients,
    arns: Sequence[str],
    *,
    cluster_arn: str,
    task_family: str,
    all_replaced: Collection[str] = (),
) -> list[ReplacedRead]:
    """Each of ``arns``, read live. A rule target is replaced when it runs ``task_family`` on
    ``cluster_arn`` (the job's task); ``all_replaced`` (every ARN the stack replaces) tells
    whether a schedule group is left empty."""
    replaced = set(all_replaced) | set(arns)
    try:
        return [
            _read_rule(clients, arn, cluster_arn, task_family)
            if arn.split(":")[2] == "events"
            else _read_schedule(clients, arn, replaced)
            for arn in arns
        ]
    except (ClientError, BotoCoreError) as error:
        raise AwsEngineError(
            f"the replaced schedules and rules could not be read: {error}"
        ) from error


# ---------------------------------------------------------------------------- Scheduler


def _read_schedule(clients: AwsClients, arn: str, replaced: set[str]) -> ReplacedRead:
    group, name = arn.split(":", 5)[5].removeprefix("schedule/").split("/", 1)
    scheduler = clients.scheduler
    try:
        detail = scheduler.get_schedule(Name=name, GroupName=group)
    except ClientError as error:
        if error_code(error) in _NOT_FOUND:
            return ReplacedRead(GoneSource(arn), None)
        raise
    tags = _group_tags(clients, arn, group)
    window = detail.get("FlexibleTimeWindow") or {}
    source = ScheduleSource(
        arn=arn,
        expression=detail["ScheduleExpression"],
        timezone=detail.get("ScheduleExpressionTimezone") or "UTC",
        flexible_window_minutes=window.get("MaximumWindowInMinutes")
        if window.get("Mode") == "FLEXIBLE"
        else None,
        start_date=detail.get("StartDate"),
        end_date=detail.get("EndDate"),
        enabled=detail.get("State", "ENABLED") == "ENABLED",
        action_after_completion=detail.get("ActionAfterCompletion"),
        created=detail.get("CreationDate"),
        owner_stack=_owner_stack(tags),
    )
    members = [
        summary["Arn"]
        for page in scheduler.get_paginator("list_schedules").paginate(GroupName=group)
        for summary in page["Schedules"]
    ]
    deployment = OldDeployment(
        arn=arn,
        kind="schedule",
        name=name,
        container=group,
        tags=tags,
        group_emptied=set(members) <= replaced,
        **_target_leftovers(clients, [detail["Target"]]),
    )
    return ReplacedRead(source, deployment)


def _group_tags(clients: AwsClients, schedule_arn: str, group: str) -> dict[str, str]:
    if group == "default":
        return {}  # the default group cannot be tagged
    prefix = schedule_arn.split(":schedule/", 1)[0]
    try:
        response = clients.scheduler.list_tags_for_resource(
            ResourceArn=f"{prefix}:schedule-group/{group}"
        )
    except ClientError as error:
        if error_code(error) in _NOT_FOUND:
            return {}
        raise
    return {tag["Key"]: tag["Value"] for tag in response.get("Tags", [])}


# ---------------------------------------------------------------------------- EventBridge rules


def _read_rule(clients: AwsClients, arn: str, cluster_arn: str, family: str) -> ReplacedRead:
    path = arn.split(":", 5)[5].removeprefix("rule/")
    bus, _, name = path.rpartition("/")
    bus = bus or "default"
    events = clients.events
    try:
        rule = events.describe_rule(Name=name, EventBusName=bus)
        targets = _all_targets(events, name, bus)
    except ClientError as error:
        if error_code(error) in _NOT_FOUND:
            return ReplacedRead(GoneSource(arn), None)
        raise
    tags = {
        tag["Key"]: tag["Value"]
        for tag in events.list_tags_for_resource(ResourceARN=arn).get("Tags", [])
    }
    source = RuleSource(
        arn=arn,
        name=name,
        event_bus=bus,
        expression=rule.get("ScheduleExpression", ""),
        enabled=rule.get("State") == "ENABLED",
        targets=tuple(
            RuleTarget(target["Id"], target["Arn"], runs_task(target, cluster_arn, family))
            for target in targets
        ),
        owner_stack=_owner_stack(tags),
    )
    ours = [target for target in targets if runs_task(target, cluster_arn, family)]
    deployment = OldDeployment(
        arn=arn,
        kind="rule",
        name=name,
        container=bus,
        tags=tags,
        **_target_leftovers(clients, ours),
    )
    return ReplacedRead(source, deployment)


def _all_targets(events: Any, rule: str, bus: str) -> list[dict[str, Any]]:
    targets: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        response = events.list_targets_by_rule(
            Rule=rule, EventBusName=bus, **({"NextToken": token} if token else {})
        )
        targets.extend(response.get("Targets", []))
        token = response.get("NextToken")
        if not token:
            return targets


# ---------------------------------------------------------------------------- shared


def _owner_stack(tags: Mapping[str, str]) -> str | None:
    if tags.get(TAG_MANAGED_BY) == MANAGED_BY_VALUE:
        return tags.get(TAG_STACK)
    return None


def _target_leftovers(clients: AwsClients, targets: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The roles, dead-letter queues and alarms the targets use (OldDeployment fields)."""
    role_names = dict.fromkeys(
        str(target["RoleArn"]).rsplit("/", 1)[-1] for target in targets if target.get("RoleArn")
    )
    queue_arns = dict.fromkeys(
        str(target["DeadLetterConfig"]["Arn"])
        for target in targets
        if (target.get("DeadLetterConfig") or {}).get("Arn")
    )
    roles = tuple(role for name in role_names if (role := _role(clients, name)) is not None)
    queues = [(arn, url) for arn in queue_arns if (url := _queue_url(clients, arn)) is not None]
    names = {arn.rsplit(":", 1)[-1] for arn, _ in queues}
    return {
        "roles": roles,
        "queue_urls": tuple(url for _, url in queues),
        "alarm_names": _queue_alarms(clients, names) if names else (),
    }


def _role(clients: AwsClients, name: str) -> OldRole | None:
    iam = clients.iam
    try:
        inline = [
            policy
            for page in iam.get_paginator("list_role_policies").paginate(RoleName=name)
            for policy in page["PolicyNames"]
        ]
        attached = [
            policy["PolicyArn"]
            for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=name)
            for policy in page["AttachedPolicies"]
        ]
    except ClientError as error:
        if error_code(error) in _NOT_FOUND:
            return None
        raise
    return OldRole(name, tuple(inline), tuple(attached))


def _queue_url(clients: AwsClients, arn: str) -> str | None:
    _, _, _, _, account, name = arn.split(":", 5)
    try:
        response = clients.sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)
    except ClientError as error:
        if error_code(error) in _QUEUE_GONE:
            return None
        raise
    return str(response["QueueUrl"])


def _queue_alarms(clients: AwsClients, queue_names: set[str]) -> tuple[str, ...]:
    """The metric alarms on any of the queues (by their QueueName dimension)."""
    return tuple(
        alarm["AlarmName"]
        for page in clients.cloudwatch.get_paginator("describe_alarms").paginate(
            AlarmTypes=["MetricAlarm"]
        )
        for alarm in page.get("MetricAlarms", [])
        if alarm.get("Namespace") == "AWS/SQS"
        and any(
            d.get("Name") == "QueueName" and d.get("Value") in queue_names
            for d in alarm.get("Dimensions", [])
        )
    )
