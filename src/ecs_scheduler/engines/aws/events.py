"""EventBridge: a job's task-failure rule on the default event bus and its targets, read and
written.

A rule is read by name (DescribeRule), its tags with ListTagsForResource and its targets with
ListTargetsByRule. PutRule and PutTargets create and update alike ("Creates or updates",
EventBridge API Reference, PutRule and PutTargets); PutRule replaces every field it is given
and keeps no omitted one, so the whole request is sent each time. A rule with targets cannot
be deleted: they are removed first (DeleteRule: "Before you can delete the rule, you must
remove all targets, using RemoveTargets").
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Final

from botocore.exceptions import ClientError

from ecs_scheduler.engines.aws.canonical import with_defaults
from ecs_scheduler.engines.aws.clients import AwsClients
from ecs_scheduler.engines.aws.errors import AwsEngineError
from ecs_scheduler.engines.aws.service import (
    RULE,
    RULE_TARGET,
    LiveResource,
    RecordedKind,
    ServiceOperations,
    WriteContext,
    as_json,
    error_code,
    is_owned,
    request_fields,
    retag,
    tag_list,
    tag_map,
)
from ecs_scheduler.naming import TAG_RULE
from ecs_scheduler.resources import Resource, address
from ecs_scheduler.task_failures import TASK_FAILED_KIND

# EventBridge answers a missing rule with ResourceNotFoundException (EventBridge API
# Reference, DescribeRule, ListTargetsByRule and RemoveTargets, "Errors").
NOT_FOUND_CODES: Final = frozenset({"ResourceNotFoundException"})
# "Rules are enabled by default" (EventBridge API Reference, PutRule).
RULE_DEFAULTS: Final[Mapping[str, Any]] = {"State": "ENABLED"}
# The Terraform resource name of the rule and of its targets in the model.
_NAME: Final = "task_failed"

# -- reads --------------------------------------------------------------------------------


def read_rule(clients: AwsClients, stack: str, job: str, name: str) -> list[LiveResource]:
    """The rule of this name and, if it is ours, its targets; nothing if there is none.

    The targets of someone else's rule are not ours to report: the rule alone blocks the job.
    """
    events = clients.events
    try:
        rule = events.describe_rule(Name=name)
        tags = tag_map(events.list_tags_for_resource(ResourceARN=rule["Arn"])["Tags"])
    except ClientError as error:
        if error_code(error) in NOT_FOUND_CODES:
            return []
        raise
    owned = is_owned(tags, stack, job)
    fields = request_fields(events, "PutRule")
    properties = {key: value for key, value in rule.items() if key in fields}
    rule_address = address(job, RULE, _NAME)
    found = [LiveResource(rule_address, job, RULE, name, rule["Arn"], properties, tags, owned)]
    if owned:
        found.extend(
            LiveResource(
                address(job, RULE_TARGET, _NAME, target["Id"]),
                job,
                RULE_TARGET,
                target["Id"],
                rule["Arn"],
                target,
            )
            for target in _targets(clients, name)
        )
    return found


RECORDED: Final = (
    RecordedKind(
        RULE,
        _NAME,
        TAG_RULE,
        TASK_FAILED_KIND,
        lambda clients, stack, job, name, _: read_rule(clients, stack, job, name),
    ),
)


def _targets(clients: AwsClients, rule: str) -> list[dict[str, Any]]:
    paginator = clients.events.get_paginator("list_targets_by_rule")
    return [target for page in paginator.paginate(Rule=rule) for target in page["Targets"]]


def rule_topics(resources: Iterable[Resource]) -> Iterable[tuple[Resource, str]]:
    """Each desired target's rule and topic, for preflight to check the topic's policy."""
    by_address = {resource.address: resource for resource in resources}
    for resource in by_address.values():
        if resource.type == RULE_TARGET and resource.parent in by_address:
            yield by_address[resource.parent], str(resource.properties["Arn"])


def rules(resources: Iterable[Resource]) -> Iterable[Resource]:
    """The desired rules, for preflight to warn about one that tells nobody."""
    return (resource for resource in resources if resource.type == RULE)


# -- rules --------------------------------------------------------------------------------


def canonical_rule(fields: dict[str, Any]) -> dict[str, Any]:
    """A rule's own canonical form: EventBridge's default state; its pattern, which
    DescribeRule gives as JSON text, compared as the document it is."""
    fields = with_defaults(fields, RULE_DEFAULTS)
    if isinstance(fields.get("EventPattern"), str):
        fields["EventPattern"] = json.loads(fields["EventPattern"])
    return fields


def _rule_request(resource: Resource) -> dict[str, Any]:
    return {
        **resource.properties,
        "Name": resource.aws_name,
        "EventPattern": as_json(resource.properties["EventPattern"]),
    }


def create_rule(context: WriteContext, resource: Resource) -> None:
    # PutRule on a name in use replaces that rule and ignores the tags it is given (PutRule):
    # one made after the plan is looked for, and if ours, updated.
    events = context.clients.events
    try:
        arn = events.describe_rule(Name=resource.aws_name)["Arn"]
    except ClientError as error:
        if error_code(error) not in NOT_FOUND_CODES:
            raise
        events.put_rule(**_rule_request(resource), Tags=tag_list(resource.tags))
        return
    tags = tag_map(events.list_tags_for_resource(ResourceARN=arn)["Tags"])
    context.check_owned(resource, "EventBridge rule", tags)
    update_rule(context, resource, None)


def update_rule(context: WriteContext, resource: Resource, live: LiveResource | None) -> None:
    events = context.clients.events
    arn = events.put_rule(**_rule_request(resource))["RuleArn"]
    retag(
        live,
        resource,
        lambda keys: events.untag_resource(ResourceARN=arn, TagKeys=keys),
        lambda: events.tag_resource(ResourceARN=arn, Tags=tag_list(resource.tags)),
    )


def delete_rule(clients: AwsClients, live: LiveResource) -> None:
    ids = [target["Id"] for target in _targets(clients, live.aws_name)]
    if ids:
        _remove_targets(clients, live.aws_name, ids)
    clients.events.delete_rule(Name=live.aws_name)


# -- targets ------------------------------------------------------------------------------


def put_target(context: WriteContext, resource: Resource) -> None:
    rule = context.parent(resource).aws_name
    response = context.clients.events.put_targets(Rule=rule, Targets=[dict(resource.properties)])
    _check_entries(response, f"PutTargets on rule {rule}")


def delete_target(clients: AwsClients, live: LiveResource) -> None:
    _remove_targets(clients, _rule_name(live.arn), [live.aws_name])


def _rule_name(rule_arn: str) -> str:
    """A rule's name from its ARN on the default bus, ``arn:...:rule/<name>``."""
    return rule_arn.rsplit("/", 1)[-1]


def _remove_targets(clients: AwsClients, rule: str, ids: list[str]) -> None:
    response = clients.events.remove_targets(Rule=rule, Ids=ids)
    _check_entries(response, f"RemoveTargets on rule {rule}")


def _check_entries(response: dict[str, Any], call: str) -> None:
    """PutTargets and RemoveTargets report a failed target in their answer, not as an error
    (EventBridge API Reference: FailedEntryCount, FailedEntries)."""
    failed = response.get("FailedEntries") or []
    if response.get("FailedEntryCount", 0) or failed:
        shown = "; ".join(
            f"{entry.get('TargetId')}: {entry.get('ErrorCode')} {entry.get('ErrorMessage')}"
            for entry in failed
        )
        raise AwsEngineError(f"{call} failed for {shown or 'some targets'}.")


OPERATIONS: Final = {
    RULE: ServiceOperations(
        create_rule, update_rule, delete_rule, NOT_FOUND_CODES, canonical=canonical_rule
    ),
    RULE_TARGET: ServiceOperations.by_put(put_target, delete_target, NOT_FOUND_CODES),
}
