"""Properties are the AWS create requests: botocore's own service models accept them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator

from ecs_scheduler.loader import load
from ecs_scheduler.resources import DesiredState, LookupAttribute, Resource, build, resolve
from tests.conftest import EXAMPLES_DIR

EXAMPLES = sorted(EXAMPLES_DIR.glob("*.yaml"))
SESSION = botocore.session.get_session()


def _resolved(path: str) -> DesiredState:
    desired = build(load(EXAMPLES_DIR / path).stack)
    values: dict[str, dict[LookupAttribute, str | None]] = {
        job: {
            "task_definition_arn": f"arn:aws:ecs:us-east-1:123456789012:task-definition/"
            f"{reference.family}:3",
            "task_role_arn": "arn:aws:iam::123456789012:role/task",
            "execution_role_arn": "arn:aws:iam::123456789012:role/execution",
        }
        for job, reference in desired.task_definitions.items()
    }
    return resolve(desired, values)


def _group_name(desired: DesiredState, resource: Resource) -> str:
    return desired.resources[f"module.{resource.job}.aws_scheduler_schedule_group.ecs"].aws_name


def _schedule(desired: DesiredState, resource: Resource) -> dict[str, Any]:
    target = dict(resource.properties["Target"])
    if "Input" in target:
        target["Input"] = json.dumps(target["Input"])
    return {
        **resource.properties,
        "Target": target,
        "Name": resource.aws_name,
        "GroupName": _group_name(desired, resource),
    }


def _tag_list(resource: Resource) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in resource.tags.items()]


REQUESTS: dict[str, tuple[str, str, Callable[[DesiredState, Resource], dict[str, Any]]]] = {
    "aws_scheduler_schedule_group": (
        "scheduler",
        "CreateScheduleGroup",
        lambda _, r: {**r.properties, "Name": r.aws_name, "Tags": _tag_list(r)},
    ),
    "aws_scheduler_schedule": ("scheduler", "CreateSchedule", _schedule),
    "aws_iam_role": (
        "iam",
        "CreateRole",
        lambda _, r: {
            **r.properties,
            "AssumeRolePolicyDocument": json.dumps(r.properties["AssumeRolePolicyDocument"]),
            "RoleName": r.aws_name,
            "Tags": _tag_list(r),
        },
    ),
    "aws_iam_role_policy": (
        "iam",
        "PutRolePolicy",
        lambda _, r: {
            "PolicyName": r.properties["PolicyName"],
            "PolicyDocument": json.dumps(r.properties["PolicyDocument"]),
            "RoleName": r.arn.rsplit("/", 1)[1],
        },
    ),
    "aws_sqs_queue": (
        "sqs",
        "CreateQueue",
        lambda _, r: {**r.properties, "QueueName": r.aws_name, "tags": dict(r.tags)},
    ),
    "aws_sqs_queue_policy": (
        "sqs",
        "SetQueueAttributes",
        lambda _, r: {
            "QueueUrl": f"https://sqs.us-east-1.amazonaws.com/123456789012/{r.aws_name}",
            "Attributes": {"Policy": json.dumps(r.properties["Policy"])},
        },
    ),
    "aws_cloudwatch_metric_alarm": (
        "cloudwatch",
        "PutMetricAlarm",
        lambda _, r: {**r.properties, "AlarmName": r.aws_name, "Tags": _tag_list(r)},
    ),
    "aws_cloudwatch_event_rule": (
        "events",
        "PutRule",
        lambda _, r: {
            **r.properties,
            "EventPattern": json.dumps(r.properties["EventPattern"]),
            "Name": r.aws_name,
            "Tags": _tag_list(r),
        },
    ),
    "aws_cloudwatch_event_target": (
        "events",
        "PutTargets",
        lambda _, r: {"Rule": r.arn.rsplit("/", 1)[1], "Targets": [dict(r.properties)]},
    ),
}


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_every_property_set_is_a_valid_create_request(path: Path) -> None:
    desired = _resolved(path.name)
    validator = ParamValidator()
    for resource in desired.resources.values():
        service, operation, request = REQUESTS[resource.type]
        shape = SESSION.get_service_model(service).operation_model(operation).input_shape
        report = validator.validate(request(desired, resource), shape)
        assert not report.has_errors(), f"{resource.address}: {report.generate_report()}"
