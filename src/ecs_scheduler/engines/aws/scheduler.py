"""EventBridge Scheduler: schedule groups and schedules, read and written.

The one retry loop of the engine lives here: a role IAM has just created is not yet visible
to EventBridge Scheduler, which rejects CreateSchedule and UpdateSchedule with a
ValidationException until it is; botocore's retry modes do not treat that as retryable.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final

from botocore.exceptions import ClientError

from ecs_scheduler.engines.aws.canonical import (
    canonical_timestamp,
    start_date_passed,
    with_defaults,
)
from ecs_scheduler.engines.aws.clients import AwsClients
from ecs_scheduler.engines.aws.service import (
    GROUP,
    SCHEDULE,
    LiveResource,
    Once,
    RecordedKind,
    ServiceOperations,
    WriteContext,
    as_json,
    error_code,
    retag,
    tag_list,
    tag_map,
)
from ecs_scheduler.resources import Resource

ROLE_PROPAGATION_TIMEOUT_SECONDS: Final = 60.0
_ROLE_NOT_ASSUMABLE = re.compile(r"execution role|assume", re.IGNORECASE)
# EventBridge Scheduler answers a missing group or schedule with ResourceNotFoundException
# (EventBridge Scheduler API Reference, GetScheduleGroup and DeleteSchedule, "Errors").
NOT_FOUND_CODES: Final = frozenset({"ResourceNotFoundException"})

Group = tuple[str, str, dict[str, str]]  # name, ARN, tags

# What Scheduler fills in for a field CreateSchedule is not given: canonical form assumes it.
SCHEDULE_DEFAULTS: Final[Mapping[str, Any]] = {
    "ScheduleExpressionTimezone": "UTC",
    "State": "ENABLED",
    "ActionAfterCompletion": "NONE",
    "FlexibleTimeWindow": {"Mode": "OFF"},
}
RETRY_POLICY_DEFAULTS: Final[Mapping[str, Any]] = {
    "MaximumEventAgeInSeconds": 86400,
    "MaximumRetryAttempts": 185,
}
ECS_PARAMETERS_DEFAULTS: Final[Mapping[str, Any]] = {
    "TaskCount": 1,
    "EnableECSManagedTags": False,
    "EnableExecuteCommand": False,
}

# -- reads --------------------------------------------------------------------------------


class ScheduleGroups:
    """ListScheduleGroups, made once whichever caller asks first.

    One instance serves one plan: its preflight counts the account's groups against the
    quota, and its live read finds the stack's among them. An error is remembered and raised
    to each caller.
    """

    def __init__(self, clients: AwsClients) -> None:
        self.clients = clients
        self._once = Once()

    def every(self) -> list[dict[str, Any]]:
        """Every group's summary, the account's ``default`` group and deleting ones included."""
        listed: list[dict[str, Any]] = self._once("ListScheduleGroups", self._list)
        return listed

    def created(self) -> list[dict[str, Any]]:
        """Every group's summary but the account's ``default`` group, which AWS makes."""
        return [group for group in self.every() if group["Name"] != "default"]

    def _list(self) -> list[dict[str, Any]]:
        paginator = self.clients.scheduler.get_paginator("list_schedule_groups")
        return [group for page in paginator.paginate() for group in page.get("ScheduleGroups", [])]


def group_tags(clients: AwsClients, arn: str) -> dict[str, str]:
    """A group's tags; none if it is gone."""
    try:
        response = clients.scheduler.list_tags_for_resource(ResourceArn=arn)
    except ClientError as error:
        if error_code(error) in NOT_FOUND_CODES:
            return {}
        raise
    return tag_map(response.get("Tags", []))


def read_group(clients: AwsClients, name: str) -> Group | None:
    """The group of this name, unless there is none or it is being deleted."""
    try:
        group = clients.scheduler.get_schedule_group(Name=name)
    except ClientError as error:
        if error_code(error) in NOT_FOUND_CODES:
            return None
        raise
    if group.get("State") == "DELETING":
        return None
    return name, group["Arn"], group_tags(clients, group["Arn"])


def read_schedules(
    clients: AwsClients, pool: ThreadPoolExecutor, group: str
) -> list[dict[str, Any]]:
    """Every schedule of ``group``, as GetSchedule returns it."""
    names: list[str] = []
    paginator = clients.scheduler.get_paginator("list_schedules")
    for page in paginator.paginate(GroupName=group):
        names.extend(
            summary["Name"]
            for summary in page["Schedules"]
            if summary.get("GroupName", group) == group
        )
    details = pool.map(lambda name: _get_schedule(clients, group, name), names)
    return [detail for detail in details if detail is not None]


def _get_schedule(clients: AwsClients, group: str, name: str) -> dict[str, Any] | None:
    try:
        schedule: dict[str, Any] = clients.scheduler.get_schedule(GroupName=group, Name=name)
    except ClientError as error:
        # Deleted between the listing and now: a finished at() schedule, typically.
        if error_code(error) in NOT_FOUND_CODES:
            return None
        raise
    return schedule


def kms_keys(resources: Iterable[Resource]) -> Iterable[str]:
    """The KMS keys the desired schedules encrypt their payloads with, for preflight."""
    for resource in resources:
        if resource.type == SCHEDULE and resource.properties.get("KmsKeyArn"):
            yield str(resource.properties["KmsKeyArn"])


# -- canonical form -----------------------------------------------------------------------


