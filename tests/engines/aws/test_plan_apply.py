"""Plan and apply against moto's server: every example from empty, then a plan with no changes,
and each configurable field changing exactly what it should."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ecs_scheduler.engines.aws import AwsClients, apply, plan, read_outputs
from ecs_scheduler.local import Prerequisites
from ecs_scheduler.naming import MANAGED_BY_VALUE, TAG_JOB, TAG_MANAGED_BY, TAG_STACK
from ecs_scheduler.resources import resolve_refs
from tests.conftest import EmulatedAccount
from tests.engines.aws.conftest import EXAMPLES, ConfigEditor, DesiredFactory

PRIMARY = 'aws_scheduler_schedule.ecs[""]'
GROUP = "aws_scheduler_schedule_group.ecs"
ROLE = "aws_iam_role.scheduler"
ROLE_POLICY = "aws_iam_role_policy.scheduler"
QUEUE = "aws_sqs_queue.dlq"
VISIBLE_ALARM = "aws_cloudwatch_metric_alarm.dlq_messages_visible"
OLDEST_ALARM = "aws_cloudwatch_metric_alarm.dlq_oldest_message"
RULE = "aws_cloudwatch_event_rule.task_failed"
JOB = "daily-report"


@pytest.mark.parametrize("example", EXAMPLES)
def test_apply_from_empty_creates_everything_and_the_next_plan_is_empty(
    example: str, clients: AwsClients, desired_from: DesiredFactory
) -> None:
    desired = desired_from(example)

    first = plan(desired, clients)
    assert {change.address for change in first.changes} == set(desired.resources)
    assert {change.action for change in first.changes} == {"create"}
    assert first.blocked == ()
    rendered = json.loads(json.dumps(first.to_json()))
    assert set(rendered) >= {"changes", "summary", "blocked"}
    assert rendered["summary"]["create"] == len(desired.resources)
    assert all(
        set(change) == {"address", "action", "reason", "diff"} for change in rendered["changes"]
    )

    result = apply(first, clients)
    assert len(result.applied) == len(desired.resources)

    second = plan(desired, clients)
    assert second.changes == (), [change.to_json() for change in second.changes]
    assert second.summary() == {"create": 0, "update": 0, "replace": 0, "delete": 0}

    outputs = read_outputs(desired, clients)
    for job, expected in resolve_refs(desired.outputs, desired.resources).items():
        live = outputs[job]
        for key in ("schedule_group_arn", "schedule_arns", "role_arn", "dlq_arn", "alarm_arns"):
            assert live[key] == expected[key]
        assert live["dlq_url"].endswith(f"/{expected['dlq_name']}")
        group_tags = clients.scheduler.list_tags_for_resource(
            ResourceArn=live["schedule_group_arn"]
        )["Tags"]
        assert {"Key": TAG_MANAGED_BY, "Value": MANAGED_BY_VALUE} in group_tags
        assert {"Key": TAG_STACK, "Value": desired.stack} in group_tags
        assert {"Key": TAG_JOB, "Value": job} in group_tags


def _set(field: str, value: Any) -> ConfigEditor:
    def edit(document: dict[str, Any]) -> None:
        document["jobs"][JOB][field] = value

    return edit


SCHEDULE_FIELD_CHANGES: list[tuple[str, Any, set[str]]] = [
    ("enabled", False, {"State"}),
    # The generated description tells when the schedule fires, so it changes too.
    ("timezone", "Europe/Paris", {"ScheduleExpressionTimezone", "Description"}),
    ("schedule_expression", "cron(30 7 * * ? *)", {"ScheduleExpression", "Description"}),
    (
        "flexible_time_window_minutes",
        10,
        {"FlexibleTimeWindow.Mode", "FlexibleTimeWindow.MaximumWindowInMinutes"},
    ),
    ("description", "Changed by hand", {"Description"}),
    ("start_date", "2031-01-01T00:00:00+00:00", {"StartDate"}),
    ("end_date", "2035-01-01T00:00:00+01:00", {"EndDate"}),
    ("task_count", 3, {"Target.EcsParameters.TaskCount"}),
    ("maximum_retry_attempts", 2, {"Target.RetryPolicy.MaximumRetryAttempts"}),
    ("maximum_event_age_in_seconds", 3600, {"Target.RetryPolicy.MaximumEventAgeInSeconds"}),
    (
        "assign_public_ip",
        True,
        {"Target.EcsParameters.NetworkConfiguration.awsvpcConfiguration.AssignPublicIp"},
    ),
    ("enable_execute_command", True, {"Target.EcsParameters.EnableExecuteCommand"}),
    ("enable_ecs_managed_tags", True, {"Target.EcsParameters.EnableECSManagedTags"}),
    ("propagate_tags", True, {"Target.EcsParameters.PropagateTags"}),
    ("task_tags", {"CostCentre": "42"}, {"Target.EcsParameters.Tags"}),
    ("platform_version", "1.4.0", {"Target.EcsParameters.PlatformVersion"}),
    ("overrides", {"cpu": "512", "memory": "1024"}, {"Target.Input.cpu", "Target.Input.memory"}),
]


@pytest.mark.parametrize(
    ("field", "value", "paths"),
    SCHEDULE_FIELD_CHANGES,
    ids=[case[0] for case in SCHEDULE_FIELD_CHANGES],
)
def test_a_schedule_field_change_updates_exactly_that_field(
    *,
    field: str,
    value: Any,
    paths: set[str],
    clients: AwsClients,
    desired_from: DesiredFactory,
) -> None:
    apply(plan(desired_from("daily-report"), clients), clients)
    changed = desired_from("daily-report", _set(field, value))

    updated = plan(changed, clients)

    assert [(c.address, c.action) for c in updated.changes] == [
        (f"module.{JOB}.{PRIMARY}", "update")
    ]
    assert set(updated.changes[0].diff) == paths
    apply(updated, clients)
    assert plan(changed, clients).changes == ()


OTHER_FIELD_CHANGES: list[tuple[str, Any, dict[str, set[str]]]] = [
    (
        "dlq_message_retention_seconds",
        86400,
        {QUEUE: {"Attributes.MessageRetentionPeriod"}},
    ),
    (
        "dlq_oldest_message_threshold_seconds",
        7200,
        {OLDEST_ALARM: {"Threshold", "AlarmDescription"}},
    ),
    (
        "dlq_ok_actions",
        "topic",
        {VISIBLE_ALARM: {"OKActions"}, OLDEST_ALARM: {"OKActions"}},
    ),
    (
        "tags",
        {"Team": "reports"},
        {
            GROUP: {"tags"},
            ROLE: {"tags"},
            QUEUE: {"tags"},
            VISIBLE_ALARM: {"tags"},
            OLDEST_ALARM: {"tags"},
            RULE: {"tags"},
        },
    ),
    ("permissions_boundary_arn", "boundary", {ROLE: {"PermissionsBoundary"}}),
    (
        "security_group_ids",
        "second security group",
        {PRIMARY: {"Target.EcsParameters.NetworkConfiguration.awsvpcConfiguration.SecurityGroups"}},
    ),
    (
        "trusted_compute_subnets",
        "third subnet",
        {PRIMARY: {"Target.EcsParameters.NetworkConfiguration.awsvpcConfiguration.Subnets"}},
    ),
    (
        "kms_key_arn",
        "alias",
        {
            QUEUE: {"Attributes.KmsMasterKeyId"},
            ROLE_POLICY: {"PolicyDocument"},
            PRIMARY: {"KmsKeyArn"},
        },
    ),
]


def _value_for(value: Any, prerequisites: Prerequisites) -> Any:
    """Values that depend on the emulator's ids, named symbolically in the table."""
    symbolic = {
        "topic": [prerequisites.sns_topic_arn],
        "boundary": prerequisites.permissions_boundary_arn,
        "second security group": list(prerequisites.security_group_ids[:2]),
        "third subnet": list(prerequisites.subnet_ids),
        "alias": prerequisites.kms_alias_arn,
    }
    return symbolic.get(value, value) if isinstance(value, str) else value


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    OTHER_FIELD_CHANGES,
    ids=[case[0] for case in OTHER_FIELD_CHANGES],
)
def test_a_field_change_updates_exactly_the_resources_it_shapes(
    *,
    field: str,
    value: Any,
    expected: dict[str, set[str]],
    clients: AwsClients,
    prerequisites: EmulatedAccount,
    desired_from: DesiredFactory,
) -> None:
    apply(plan(desired_from("daily-report"), clients), clients)
    changed = desired_from("daily-report", _set(field, _value_for(value, prerequisites.prereqs)))

    updated = plan(changed, clients)

    assert {c.address: set(c.diff) for c in updated.changes} == {
        f"module.{JOB}.{address}": paths for address, paths in expected.items()
    }
    assert {c.action for c in updated.changes} == {"update"}
    apply(updated, clients)
    assert plan(changed, clients).changes == ()


