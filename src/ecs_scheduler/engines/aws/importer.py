"""Reads the schedules and rules with an ECS target that ``import`` converts; writes nothing.

Only List*/Get*/Describe* calls are made. Schedules are read from every group no
ecs-scheduler stack owns (the stack tags are on the group), rules from every event bus.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ecs_scheduler.engines.aws.clients import AwsClients
from ecs_scheduler.engines.aws.errors import AwsEngineError
from ecs_scheduler.engines.aws.live import error_code, parallel_map
from ecs_scheduler.migration.convert import Source
from ecs_scheduler.naming import MANAGED_BY_VALUE, TAG_MANAGED_BY, TAG_STACK


def read_sources(
    clients: AwsClients,
    *,
    groups: Collection[str] = (),
    rules: bool = True,
    max_workers: int = 8,
) -> list[Source]:
    """Every unowned schedule (of ``groups`` only, if given) and, with ``rules``, every rule
    target that starts an ECS task."""
    try:
        with ThreadPoolExecutor(max_workers=max_workers) as pool:
            found = _schedules(clients, pool, set(groups))
            if rules:
                found.extend(_rule_targets(clients, pool))
    except (ClientError, BotoCoreError) as error:
        raise AwsEngineError(f"import could not read the account: {error}") from error
    return found


def _is_ecs_target(target: Mapping[str, Any]) -> bool:
    return bool(target.get("EcsParameters")) and ":ecs:" in str(target.get("Arn", ""))


# ---------------------------------------------------------------------------- Scheduler


def _schedules(clients: AwsClients, pool: ThreadPoolExecutor, only: set[str]) -> list[Source]:
    scheduler = clients.scheduler
    group_summaries = [
        group
        for page in scheduler.get_paginator("list_schedule_groups").paginate()
        for group in page["ScheduleGroups"]
        if not only or group["Name"] in only
    ]
    group_tags = parallel_map(pool, lambda group: _group_tags(clients, group), group_summaries)
    unowned = {
        group["Name"]: tags
        for group, tags in zip(group_summaries, group_tags, strict=True)
        if not (tags.get(TAG_MANAGED_BY) == MANAGED_BY_VALUE and TAG_STACK in tags)
    }
    summaries = [
        summary
        for name in sorted(unowned)
        for page in scheduler.get_paginator("list_schedules").paginate(GroupName=name)
        for summary in page["Schedules"]
    ]
    # ListSchedules returns only the target's ARN; the ECS parameters need GetSchedule.
    candidates = [s for s in summaries if ":ecs:" in s.get("Target", {}).get("Arn", "")]
    details = parallel_map(
        pool,
        lambda s: scheduler.get_schedule(Name=s["Name"], GroupName=s["GroupName"]),
        candidates,
    )
    return [
        _schedule_source(detail, unowned[detail["GroupName"]])
        for detail in details
        if _is_ecs_target(detail["Target"])
    ]


def _group_tags(clients: AwsClients, group: Mapping[str, Any]) -> dict[str, str]:
    if group["Name"] == "default":
        return {}  # the default group cannot be tagged, nor owned by a stack
    try:
        response = clients.scheduler.list_tags_for_resource(ResourceArn=group["Arn"])
    except ClientError as error:
        if error_code(error) == "ResourceNotFoundException":
            return {}
        raise
    return {tag["Key"]: tag["Value"] for tag in response.get("Tags", [])}


def _schedule_source(detail: Mapping[str, Any], tags: Mapping[str, str]) -> Source:
    window = detail.get("FlexibleTimeWindow") or {}
    return Source(
        kind="schedule",
        arn=detail["Arn"],
        name=detail["Name"],
        expression=detail["ScheduleExpression"],
        timezone=detail.get("ScheduleExpressionTimezone") or "UTC",
        enabled=detail.get("State", "ENABLED") == "ENABLED",
        target=detail["Target"],
        tags=tags,
        description=detail.get("Description") or None,
        start_date=detail.get("StartDate"),
        end_date=detail.get("EndDate"),
        flexible_window_minutes=window.get("MaximumWindowInMinutes")
        if window.get("Mode") == "FLEXIBLE"
        else None,
        action_after_completion=detail.get("ActionAfterCompletion"),
    )


# ---------------------------------------------------------------------------- EventBridge rules


def _rule_targets(clients: AwsClients, pool: ThreadPoolExecutor) -> list[Source]:
    events = clients.events
    buses = [bus["Name"] for page in _pages(events.list_event_buses, "EventBuses") for bus in page]
    scheduled = [
        rule
        for bus in buses
        for page in _pages(events.list_rules, "Rules", EventBusName=bus)
        for rule in page
        if rule.get("ScheduleExpression")
    ]
    per_rule = parallel_map(pool, lambda rule: _rule_sources(clients, rule), scheduled)
    return [source for sources in per_rule for source in sources]


def _rule_sources(clients: AwsClients, rule: Mapping[str, Any]) -> list[Source]:
    events = clients.events
    bus = rule.get("EventBusName", "default")
    pages = _pages(events.list_targets_by_rule, "Targets", Rule=rule["Name"], EventBusName=bus)
    targets = [target for page in pages for target in page]
    ecs = [target for target in targets if _is_ecs_target(target)]
    if not ecs:
        return []
    tags = {
        tag["Key"]: tag["Value"]
        for tag in events.list_tags_for_resource(ResourceARN=rule["Arn"]).get("Tags", [])
    }
    return [
        Source(
            kind="rule",
            arn=rule["Arn"],
            name=rule["Name"],
            expression=rule["ScheduleExpression"],
            timezone="UTC",  # rules have no time zone
            enabled=rule.get("State") == "ENABLED",
            target=target,
            tags=tags,
            description=rule.get("Description") or None,
            other_targets=len(targets) - len(ecs),
        )
        for target in ecs
    ]


def _pages(operation: Any, key: str, **arguments: Any) -> Sequence[list[dict[str, Any]]]:
    """The pages of an EventBridge List* call, which paginates with NextToken and has no
    boto3 paginator for every operation."""
    pages: list[list[dict[str, Any]]] = []
    token: str | None = None
    while True:
        response = operation(**arguments, **({"NextToken": token} if token else {}))
        pages.append(response.get(key, []))
        token = response.get("NextToken")
        if not token:
            return pages
