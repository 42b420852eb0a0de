"""build() for every example: addresses, order, properties, tags and outputs; resolve()."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ecs_scheduler.kinds import TAGGABLE_TYPES
from ecs_scheduler.loader import load
from ecs_scheduler.naming import RESERVED_TAG_KEYS
from ecs_scheduler.resources import (
    DesiredState,
    Lookup,
    LookupAttribute,
    ModelError,
    Resource,
    build,
    resolve,
    resolve_refs,
)
from ecs_scheduler.task_failures import target_id
from tests.conftest import EXAMPLES_DIR
from tests.model.factories import ACCOUNT, REGION, make_stack

EXAMPLES = sorted(EXAMPLES_DIR.glob("*.yaml"))
JOB_ORDER = [
    "aws_scheduler_schedule_group.ecs",
    "aws_iam_role.scheduler",
    "aws_iam_role_policy.scheduler",
    "aws_sqs_queue.dlq",
    "aws_sqs_queue_policy.dlq",
    "aws_cloudwatch_metric_alarm.dlq_messages_visible",
    "aws_cloudwatch_metric_alarm.dlq_oldest_message",
    "aws_cloudwatch_event_rule.task_failed",
]


def _build(example: str) -> DesiredState:
    return build(load(EXAMPLES_DIR / example).stack)


def _lookups(value: Any) -> Iterator[Lookup]:
    if isinstance(value, Lookup):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _lookups(item)
    elif isinstance(value, list):
        for item in value:
            yield from _lookups(item)


def _of(desired: DesiredState, job: str, suffix: str) -> Resource:
    return desired.resources[f"module.{job}.{suffix}"]


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_every_example_builds_the_resources_of_design_section_4_in_order(path: Path) -> None:
    stack = load(path).stack
    desired = build(stack)
    expected: list[str] = []
    for job_key, job in stack.jobs.items():
        expected += [f"module.{job_key}.{suffix}" for suffix in JOB_ORDER]
        expected += [
            f'module.{job_key}.aws_cloudwatch_event_target.task_failed["{target_id(topic)}"]'
            for topic in job.task_failure_topics
        ]
        expected += [
            f'module.{job_key}.aws_scheduler_schedule.ecs["{spec.key}"]' for spec in job.schedules
        ]
    assert list(desired.resources) == expected
    assert desired.stack == stack.stack
    seen: set[str] = set()
    for address, resource in desired.resources.items():
        assert resource.address == address
        assert set(resource.depends_on) <= seen, f"{address} before its dependencies"
        seen.add(address)


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_every_taggable_resource_carries_the_tag_set(path: Path) -> None:
    stack = load(path).stack
    for resource in build(stack).resources.values():
        job = stack.jobs[resource.job]
        if resource.type in TAGGABLE_TYPES:
            assert set(resource.tags) >= RESERVED_TAG_KEYS | set(job.tags)
            assert resource.tags["ManagedBy"] == "ecs-scheduler"
            assert resource.tags["ecs-scheduler:stack"] == stack.stack
            assert resource.tags["ecs-scheduler:job"] == resource.job
            assert resource.tags["ResourceOwner"] == job.resource_owner
        else:
            assert resource.tags == {}


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_outputs_name_the_built_resources(path: Path) -> None:
    stack = load(path).stack
    desired = build(stack)
    for job_key, job in stack.jobs.items():
        outputs = resolve_refs(desired.outputs[job_key], desired.resources)
        group = _of(desired, job_key, "aws_scheduler_schedule_group.ecs")
        role = _of(desired, job_key, "aws_iam_role.scheduler")
        queue = _of(desired, job_key, "aws_sqs_queue.dlq")
        assert (outputs["schedule_group_name"], outputs["schedule_group_arn"]) == (
            group.aws_name,
            group.arn,
        )
        assert (outputs["role_name"], outputs["role_arn"]) == (role.aws_name, role.arn)
        assert (outputs["dlq_name"], outputs["dlq_arn"]) == (queue.aws_name, queue.arn)
        assert outputs["dlq_url"] == (
            f"https://sqs.{job.region}.amazonaws.com/{job.account}/{queue.aws_name}"
        )
        schedules = {
            spec.key: _of(desired, job_key, f'aws_scheduler_schedule.ecs["{spec.key}"]')
            for spec in job.schedules
        }
        assert outputs["schedule_names"] == {k: s.aws_name for k, s in schedules.items()}
        assert outputs["schedule_arns"] == {k: s.arn for k, s in schedules.items()}
        for schedule in schedules.values():
            assert schedule.arn == (
                f"arn:aws:scheduler:{job.region}:{job.account}:schedule/"
                f"{group.aws_name}/{schedule.aws_name}"
            )
        alarms = [
            r
            for r in desired.resources.values()
            if r.job == job_key and r.type == "aws_cloudwatch_metric_alarm"
        ]
        assert outputs["alarm_names"] == {alarm.name: alarm.aws_name for alarm in alarms}
        assert outputs["alarm_arns"] == {alarm.name: alarm.arn for alarm in alarms}
        assert all(":alarm:" in alarm.arn for alarm in alarms)


def test_daily_report_schedule_request() -> None:
    desired = _build("daily-report.yaml")
    schedule = _of(desired, "daily-report", 'aws_scheduler_schedule.ecs[""]')
    role = _of(desired, "daily-report", "aws_iam_role.scheduler")
    queue = _of(desired, "daily-report", "aws_sqs_queue.dlq")
    cluster = "arn:aws:ecs:us-east-1:123456789012:cluster/reporting-cluster"
    assert resolve_refs(schedule.properties, desired.resources) == {
        "ScheduleExpression": "cron(0 6 * * ? *)",
        "ScheduleExpressionTimezone": "America/New_York",
        "State": "ENABLED",
        "Description": schedule.properties["Description"],
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "ActionAfterCompletion": "NONE",
        "KmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "Target": {
            "Arn": cluster,
            "RoleArn": role.arn,
            "DeadLetterConfig": {"Arn": queue.arn},
            "RetryPolicy": {"MaximumRetryAttempts": 5, "MaximumEventAgeInSeconds": 86400},
            "EcsParameters": {
                "TaskDefinitionArn": Lookup("daily-report", "task_definition_arn"),
                "TaskCount": 1,
                "LaunchType": "FARGATE",
                "NetworkConfiguration": {
                    "awsvpcConfiguration": {
                        "Subnets": ["subnet-0a1b2c3d4e5f60718", "subnet-0f9e8d7c6b5a40312"],
                        "SecurityGroups": ["sg-0123456789abcdef0"],
                        "AssignPublicIp": "DISABLED",
                    }
                },
                "EnableECSManagedTags": False,
                "EnableExecuteCommand": False,
                "Group": "ecs-scheduler:reporting:daily-report:",
            },
        },
    }
    assert schedule.properties["Description"].startswith("Runs ECS task daily-report")
    assert queue.properties == {
        "Attributes": {
            "KmsMasterKeyId": "arn:aws:kms:us-east-1:123456789012:key/"
            "1234abcd-12ab-34cd-56ef-1234567890ab",
            "KmsDataKeyReusePeriodSeconds": "86400",
            "MessageRetentionPeriod": "1209600",
            "MaximumMessageSize": "262144",
            "RedriveAllowPolicy": '{"redrivePermission":"denyAll"}',
        }
    }
    assert desired.task_definitions["daily-report"].family == "daily-report"
    assert desired.task_definitions["daily-report"].revision is None


def test_ec2_example_places_tags_and_bounds_the_role() -> None:
    desired = _build("ec2-placement.yaml")
    ecs = _of(desired, "nightly-vacuum", 'aws_scheduler_schedule.ecs[""]').properties["Target"][
        "EcsParameters"
    ]
    assert ecs["LaunchType"] == "EC2"
    assert ecs["TaskCount"] == 2
    assert ecs["PlacementConstraints"] == [
        {"type": "memberOf", "expression": "attribute:ecs.instance-type =~ m6i.*"}
    ]
    assert ecs["PlacementStrategy"] == [
        {"type": "spread", "field": "attribute:ecs.availability-zone"},
        {"type": "binpack", "field": "memory"},
    ]
    assert ecs["PropagateTags"] == "TASK_DEFINITION"
    assert ecs["EnableECSManagedTags"] is True
    assert ecs["Tags"] == [{"Purpose": "maintenance"}]
    role = _of(desired, "nightly-vacuum", "aws_iam_role.scheduler")
    assert role.properties["PermissionsBoundary"] == (
        "arn:aws:iam::123456789012:policy/platform-boundary"
    )
    alarm = _of(desired, "nightly-vacuum", "aws_cloudwatch_metric_alarm.dlq_oldest_message")
    queue = _of(desired, "nightly-vacuum", "aws_sqs_queue.dlq")
    assert {**resolve_refs(alarm.properties, desired.resources), "AlarmDescription": ""} == {
        "AlarmDescription": "",
        "Namespace": "AWS/SQS",
        "MetricName": "ApproximateAgeOfOldestMessage",
        "Dimensions": [{"Name": "QueueName", "Value": queue.aws_name}],
        "Statistic": "Maximum",
        "Period": 300,
        "EvaluationPeriods": 1,
        "Threshold": 3600.0,
        "ComparisonOperator": "GreaterThanThreshold",
        "TreatMissingData": "notBreaching",
        "AlarmActions": ["arn:aws:sns:us-east-1:123456789012:ops-alerts"],
        "OKActions": ["arn:aws:sns:us-east-1:123456789012:ops-alerts"],
    }
    assert alarm.depends_on == (queue.address,)


def test_multi_schedule_example_sends_overrides_only_where_set() -> None:
    desired = _build("multi-schedule.yaml")
    evening = _of(desired, "sync-orders", 'aws_scheduler_schedule.ecs["evening"]').properties
    weekend = _of(desired, "sync-orders", 'aws_scheduler_schedule.ecs["weekend"]').properties
    assert "Input" not in evening["Target"]
    assert weekend["Target"]["Input"] == {
        "containerOverrides": [
            {
                "name": "sync-orders",
                "command": ["sync", "--since", "1d"],
                "environment": [{"name": "SYNC_MODE", "value": "light"}],
                "memory": 1024,
            }
        ]
    }
    assert weekend["Target"]["RetryPolicy"]["MaximumRetryAttempts"] == 1
    assert evening["Target"]["RetryPolicy"]["MaximumRetryAttempts"] == 3
    assert evening["FlexibleTimeWindow"] == {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15}
    tags = _of(desired, "sync-orders", "aws_sqs_queue.dlq").tags
    assert tags["Team"] == "commerce"


def test_one_time_example_needs_no_lookup() -> None:
    desired = _build("one-time.yaml")
    schedule = _of(desired, "backfill-2030", 'aws_scheduler_schedule.ecs[""]').properties
    assert schedule["ActionAfterCompletion"] == "DELETE"
    assert schedule["ScheduleExpression"] == "at(2030-03-01T02:30:00)"
    assert schedule["Target"]["EcsParameters"]["TaskDefinitionArn"] == (
        "arn:aws:ecs:us-east-1:123456789012:task-definition/backfill-orders:7"
    )
    assert [lookup for r in desired.resources.values() for lookup in _lookups(r.properties)] == []


def test_start_and_end_dates_are_aware_datetimes() -> None:
    desired = _build("ec2-placement.yaml")
    schedule = _of(desired, "nightly-vacuum", 'aws_scheduler_schedule.ecs[""]').properties
    assert schedule["StartDate"].utcoffset() is not None
    assert "EndDate" not in schedule


def test_disabled_alarms_and_schedules() -> None:
    desired = build(make_stack({"quiet": {"enable_dlq_alarm": False, "enabled": False}}))
    assert not [r for r in desired.resources.values() if r.type == "aws_cloudwatch_metric_alarm"]
    assert desired.outputs["quiet"]["alarm_names"] == {}
    assert desired.outputs["quiet"]["alarm_arns"] == {}
    schedule = desired.resources['module.quiet.aws_scheduler_schedule.ecs[""]']
    assert schedule.properties["State"] == "DISABLED"


def test_capacity_provider_strategy_replaces_the_launch_type() -> None:
    strategy = [{"capacity_provider": "FARGATE_SPOT", "weight": 3, "base": 1}]
    desired = build(make_stack({"spot": {"capacity_provider_strategy": strategy}}))
    ecs = desired.resources['module.spot.aws_scheduler_schedule.ecs[""]'].properties["Target"][
        "EcsParameters"
    ]
    assert "LaunchType" not in ecs
    assert ecs["CapacityProviderStrategy"] == [
        {"capacityProvider": "FARGATE_SPOT", "weight": 3, "base": 1}
    ]


TASK_DEFINITION = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/report:9"
TASK_ROLE = f"arn:aws:iam::{ACCOUNT}:role/looked-up-task"
EXECUTION_ROLE = f"arn:aws:iam::{ACCOUNT}:role/looked-up-execution"


def _pass_role_statement(desired: DesiredState, job: str) -> dict[str, Any] | None:
    policy = desired.resources[f"module.{job}.aws_iam_role_policy.scheduler"].properties[
        "PolicyDocument"
    ]
    return next((s for s in policy["Statement"] if s["Action"] == "iam:PassRole"), None)


def test_resolve_substitutes_every_lookup_and_leaves_the_input_alone() -> None:
    desired = build(make_stack({"a": {}, "b": {"task_role_arn": TASK_ROLE}}))
    assert {
        lookup.job for r in desired.resources.values() for lookup in _lookups(r.properties)
    } == {
        "a",
        "b",
    }
    values: dict[str, dict[LookupAttribute, str | None]] = {
        job: {
            "task_definition_arn": TASK_DEFINITION,
            "task_role_arn": TASK_ROLE,
            "execution_role_arn": EXECUTION_ROLE,
        }
        for job in ("a", "b")
    }
    resolved = resolve(desired, values)
    assert [lookup for r in resolved.resources.values() for lookup in _lookups(r.properties)] == []
    schedule = resolved.resources['module.a.aws_scheduler_schedule.ecs[""]'].properties
    assert schedule["Target"]["EcsParameters"]["TaskDefinitionArn"] == TASK_DEFINITION
    statement = _pass_role_statement(resolved, "a")
    assert statement is not None
    assert statement["Resource"] == [TASK_ROLE, EXECUTION_ROLE]
    original = desired.resources['module.a.aws_scheduler_schedule.ecs[""]'].properties
    assert original["Target"]["EcsParameters"]["TaskDefinitionArn"] == Lookup(
        "a", "task_definition_arn"
    )
    assert list(resolved.resources) == list(desired.resources)
    assert resolved.outputs == desired.outputs


def test_resolve_drops_a_role_the_task_definition_does_not_have() -> None:
    desired = build(make_stack({"a": {}, "bare": {}}))
    values: dict[str, Any] = {
        "a": {"task_definition_arn": TASK_DEFINITION, "task_role_arn": None},
        "bare": {"task_definition_arn": TASK_DEFINITION},
    }
    values["a"]["execution_role_arn"] = EXECUTION_ROLE
    resolved = resolve(desired, values)
    statement = _pass_role_statement(resolved, "a")
    assert statement is not None
    assert statement["Resource"] == [EXECUTION_ROLE]
    # With no role to pass at all, the statement would grant nothing: it is left out.
    assert _pass_role_statement(resolved, "bare") is None


def test_resolve_without_a_task_definition_is_an_error() -> None:
    desired = build(make_stack({"a": {}}))
    with pytest.raises(ModelError, match="job a: no task definition ARN"):
        resolve(desired, {"a": {"task_role_arn": TASK_ROLE}})
