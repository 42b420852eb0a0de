"""What the engine must never do, and what it must always notice: resources of others, removed
jobs and schedules, destroy, dead-letter queues holding messages, drift made by hand."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from ecs_scheduler.engines.aws import AwsClients, AwsEngineError, apply, plan
from ecs_scheduler.resources import DesiredState, Resource, resolve_refs
from tests.engines.aws.conftest import DesiredFactory

JOB = "sync-orders"
OTHER_JOB = "sync-returns"


def _with_second_job(document: dict[str, Any]) -> None:
    """The multi-schedule example plus a second job of the same shape."""
    document["jobs"][OTHER_JOB] = {
        **document["jobs"][JOB],
        "additional_schedules": [],
        "description": "Sync returns from the ERP",
    }


def _resource(desired: DesiredState, job: str, resource_type: str, name: str) -> Resource:
    return next(
        resource
        for resource in desired.resources.values()
        if (resource.job, resource.type, resource.name) == (job, resource_type, name)
    )


def _addresses_of(desired: DesiredState, job: str) -> set[str]:
    return {resource.address for resource in desired.resources.values() if resource.job == job}


def test_removing_a_job_deletes_only_its_resources(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    both = desired_from("multi-schedule", _with_second_job)
    apply(plan(both, clients), clients)
    only_first = desired_from("multi-schedule")

    pruned = plan(only_first, clients)

    assert {(c.address, c.action) for c in pruned.changes} == {
        (address, "delete") for address in _addresses_of(both, OTHER_JOB)
    }
    apply(pruned, clients)
    assert plan(only_first, clients).changes == ()
    assert plan(both, clients).summary()["create"] == len(_addresses_of(both, OTHER_JOB))


def test_removing_a_schedule_deletes_only_that_schedule(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    apply(plan(desired_from("multi-schedule"), clients), clients)

    def drop_evening(document: dict[str, Any]) -> None:
        schedules = document["jobs"][JOB]["additional_schedules"]
        document["jobs"][JOB]["additional_schedules"] = [
            schedule for schedule in schedules if schedule["name"] != "evening"
        ]

    fewer = desired_from("multi-schedule", drop_evening)
    pruned = plan(fewer, clients)

    assert [(c.address, c.action) for c in pruned.changes] == [
        (f'module.{JOB}.aws_scheduler_schedule.ecs["evening"]', "delete")
    ]
    apply(pruned, clients)
    assert plan(fewer, clients).changes == ()


@pytest.mark.parametrize("collision", ["role", "queue", "group"])
def test_a_colliding_name_without_our_tags_blocks_that_job_and_is_left_alone(
    collision: str, clients: AwsClients, desired_from: DesiredFactory
) -> None:
    desired = desired_from("multi-schedule", _with_second_job)
    if collision == "role":
        role = _resource(desired, JOB, "aws_iam_role", "scheduler")
        clients.iam.create_role(
            RoleName=role.aws_name,
            AssumeRolePolicyDocument=json.dumps(
                resolve_refs(role.properties["AssumeRolePolicyDocument"], desired.resources)
            ),
            Tags=[{"Key": "ManagedBy", "Value": "someone-else"}],
        )
        address = role.address
    elif collision == "queue":
        queue = _resource(desired, JOB, "aws_sqs_queue", "dlq")
        clients.sqs.create_queue(QueueName=queue.aws_name)
        address = queue.address
    else:
        group = _resource(desired, JOB, "aws_scheduler_schedule_group", "ecs")
        clients.scheduler.create_schedule_group(Name=group.aws_name)
        address = group.address

    planned = plan(desired, clients)

    assert len(planned.blocked) == 1
    assert planned.blocked[0].startswith(f"{address}: ")
    assert "ownership tags" in planned.blocked[0]
    assert {change.job for change in planned.changes} == {OTHER_JOB}
    before = _live_inventory(clients)
    apply(planned, clients)
    after = _live_inventory(clients)
    # Only the other job's resources were written; the colliding one is untouched.
    other_role = _resource(desired, OTHER_JOB, "aws_iam_role", "scheduler").aws_name
    assert set(after["roles"]) - set(before["roles"]) == {other_role}
    assert len(after["queues"]) - len(before["queues"]) == 1
    assert len(after["groups"]) - len(before["groups"]) == 1
    other_group = _resource(desired, OTHER_JOB, "aws_scheduler_schedule_group", "ecs").aws_name
    assert after["schedules"]
    assert all(
        name == other_group or name.startswith(f"{other_group}_") for name in after["schedules"]
    )
    again = plan(desired, clients)
    assert again.blocked == planned.blocked
    assert again.changes == ()


def _live_inventory(clients: AwsClients) -> dict[str, list[str]]:
    return {
        "groups": [
            group["Name"]
            for group in clients.scheduler.list_schedule_groups()["ScheduleGroups"]
            if group["Name"] != "default"
        ],
        "schedules": [s["Name"] for s in clients.scheduler.list_schedules()["Schedules"]],
        "queues": clients.sqs.list_queues().get("QueueUrls", []),
        "alarms": [a["AlarmName"] for a in clients.cloudwatch.describe_alarms()["MetricAlarms"]],
        "roles": [
            role["RoleName"]
            for role in clients.iam.list_roles()["Roles"]
            if role["RoleName"].endswith("-scheduler")
        ],
        "rules": [rule["Name"] for rule in clients.events.list_rules()["Rules"]],
    }


@pytest.mark.parametrize("example", ["multi-schedule", "ec2-placement"])
def test_destroy_leaves_nothing_behind(
    example: str, clients: AwsClients, desired_from: DesiredFactory
) -> None:
    before = _live_inventory(clients)
    desired = desired_from(example)
    apply(plan(desired, clients), clients)

    destroy = plan(desired, clients, destroy_all=True)

    assert {(c.address, c.action) for c in destroy.changes} == {
        (address, "delete") for address in desired.resources
    }
    apply(destroy, clients)
    assert _live_inventory(clients) == before
    assert plan(desired, clients, destroy_all=True).changes == ()


def test_destroying_named_jobs_touches_nothing_else(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    both = desired_from("multi-schedule", _with_second_job)
    apply(plan(both, clients), clients)

    destroy = plan(both, clients, destroy_jobs=[OTHER_JOB])

    assert {c.address for c in destroy.changes} == _addresses_of(both, OTHER_JOB)
    apply(destroy, clients)
    assert plan(both, clients).summary() == {
        "create": len(_addresses_of(both, OTHER_JOB)),
        "update": 0,
        "replace": 0,
        "delete": 0,
    }
    with pytest.raises(AwsEngineError, match="no-such-job"):
        plan(both, clients, destroy_jobs=["no-such-job"])


def test_a_dead_letter_queue_holding_messages_is_only_deleted_when_forced(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    desired = desired_from("daily-report")
    apply(plan(desired, clients), clients)
    queue = _resource(desired, "daily-report", "aws_sqs_queue", "dlq")
    url = clients.sqs.get_queue_url(QueueName=queue.aws_name)["QueueUrl"]
    clients.sqs.send_message(QueueUrl=url, MessageBody="a failed event")

    destroy = plan(desired, clients, destroy_all=True)

    queue_change = next(c for c in destroy.changes if c.address == queue.address)
    assert "holds 1 message(s)" in queue_change.reason
    with pytest.raises(AwsEngineError, match=r"--force-delete-dlq-messages"):
        apply(destroy, clients)
    # Refused before any write: everything is still there.
    assert plan(desired, clients).changes == ()

    apply(destroy, clients, force_delete_dlq_messages=True)
    assert clients.sqs.list_queues().get("QueueUrls", []) == []


def test_drift_made_by_hand_is_detected_and_repaired(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    desired = desired_from("daily-report")
    apply(plan(desired, clients), clients)
    job = "daily-report"
    schedule = _resource(desired, job, "aws_scheduler_schedule", "ecs")
    group = _resource(desired, job, "aws_scheduler_schedule_group", "ecs")
    role = _resource(desired, job, "aws_iam_role", "scheduler")
    policy = _resource(desired, job, "aws_iam_role_policy", "scheduler")
    queue = _resource(desired, job, "aws_sqs_queue", "dlq")
    alarm = _resource(desired, job, "aws_cloudwatch_metric_alarm", "dlq_oldest_message")

    live_schedule = clients.scheduler.get_schedule(Name=schedule.aws_name, GroupName=group.aws_name)
    clients.scheduler.update_schedule(
        Name=schedule.aws_name,
        GroupName=group.aws_name,
        ScheduleExpression="rate(5 minutes)",
        FlexibleTimeWindow=live_schedule["FlexibleTimeWindow"],
        Target=live_schedule["Target"],
        State="DISABLED",
    )
    clients.iam.put_role_policy(
        RoleName=role.aws_name,
        PolicyName=policy.aws_name,
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "*"}],
            }
        ),
    )
    clients.iam.put_role_policy(
        RoleName=role.aws_name,
        PolicyName="added-by-hand",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
            }
        ),
    )
    clients.scheduler.untag_resource(ResourceArn=group.arn, TagKeys=["BillingEntity"])
    admin = clients.iam.create_policy(
        PolicyName="admin",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
            }
        ),
    )
    clients.iam.attach_role_policy(RoleName=role.aws_name, PolicyArn=admin["Policy"]["Arn"])
    url = clients.sqs.get_queue_url(QueueName=queue.aws_name)["QueueUrl"]
    # moto drops the policy on a SetQueueAttributes without it (AWS keeps it): send it back.
    policy_now = clients.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])
    clients.sqs.set_queue_attributes(
        QueueUrl=url,
        Attributes={"MessageRetentionPeriod": "60", **policy_now["Attributes"]},
    )
    clients.cloudwatch.put_metric_alarm(
        AlarmName=alarm.aws_name,
        **{**resolve_refs(alarm.properties, desired.resources), "Threshold": 999999.0},
    )

    drift = plan(desired, clients)

    diffs = {change.address: set(change.diff) for change in drift.changes}
    assert diffs[schedule.address] >= {"ScheduleExpression", "State"}
    assert diffs[policy.address] == {"PolicyDocument"}
    assert diffs[role.address] == {"ManagedPolicyArns", "OtherInlinePolicies"}
    assert diffs[group.address] == {"tags"}
    assert "Attributes.MessageRetentionPeriod" in diffs[queue.address]
    assert diffs[alarm.address] == {"Threshold"}
    assert {change.action for change in drift.changes} == {"update"}

    apply(drift, clients)
    assert plan(desired, clients).changes == ()
    attached = clients.iam.list_attached_role_policies(RoleName=role.aws_name)
    assert attached["AttachedPolicies"] == []
    inline = clients.iam.list_role_policies(RoleName=role.aws_name)
    assert inline["PolicyNames"] == [policy.aws_name]


def test_a_finished_one_time_schedule_is_not_created_again(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    desired = desired_from("one-time")
    schedule = _resource(desired, "backfill-2030", "aws_scheduler_schedule", "ecs")
    fired = dataclasses.replace(
        schedule,
        properties={**schedule.properties, "ScheduleExpression": "at(2020-03-01T02:30:00)"},
    )
    past = dataclasses.replace(desired, resources={**desired.resources, fired.address: fired})

    planned = plan(past, clients)

    assert fired.address not in {change.address for change in planned.changes}
    assert len(planned.skipped) == 1
    assert planned.skipped[0].startswith(f"{fired.address}: ")
    apply(planned, clients)
    assert plan(past, clients).changes == ()


def test_a_changed_name_replaces_the_resource_and_removes_the_old_one(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    job = "daily-report"
    old = desired_from("daily-report")
    apply(plan(old, clients), clients)

    def rename(document: dict[str, Any]) -> None:
        document["jobs"][job]["billing_domain"] = "finance"

    renamed = desired_from("daily-report", rename)
    replaced = plan(renamed, clients)

    actions = {change.address: change.action for change in replaced.changes}
    for resource_type in ("aws_scheduler_schedule_group", "aws_iam_role", "aws_sqs_queue"):
        address = next(a for a in renamed.resources if f".{resource_type}." in a)
        assert actions[address] == "replace"
        change = next(c for c in replaced.changes if c.address == address)
        assert "AWS cannot rename it" in change.reason
    assert replaced.blocked == ()

    apply(replaced, clients)

    assert plan(renamed, clients).changes == ()
    inventory = _live_inventory(clients)
    old_names = {resource.aws_name for resource in old.resources.values()}
    assert not old_names & {
        name.rsplit("/", 1)[-1] for names in inventory.values() for name in names
    }


def test_a_removed_job_whose_schedules_are_already_gone_is_still_removed_entirely(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    """An interrupted destroy or prune deletes schedules first; the rest must stay findable."""
    both = desired_from("multi-schedule", _with_second_job)
    apply(plan(both, clients), clients)
    group = _resource(both, OTHER_JOB, "aws_scheduler_schedule_group", "ecs").aws_name
    for schedule in clients.scheduler.list_schedules(GroupName=group)["Schedules"]:
        clients.scheduler.delete_schedule(Name=schedule["Name"], GroupName=group)
    only_first = desired_from("multi-schedule")

    pruned = plan(only_first, clients)

    schedules = {r.address for r in both.resources.values() if r.type == "aws_scheduler_schedule"}
    assert {(c.address, c.action) for c in pruned.changes} == {
        (address, "delete") for address in _addresses_of(both, OTHER_JOB) - schedules
    }


def test_an_interrupted_rename_leaves_no_old_resource_behind(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    """Both generations exist (the old one never got deleted): the next apply removes the old."""
    job = "daily-report"
    old = desired_from("daily-report")

    def rename(document: dict[str, Any]) -> None:
        document["jobs"][job]["billing_domain"] = "finance"

    renamed = desired_from("daily-report", rename)
    creates_of_renamed = plan(renamed, clients)
    apply(plan(old, clients), clients)
    apply(creates_of_renamed, clients)

    cleanup = plan(renamed, clients)

    old_names = {resource.aws_name for resource in old.resources.values()}
    assert {change.action for change in cleanup.changes} == {"delete"}
    assert {change.live.aws_name for change in cleanup.changes if change.live} == old_names
    apply(cleanup, clients)
    assert plan(renamed, clients).changes == ()
    inventory = _live_inventory(clients)
    assert not old_names & {
        name.rsplit("/", 1)[-1] for names in inventory.values() for name in names
    }


def test_a_field_aws_cannot_change_replaces_the_role_and_restores_its_policy(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    desired = desired_from("daily-report")
    apply(plan(desired, clients), clients)
    role = _resource(desired, "daily-report", "aws_iam_role", "scheduler")
    policy = _resource(desired, "daily-report", "aws_iam_role_policy", "scheduler")
    moved = dataclasses.replace(role, properties={**role.properties, "Path": "/scheduler/"})
    changed = dataclasses.replace(desired, resources={**desired.resources, role.address: moved})

    replaced = plan(changed, clients)

    actions = {change.address: (change.action, change.reason) for change in replaced.changes}
    assert actions[role.address][0] == "replace"
    assert "path" in actions[role.address][1]
    assert actions[policy.address] == ("create", "its aws_iam_role is deleted and re-created")
    assert len(actions) == 2
    apply(replaced, clients)
    assert plan(changed, clients).changes == ()
    assert clients.iam.get_role(RoleName=role.aws_name)["Role"]["Path"] == "/scheduler/"
