"""``--adopt``: a resource under one of the config's names without this stack's ownership tags
is taken over (tagged, converged) instead of blocking its job; never one another owner tagged,
never by replacing it, and a dead-letter queue keeps its messages."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any, Final

import pytest

from ecs_scheduler.engines.aws import AwsClients, apply, plan
from ecs_scheduler.engines.aws.planner import Plan
from ecs_scheduler.engines.aws.service import tag_list, tag_map
from ecs_scheduler.naming import TAG_JOB, TAG_MANAGED_BY, TAG_RESOURCE_OWNER, TAG_STACK
from ecs_scheduler.resources import DesiredState, Resource, resolve_refs
from tests.engines.aws.conftest import DesiredFactory

JOB: Final = "sync-orders"
# The taggable kinds, by what the tests call them: (resource type, name in the model).
TAGGABLE: Final = {
    "group": ("aws_scheduler_schedule_group", "ecs"),
    "role": ("aws_iam_role", "scheduler"),
    "queue": ("aws_sqs_queue", "dlq"),
    "alarm": ("aws_cloudwatch_metric_alarm", "dlq_messages_visible"),
}
# What someone else's copy carries: a tag of their own, none of this stack's.
HANDMADE_TAGS: Final = {"Team": "commerce"}


def _resource(desired: DesiredState, kind: str) -> Resource:
    resource_type, name = TAGGABLE[kind]
    return next(
        resource
        for resource in desired.resources.values()
        if (resource.job, resource.type, resource.name) == (JOB, resource_type, name)
    )


def _tags(clients: AwsClients, kind: str, resource: Resource) -> dict[str, str]:
    name = resource.aws_name
    if kind == "group":
        arn = clients.scheduler.get_schedule_group(Name=name)["Arn"]
        return tag_map(clients.scheduler.list_tags_for_resource(ResourceArn=arn)["Tags"])
    if kind == "role":
        return tag_map(clients.iam.list_role_tags(RoleName=name)["Tags"])
    if kind == "queue":
        url = clients.sqs.get_queue_url(QueueName=name)["QueueUrl"]
        tags: dict[str, str] = clients.sqs.list_queue_tags(QueueUrl=url).get("Tags", {})
        return tags
    arn = clients.cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["AlarmArn"]
    return tag_map(clients.cloudwatch.list_tags_for_resource(ResourceARN=arn)["Tags"])


def _set_tags(clients: AwsClients, kind: str, resource: Resource, tags: dict[str, str]) -> None:
    """Leave the resource with exactly ``tags``, as if someone else had made it."""
    name = resource.aws_name
    stale = list(_tags(clients, kind, resource))
    untag: Callable[[], object]
    tag: Callable[[], object]
    if kind == "group":
        arn = clients.scheduler.get_schedule_group(Name=name)["Arn"]
        untag = partial(clients.scheduler.untag_resource, ResourceArn=arn, TagKeys=stale)
        tag = partial(clients.scheduler.tag_resource, ResourceArn=arn, Tags=tag_list(tags))
    elif kind == "role":
        untag = partial(clients.iam.untag_role, RoleName=name, TagKeys=stale)
        tag = partial(clients.iam.tag_role, RoleName=name, Tags=tag_list(tags))
    elif kind == "queue":
        url = clients.sqs.get_queue_url(QueueName=name)["QueueUrl"]
        untag = partial(clients.sqs.untag_queue, QueueUrl=url, TagKeys=stale)
        tag = partial(clients.sqs.tag_queue, QueueUrl=url, Tags=tags)
    else:
        arn = clients.cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["AlarmArn"]
        untag = partial(clients.cloudwatch.untag_resource, ResourceARN=arn, TagKeys=stale)
        tag = partial(clients.cloudwatch.tag_resource, ResourceARN=arn, Tags=tag_list(tags))
    # Neither call accepts an empty list.
    if stale:
        untag()
    if tags:
        tag()


def _applied_then_retagged(
    clients: AwsClients, desired_from: DesiredFactory, kind: str, tags: dict[str, str]
) -> tuple[DesiredState, Resource]:
    """The example applied, then its resource of ``kind`` left with only ``tags``."""
    desired = desired_from("multi-schedule")
    apply(plan(desired, clients), clients)
    resource = _resource(desired, kind)
    _set_tags(clients, kind, resource, tags)
    return desired, resource


def _drift(clients: AwsClients, desired: DesiredState, kind: str) -> str:
    """Change the live resource the way its other maker would have; the field that differs."""
    resource = _resource(desired, kind)
    if kind == "group":
        # A group has no fields: what differs is one of its schedules, gone.
        evening = next(
            r for r in desired.resources.values() if r.address.endswith('ecs["evening"]')
        )
        clients.scheduler.delete_schedule(Name=evening.aws_name, GroupName=resource.aws_name)
        return evening.address
    if kind == "role":
        clients.iam.update_role(RoleName=resource.aws_name, Description="made by hand")
        return "Description"
    if kind == "queue":
        url = clients.sqs.get_queue_url(QueueName=resource.aws_name)["QueueUrl"]
        clients.sqs.set_queue_attributes(QueueUrl=url, Attributes={"MessageRetentionPeriod": "60"})
        return "Attributes.MessageRetentionPeriod"
    properties = resolve_refs(resource.properties, desired.resources)
    clients.cloudwatch.put_metric_alarm(
        **{**properties, "AlarmName": resource.aws_name, "Threshold": 99.0}
    )
    return "Threshold"


def _blocked_line(planned: Plan, address: str) -> str:
    """The plan's blocked line about ``address``; every other one is about its policy."""
    lines = {line.split(": ", 1)[0]: line for line in planned.blocked}
    assert all(".aws_" in other and "_policy." in other for other in lines.keys() - {address})
    return lines[address]


