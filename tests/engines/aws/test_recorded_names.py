"""A job's schedule group records the names of its role and queue, so a job removed from the
config is removed entirely even when fit() shortened those names differently from the group's
and no schedule is left to name them."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from ecs_scheduler.engines.aws import AwsClients, apply, plan
from ecs_scheduler.naming import TAG_QUEUE, TAG_ROLE, TAG_RULE
from ecs_scheduler.resources import DesiredState, Resource
from tests.engines.aws.conftest import DesiredFactory
from tests.engines.aws.test_safety import OTHER_JOB as REMOVED
from tests.engines.aws.test_safety import _with_second_job


def _long_names(document: dict[str, Any]) -> None:
    """Long enough that the group's and the role's names are shortened, each by its own
    limit (64 characters), while the queue's (80) is not."""
    document["defaults"]["billing_domain"] = "commerce-and-fulfilment-ops"


def _both_long(document: dict[str, Any]) -> None:
    _long_names(document)
    _with_second_job(document)


def _of(desired: DesiredState, job: str, resource_type: str) -> Resource:
    return next(
        resource
        for resource in desired.resources.values()
        if (resource.job, resource.type) == (job, resource_type)
    )


def _remove_schedules(clients: AwsClients, group: str) -> None:
    """What an interrupted destroy leaves, or a one-time schedule that deleted itself."""
    for schedule in clients.scheduler.list_schedules(GroupName=group)["Schedules"]:
        clients.scheduler.delete_schedule(Name=schedule["Name"], GroupName=group)


def _assert_removed_entirely(
    clients: AwsClients, both: DesiredState, remaining: DesiredState
) -> None:
    role = _of(both, REMOVED, "aws_iam_role").aws_name
    queue = _of(both, REMOVED, "aws_sqs_queue").aws_name
    schedules = {
        r.address
        for r in both.resources.values()
        if r.job == REMOVED and r.type == "aws_scheduler_schedule"
    }
    removed = {r.address for r in both.resources.values() if r.job == REMOVED} - schedules

    pruned = plan(remaining, clients)

    assert {(c.address, c.action) for c in pruned.changes} == {
        (address, "delete") for address in removed
    }
    apply(pruned, clients)
    with pytest.raises(ClientError, match="NoSuchEntity"):
        clients.iam.get_role(RoleName=role)
    with pytest.raises(ClientError, match=r"NonExistentQueue|QueueDoesNotExist"):
        clients.sqs.get_queue_url(QueueName=queue)
    assert plan(remaining, clients).changes == ()


def test_a_removed_job_with_differently_shortened_names_is_removed_entirely(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    both = desired_from("multi-schedule", _both_long)
    group = _of(both, REMOVED, "aws_scheduler_schedule_group").aws_name
    role = _of(both, REMOVED, "aws_iam_role").aws_name
    queue = _of(both, REMOVED, "aws_sqs_queue").aws_name
    # The names the group's name alone would suggest are not the job's.
    assert role != f"{group}-scheduler"
    assert queue != f"{group}-dlq"
    assert _of(both, REMOVED, "aws_cloudwatch_event_rule").aws_name != f"{group}-task-failed"
    apply(plan(both, clients), clients)
    _remove_schedules(clients, group)

    _assert_removed_entirely(clients, both, desired_from("multi-schedule", _long_names))


def test_the_group_records_the_role_and_queue_names(desired_from: DesiredFactory) -> None:
    desired = desired_from("multi-schedule", _both_long)

    group = _of(desired, REMOVED, "aws_scheduler_schedule_group")

    assert group.tags[TAG_ROLE] == _of(desired, REMOVED, "aws_iam_role").aws_name
    assert group.tags[TAG_QUEUE] == _of(desired, REMOVED, "aws_sqs_queue").aws_name
    assert group.tags[TAG_RULE] == _of(desired, REMOVED, "aws_cloudwatch_event_rule").aws_name
    assert TAG_ROLE not in _of(desired, REMOVED, "aws_iam_role").tags


def test_a_group_made_before_the_names_were_recorded_is_still_removed_entirely(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    both = desired_from("multi-schedule", _with_second_job)
    apply(plan(both, clients), clients)
    group = _of(both, REMOVED, "aws_scheduler_schedule_group").aws_name
    arn = clients.scheduler.get_schedule_group(Name=group)["Arn"]
    clients.scheduler.untag_resource(ResourceArn=arn, TagKeys=[TAG_ROLE, TAG_QUEUE])
    _remove_schedules(clients, group)

    _assert_removed_entirely(clients, both, desired_from("multi-schedule"))
