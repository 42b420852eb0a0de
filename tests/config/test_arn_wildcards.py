"""No ARN that ends up in a policy may hold an IAM wildcard ('*' or '?').

``task_role_arn: arn:aws:iam::123456789012:role/*/admin`` used to validate, and put
``role/*/admin`` into ``iam:PassRole``: every role named admin, on any path.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ecs_scheduler.config import ARN_WITHOUT_WILDCARDS_PATTERN, json_schema
from ecs_scheduler.loader import ConfigError, loads
from tests.config.cases import BASE, appended, edited

NOW = datetime(2026, 6, 1, tzinfo=UTC)
ROLE = "arn:aws:iam::123456789012:role/"
TOPIC = "arn:aws:sns:us-east-1:123456789012:"
KMS = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
CLUSTER = "arn:aws:ecs:us-east-1:123456789012:cluster/batch"
WILDCARD = "holds a wildcard ('*' or '?'): it goes into an IAM policy, where it would match "
WILDCARD += "other resources; name exactly one"


def error_lines(text: str) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        loads(text, now=NOW)
    return str(raised.value).splitlines()


CASES = [
    pytest.param(
        appended(f"    task_role_arn: {ROLE}*/admin\n"),
        f"ecs-scheduler.yaml:18:20: jobs.report.task_role_arn: '{ROLE}*/admin' {WILDCARD}",
        id="task-role-path",
    ),
    pytest.param(
        appended(f"    execution_role_arn: {ROLE}exec-?\n"),
        f"ecs-scheduler.yaml:18:25: jobs.report.execution_role_arn: '{ROLE}exec-?' {WILDCARD}",
        id="execution-role",
    ),
    pytest.param(
        appended(f"    overrides:\n      taskRoleArn: {ROLE}app*\n"),
        f"ecs-scheduler.yaml:19:20: jobs.report.overrides.taskRoleArn: '{ROLE}app*' {WILDCARD}",
        id="override-task-role",
    ),
    pytest.param(
        appended(
            "    additional_schedules:\n"
            "      - name: night\n"
            "        schedule_expression: cron(0 1 * * ? *)\n"
            f"        overrides: {{executionRoleArn: '{ROLE}*'}}\n"
        ),
        "ecs-scheduler.yaml:21:39: jobs.report.additional_schedules[0].overrides."
        f"executionRoleArn: '{ROLE}*' {WILDCARD}",
        id="additional-schedule-override",
    ),
    pytest.param(
        appended("    permissions_boundary_arn: arn:aws:iam::123456789012:policy/*\n"),
        "ecs-scheduler.yaml:18:31: jobs.report.permissions_boundary_arn: "
        f"'arn:aws:iam::123456789012:policy/*' {WILDCARD}",
        id="permissions-boundary",
    ),
    pytest.param(
        edited((KMS, "arn:aws:kms:us-east-1:123456789012:alias/*")),
        "ecs-scheduler.yaml:11:18: jobs.report.kms_key_arn: "
        f"'arn:aws:kms:us-east-1:123456789012:alias/*' {WILDCARD}",
        id="kms-alias",
    ),
    pytest.param(
        appended(f"    dlq_alarm_actions: [{TOPIC}ok, '{TOPIC}ops-*']\n"),
        f"ecs-scheduler.yaml:18:64: jobs.report.dlq_alarm_actions[1]: '{TOPIC}ops-*' {WILDCARD}",
        id="alarm-action",
    ),
    pytest.param(
        appended(f"    dlq_ok_actions: ['{TOPIC}?']\n"),
        f"ecs-scheduler.yaml:18:22: jobs.report.dlq_ok_actions[0]: '{TOPIC}?' {WILDCARD}",
        id="ok-action",
    ),
    pytest.param(
        edited((CLUSTER, "arn:aws:ecs:us-east-1:123456789012:cluster/*")),
        "ecs-scheduler.yaml:5:22: jobs.report.ecs_cluster_arn: "
        f"'arn:aws:ecs:us-east-1:123456789012:cluster/*' {WILDCARD}",
        id="cluster",
    ),
    pytest.param(
        edited(("cluster_name: batch", "cluster_name: 'b*'")),
        "ecs-scheduler.yaml:4:19: jobs.report.cluster_name: 'b*' is not a valid ECS cluster "
        "name: use letters, digits, '_' and '-'",
        id="cluster-name",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_a_wildcard_in_a_policy_arn_is_refused_once(text: str, expected: str) -> None:
    assert error_lines(text) == [expected]


def test_exact_arns_still_validate() -> None:
    text = appended(
        f"    task_role_arn: {ROLE}team/app\n"
        f"    overrides: {{taskRoleArn: '{ROLE}other'}}\n"
        f"    dlq_alarm_actions: ['{TOPIC}ops']\n"
    )
    job = loads(text, now=NOW).stack.jobs["report"]
    assert job.passed_role_arns == (f"{ROLE}team/app", f"{ROLE}other")


def _property(schema: dict[str, Any], model: str, name: str) -> dict[str, Any]:
    found: dict[str, Any] = schema["$defs"][model]["properties"][name]
    return found


@pytest.mark.parametrize(
    ("model", "name"),
    [
        ("Job", "ecs_cluster_arn"),
        ("Job", "kms_key_arn"),
        ("Job", "task_role_arn"),
        ("Job", "execution_role_arn"),
        ("Job", "permissions_boundary_arn"),
        ("Job", "dlq_alarm_actions"),
        ("Job", "dlq_ok_actions"),
        ("TaskOverrides", "taskRoleArn"),
        ("TaskOverrides", "executionRoleArn"),
    ],
)
def test_the_json_schema_tells_the_rule(model: str, name: str) -> None:
    schema = json_schema()
    text = str(_property(schema, model, name))
    assert repr(ARN_WITHOUT_WILDCARDS_PATTERN) in text


def test_base_is_valid() -> None:
    assert loads(BASE, now=NOW).stack.jobs