def _job_changes(planned: Plan) -> list[tuple[str, str]]:
    return [(change.address, change.action) for change in planned.changes if change.job == JOB]


@pytest.mark.parametrize("kind", sorted(TAGGABLE))
def test_an_untagged_resource_of_our_name_blocks_without_adopt_and_is_adopted_with_it(
    kind: str, clients: AwsClients, desired_from: DesiredFactory
) -> None:
    desired, resource = _applied_then_retagged(clients, desired_from, kind, HANDMADE_TAGS)
    drifted = _drift(clients, desired, kind)

    # Without --adopt: as before, blocked, and applying the plan writes nothing of the job.
    blocked = plan(desired, clients)
    assert "ownership tags" in _blocked_line(blocked, resource.address)
    assert _job_changes(blocked) == []
    apply(blocked, clients)
    assert _tags(clients, kind, resource) == HANDMADE_TAGS

    adopting = plan(desired, clients, adopt=True)

    assert adopting.blocked == ()
    adopted = next(change for change in adopting.changes if change.address == resource.address)
    assert adopted.action == "adopt"
    assert "adopted" in adopted.reason
    assert adopted.diff["tags"] == (HANDMADE_TAGS, dict(resource.tags))
    if kind == "group":
        assert (drifted, "create") in _job_changes(adopting)
    else:
        assert drifted in adopted.diff
    assert adopting.summary()["adopt"] == 1
    assert adopting.to_json()["changes"][0].keys() == {"address", "action", "reason", "diff"}
    # plan --adopt writes nothing.
    assert _tags(clients, kind, resource) == HANDMADE_TAGS

    result = apply(adopting, clients)

    assert result.blocked == ()
    assert result.summary()["adopt"] == 1
    assert _tags(clients, kind, resource) == dict(resource.tags)
    again = plan(desired, clients)
    assert (again.changes, again.blocked) == ((), ())


@pytest.mark.parametrize("kind", sorted(TAGGABLE))
@pytest.mark.parametrize(
    ("other_tags", "named"),
    [
        ({TAG_MANAGED_BY: "ecs-scheduler", TAG_STACK: "another-stack"}, "stack another-stack"),
        ({TAG_STACK: "orders-sync", TAG_JOB: "other-job"}, "job other-job of this stack"),
        ({TAG_RESOURCE_OWNER: "another-team"}, "ResourceOwner=another-team"),
    ],
    ids=["another-stack", "another-job", "another-owner"],
)
def test_a_resource_another_owner_tagged_is_never_adopted(
    kind: str,
    other_tags: dict[str, str],
    named: str,
    clients: AwsClients,
    desired_from: DesiredFactory,
) -> None:
    desired, resource = _applied_then_retagged(clients, desired_from, kind, other_tags)
    assert desired.stack == "orders-sync"

    adopting = plan(desired, clients, adopt=True)

    # (A group tagged for another job of this stack is also listed as that job's.)
    [refusal] = [line for line in adopting.blocked if line.startswith(f"{resource.address}: ")]
    assert "not adopted" in refusal
    assert named in refusal
    assert f"nothing of job {JOB} is written" in refusal
    assert _job_changes(adopting) == []
    apply(adopting, clients)
    assert _tags(clients, kind, resource) == other_tags