def canonical_schedule(fields: dict[str, Any]) -> dict[str, Any]:
    """A schedule's own canonical form: Scheduler's defaults, dates as UTC timestamps (a
    passed start date as none), the target's input parsed and its network lists sorted."""
    fields = with_defaults(fields, SCHEDULE_DEFAULTS)
    for date_field in ("StartDate", "EndDate"):
        if fields.get(date_field) is not None:
            fields[date_field] = canonical_timestamp(fields[date_field])
    if start_date_passed(fields.get("StartDate")):
        del fields["StartDate"]
    target = dict(fields.get("Target") or {})
    if target:
        if isinstance(target.get("Input"), str):
            target["Input"] = json.loads(target["Input"]) if target["Input"] else None
        target["RetryPolicy"] = with_defaults(
            dict(target.get("RetryPolicy") or {}), RETRY_POLICY_DEFAULTS
        )
        if "EcsParameters" in target:
            target["EcsParameters"] = _canonical_ecs_parameters(target["EcsParameters"])
        fields["Target"] = target
    return fields


def _canonical_ecs_parameters(parameters: Mapping[str, Any]) -> dict[str, Any]:
    result = with_defaults(dict(parameters), ECS_PARAMETERS_DEFAULTS)
    network = result.get("NetworkConfiguration")
    if network and network.get("awsvpcConfiguration"):
        vpc = dict(network["awsvpcConfiguration"])
        vpc.setdefault("AssignPublicIp", "DISABLED")
        for list_field in ("Subnets", "SecurityGroups"):
            vpc[list_field] = sorted(vpc.get(list_field) or [])
        result["NetworkConfiguration"] = {**network, "awsvpcConfiguration": vpc}
    if result.get("Tags"):
        # A list of one-entry maps whose order means nothing: merge into one sorted map.
        merged: dict[str, str] = {}
        for entry in result["Tags"]:
            merged.update(entry)
        result["Tags"] = [{key: merged[key]} for key in sorted(merged)]
    return result


# -- schedule groups ----------------------------------------------------------------------


def create_group(context: WriteContext, resource: Resource) -> None:
    # AWS answers ConflictException for a name in use; moto's server replaces the group
    # instead, so look first (the ConflictException path still covers the race after).
    if _existing_group_is_ours(context, resource):
        update_group(context, resource, None)
        return
    try:
        context.clients.scheduler.create_schedule_group(
            Name=resource.aws_name, Tags=tag_list(resource.tags)
        )
    except ClientError as error:
        if error_code(error) != "ConflictException":
            raise
        _existing_group_is_ours(context, resource)
        update_group(context, resource, None)


def _existing_group_is_ours(context: WriteContext, resource: Resource) -> bool:
    """False if no group has ``resource``'s name; True if ours; else stop the job."""
    scheduler = context.clients.scheduler
    try:
        arn = scheduler.get_schedule_group(Name=resource.aws_name)["Arn"]
    except ClientError as error:
        if error_code(error) not in NOT_FOUND_CODES:
            raise
        return False
    tags = tag_map(scheduler.list_tags_for_resource(ResourceArn=arn)["Tags"])
    context.check_owned(resource, "schedule group", tags)
    return True


def update_group(context: WriteContext, resource: Resource, live: LiveResource | None) -> None:
    scheduler = context.clients.scheduler
    arn = scheduler.get_schedule_group(Name=resource.aws_name)["Arn"]
    retag(
        live,
        resource,
        lambda keys: scheduler.untag_resource(ResourceArn=arn, TagKeys=keys),
        lambda: scheduler.tag_resource(ResourceArn=arn, Tags=tag_list(resource.tags)),
    )


def delete_group(clients: AwsClients, live: LiveResource) -> None:
    clients.scheduler.delete_schedule_group(Name=live.aws_name)


# -- schedules ----------------------------------------------------------------------------


def _schedule_request(context: WriteContext, resource: Resource) -> dict[str, Any]:
    request: dict[str, Any] = {
        **resource.properties,
        "Name": resource.aws_name,
        "GroupName": context.parent(resource).aws_name,
    }
    target = dict(request["Target"])
    if "Input" in target:
        target["Input"] = as_json(target["Input"])
    request["Target"] = target
    if start_date_passed(request.get("StartDate")):
        del request["StartDate"]
    return request


def create_schedule(context: WriteContext, resource: Resource) -> None:
    request = _schedule_request(context, resource)
    try:
        retry_until_role_usable(lambda: context.clients.scheduler.create_schedule(**request))
    except ClientError as error:
        if error_code(error) != "ConflictException":
            raise
        update_schedule(context, resource, None)


def update_schedule(context: WriteContext, resource: Resource, _: LiveResource | None) -> None:
    request = _schedule_request(context, resource)
    retry_until_role_usable(lambda: context.clients.scheduler.update_schedule(**request))


def delete_schedule(clients: AwsClients, live: LiveResource) -> None:
    clients.scheduler.delete_schedule(Name=live.aws_name, GroupName=live.properties["GroupName"])


def retry_until_role_usable(call: Callable[[], Any]) -> Any:
    """``call()``, retried with backoff while Scheduler cannot yet assume a just-created role."""
    deadline = time.monotonic() + ROLE_PROPAGATION_TIMEOUT_SECONDS
    delay = 1.0
    while True:
        try:
            return call()
        except ClientError as error:
            message = str(error.response.get("Error", {}).get("Message", ""))
            retryable = error_code(error) == "ValidationException" and bool(
                _ROLE_NOT_ASSUMABLE.search(message)
            )
            if not retryable or time.monotonic() + delay > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 10.0)


# Found in the account's listing (scheduler.ScheduleGroups) and inside their group.
RECORDED: Final[tuple[RecordedKind, ...]] = ()

OPERATIONS: Final = {
    GROUP: ServiceOperations(create_group, update_group, delete_group, NOT_FOUND_CODES),
    SCHEDULE: ServiceOperations(
        create_schedule,
        update_schedule,
        delete_schedule,
        NOT_FOUND_CODES,
        canonical=canonical_schedule,
    ),
}