def test_schedules_carry_the_jobs_key_and_a_key_removed_by_hand_is_put_back(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    desired = desired_from("daily-report")
    apply(plan(desired, clients), clients)
    assert plan(desired, clients).changes == ()
    schedule = desired.resources[f"module.{JOB}.{PRIMARY}"]
    group = desired.resources[f"module.{JOB}.{GROUP}"]
    live = clients.scheduler.get_schedule(Name=schedule.aws_name, GroupName=group.aws_name)
    key = desired.resources[f"module.{JOB}.{QUEUE}"].properties["Attributes"]["KmsMasterKeyId"]
    assert live["KmsKeyArn"] == key
    # UpdateSchedule replaces the whole schedule: the same one without the key, set by hand.
    unchanged = (
        "Name",
        "GroupName",
        "ScheduleExpression",
        "ScheduleExpressionTimezone",
        "Description",
        "State",
        "FlexibleTimeWindow",
        "Target",
    )
    clients.scheduler.update_schedule(**{name: live[name] for name in unchanged})

    drift = plan(desired, clients)

    assert [(c.address, c.action) for c in drift.changes] == [(schedule.address, "update")]
    assert drift.changes[0].diff == {"KmsKeyArn": (None, key)}
    apply(drift, clients)
    assert plan(desired, clients).changes == ()


def test_turning_alarms_off_deletes_both_alarms_and_nothing_else(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    apply(plan(desired_from("daily-report"), clients), clients)
    changed = desired_from("daily-report", _set("enable_dlq_alarm", False))

    updated = plan(changed, clients)

    assert {(c.address, c.action) for c in updated.changes} == {
        (f"module.{JOB}.{VISIBLE_ALARM}", "delete"),
        (f"module.{JOB}.{OLDEST_ALARM}", "delete"),
    }
    apply(updated, clients)
    assert plan(changed, clients).changes == ()
    assert clients.cloudwatch.describe_alarms()["MetricAlarms"] == []


def test_applying_a_stale_plan_again_converges_without_duplicates(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    """What a second apply after an interrupted one meets: creates whose resources exist."""
    desired = desired_from("multi-schedule")
    stale = plan(desired, clients)
    apply(stale, clients)
    reported: list[str] = []

    apply(stale, clients, progress=lambda change: reported.append(change.address))

    assert sorted(reported) == sorted(desired.resources)
    assert plan(desired, clients).changes == ()
    schedules = clients.scheduler.list_schedules()["Schedules"]
    assert len(schedules) == len(desired.outputs["sync-orders"]["schedule_names"])


def test_outputs_of_a_stack_not_yet_applied_are_empty(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    desired = desired_from("daily-report")

    outputs = read_outputs(desired, clients)[JOB]

    assert outputs["role_arn"] is None
    assert outputs["dlq_url"] is None
    assert outputs["schedule_arns"] == {}