def test_an_adopted_dead_letter_queue_keeps_its_messages(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    desired, queue = _applied_then_retagged(clients, desired_from, "queue", {})
    url = clients.sqs.get_queue_url(QueueName=queue.aws_name)["QueueUrl"]
    sent = {f"failed event {number}" for number in range(3)}
    for body in sorted(sent):
        clients.sqs.send_message(QueueUrl=url, MessageBody=body)

    adopting = plan(desired, clients, adopt=True)
    assert _job_changes(adopting) == [(queue.address, "adopt")]
    assert all(change.deletes_messages == 0 for change in adopting.changes)
    apply(adopting, clients)

    # The same queue (same URL), with every message still in it.
    assert clients.sqs.get_queue_url(QueueName=queue.aws_name)["QueueUrl"] == url
    received = clients.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert {message["Body"] for message in received} == sent
    assert _tags(clients, "queue", queue) == dict(queue.tags)


def test_a_field_aws_sets_only_at_creation_refuses_adoption_and_names_the_field(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    desired = desired_from("multi-schedule")
    role = _resource(desired, "role")
    clients.iam.create_role(
        RoleName=role.aws_name,
        Path="/legacy/",
        AssumeRolePolicyDocument=json.dumps(
            resolve_refs(role.properties["AssumeRolePolicyDocument"], desired.resources)
        ),
    )

    adopting = plan(desired, clients, adopt=True)

    refusal = _blocked_line(adopting, role.address)
    assert "cannot be adopted in place: Path" in refusal
    assert f"nothing of job {JOB} is written" in refusal
    assert _job_changes(adopting) == []
    apply(adopting, clients)
    assert clients.iam.get_role(RoleName=role.aws_name)["Role"]["Path"] == "/legacy/"
    # Nothing of the job was made either.
    groups = clients.scheduler.list_schedule_groups()["ScheduleGroups"]
    assert {group["Name"] for group in groups} <= {"default"}


def test_a_schedule_someone_else_put_into_an_adopted_group_is_left_alone(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    desired, group = _applied_then_retagged(clients, desired_from, "group", {})
    primary = clients.scheduler.get_schedule(Name=group.aws_name, GroupName=group.aws_name)
    clients.scheduler.create_schedule(
        Name="made-by-hand",
        GroupName=group.aws_name,
        ScheduleExpression="rate(1 day)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={
            "Arn": primary["Target"]["Arn"],
            "RoleArn": "arn:aws:iam::123456789012:role/someone-elses",
        },
    )

    adopting = plan(desired, clients, adopt=True)

    assert _job_changes(adopting) == [(group.address, "adopt")]
    assert any("made-by-hand" in note and "left alone" in note for note in adopting.notes)
    apply(adopting, clients)
    assert clients.scheduler.get_schedule(Name="made-by-hand", GroupName=group.aws_name)
    assert plan(desired, clients).changes == ()


def test_a_queue_holding_messages_is_not_adopted_if_the_config_shortens_their_retention(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    _, queue = _applied_then_retagged(clients, desired_from, "queue", {})
    url = clients.sqs.get_queue_url(QueueName=queue.aws_name)["QueueUrl"]
    clients.sqs.send_message(QueueUrl=url, MessageBody="a failed event")

    def shorter_retention(document: dict[str, Any]) -> None:
        document["jobs"][JOB]["dlq_message_retention_seconds"] = 3600

    adopting = plan(desired_from("multi-schedule", shorter_retention), clients, adopt=True)

    refusal = _blocked_line(adopting, queue.address)
    assert "holds 1 message(s)" in refusal
    assert "Attributes.MessageRetentionPeriod from 1209600 to 3600" in refusal
    assert _job_changes(adopting) == []
    apply(adopting, clients)
    attributes = clients.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
    assert attributes["Attributes"]["MessageRetentionPeriod"] == "1209600"
    assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "1"


@pytest.mark.parametrize("kind", sorted(TAGGABLE))
def test_a_resource_another_stack_tags_after_the_plan_is_not_adopted_by_its_apply(
    kind: str, clients: AwsClients, desired_from: DesiredFactory
) -> None:
    desired, resource = _applied_then_retagged(clients, desired_from, kind, {})
    adopting = plan(desired, clients, adopt=True)
    assert (resource.address, "adopt") in _job_changes(adopting)
    theirs = {TAG_MANAGED_BY: "ecs-scheduler", TAG_STACK: "another-stack", TAG_JOB: JOB}
    _set_tags(clients, kind, resource, theirs)

    result = apply(adopting, clients)

    [blocked] = result.blocked
    assert blocked.startswith(f"{resource.address}: ")
    assert "tagged after the plan and is not adopted" in blocked
    assert "stack another-stack owns it" in blocked
    assert _tags(clients, kind, resource) == theirs
