"""A Ref names a resource by address: each engine resolves or renders it to that resource, and
equal strings of two resources can no longer be mistaken for one another."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

import pytest

from ecs_scheduler.engines.cloudformation import build_template
from ecs_scheduler.engines.cloudformation_yaml import GetAtt
from ecs_scheduler.engines.cloudformation_yaml import Ref as CfnRef
from ecs_scheduler.engines.terraform import render_terraform
from ecs_scheduler.kinds import DEPENDENCY_ORDER, KINDS, ResourceType
from ecs_scheduler.resources import (
    DesiredState,
    LookupValues,
    ModelError,
    Ref,
    Resource,
    address,
    build,
    referenced_value,
    resolve,
)
from tests.model.factories import EXECUTION_ROLE, TASK_ROLE, make_stack

TASK_DEFINITION = "arn:aws:ecs:eu-west-1:123456789012:task-definition/report:7"


def _desired(*jobs: str) -> DesiredState:
    return build(make_stack({job: {} for job in jobs}))


def _of(
    desired: DesiredState,
    job: str,
    resource_type: ResourceType,
    name: str,
    key: str | None = None,
) -> Resource:
    return desired.resources[address(job, resource_type, name, key)]


def _refs(value: Any) -> list[Ref]:
    if isinstance(value, Ref):
        return [value]
    if isinstance(value, dict):
        return [ref for item in value.values() for ref in _refs(item)]
    if isinstance(value, list | tuple):
        return [ref for item in value for ref in _refs(item)]
    return []


def test_the_model_writes_refs_where_it_wrote_another_resources_strings() -> None:
    desired = _desired("a")
    role = _of(desired, "a", "aws_iam_role", "scheduler")
    queue = _of(desired, "a", "aws_sqs_queue", "dlq")
    schedule = _of(desired, "a", "aws_scheduler_schedule", "ecs", "")
    alarm = _of(desired, "a", "aws_cloudwatch_metric_alarm", "dlq_messages_visible")
    target = schedule.properties["Target"]
    assert target["RoleArn"] == Ref(role.address, "arn")
    assert target["DeadLetterConfig"] == {"Arn": Ref(queue.address, "arn")}
    assert alarm.properties["Dimensions"] == [
        {"Name": "QueueName", "Value": Ref(queue.address, "name")}
    ]
    assert desired.outputs["a"]["dlq_url"] == Ref(queue.address, "url")
    policy = _of(desired, "a", "aws_sqs_queue_policy", "dlq")
    assert {ref.address for ref in _refs(policy.properties)} == {role.address, queue.address}
    assert policy.parent == queue.address
    assert _of(desired, "a", "aws_iam_role_policy", "scheduler").parent == role.address


def test_the_aws_engine_resolves_every_ref_to_the_string_it_names() -> None:
    desired = _desired("a")
    values: LookupValues = {
        "a": {
            "task_definition_arn": TASK_DEFINITION,
            "task_role_arn": TASK_ROLE,
            "execution_role_arn": EXECUTION_ROLE,
        }
    }
    resolved = resolve(desired, values)
    assert [ref for r in resolved.resources.values() for ref in _refs(r.properties)] == []
    role = _of(desired, "a", "aws_iam_role", "scheduler")
    queue = _of(desired, "a", "aws_sqs_queue", "dlq")
    group = _of(desired, "a", "aws_scheduler_schedule_group", "ecs")
    target = resolved.resources[address("a", "aws_scheduler_schedule", "ecs", "")].properties[
        "Target"
    ]
    assert (target["RoleArn"], target["DeadLetterConfig"]["Arn"]) == (role.arn, queue.arn)
    trust = resolved.resources[role.address].properties["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Condition"]["ArnEquals"]["aws:SourceArn"] == group.arn
    assert referenced_value(Ref(queue.address, "url"), desired.resources) == (
        f"https://sqs.eu-west-1.amazonaws.com/123456789012/{queue.aws_name}"
    )


def test_a_ref_to_what_a_resource_does_not_have_is_refused() -> None:
    desired = _desired("a")
    role = _of(desired, "a", "aws_iam_role", "scheduler")
    with pytest.raises(ModelError, match="has no url"):
        referenced_value(Ref(role.address, "url"), desired.resources)
    with pytest.raises(ModelError, match=re.escape("module.a.aws_iam_role.nothing")):
        referenced_value(Ref("module.a.aws_iam_role.nothing", "arn"), desired.resources)


def _terraform_module(desired: DesiredState, job: str) -> tuple[dict[str, Any], dict[str, Any]]:
    files = {
        str(path): json.loads(text) for path, text in render_terraform(desired, "json").items()
    }
    return files[f"modules/{job}/main.tf.json"], files[f"modules/{job}/outputs.tf.json"]


def test_terraform_renders_a_ref_as_the_resources_attribute() -> None:
    main, outputs = _terraform_module(_desired("a"), "a")
    target = main["resource"]["aws_scheduler_schedule"]["ecs"]["target"][0]
    assert target["role_arn"] == "${aws_iam_role.scheduler.arn}"
    assert target["dead_letter_config"] == [{"arn": "${aws_sqs_queue.dlq.arn}"}]
    alarm = main["resource"]["aws_cloudwatch_metric_alarm"]["dlq_oldest_message"]
    assert alarm["dimensions"] == {"QueueName": "${aws_sqs_queue.dlq.name}"}
    values = {name: output["value"] for name, output in outputs["output"].items()}
    assert values["dlq_url"] == "${aws_sqs_queue.dlq.url}"
    assert values["alarm_names"]["dlq_messages_visible"] == (
        "${aws_cloudwatch_metric_alarm.dlq_messages_visible.alarm_name}"
    )


def test_cloudformation_renders_a_ref_as_ref_or_getatt() -> None:
    template = build_template(_desired("a"))
    target = template["Resources"]["ASchedule"]["Properties"]["Target"]
    assert target["RoleArn"] == GetAtt("ASchedulerRole", "Arn")
    assert target["DeadLetterConfig"] == {"Arn": GetAtt("ADeadLetterQueue", "Arn")}
    outputs = template["Outputs"]
    assert outputs["ADlqUrl"]["Value"] == CfnRef("ADeadLetterQueue")
    assert outputs["ADlqName"]["Value"] == GetAtt("ADeadLetterQueue", "QueueName")
    assert outputs["ARoleName"]["Value"] == CfnRef("ASchedulerRole")


def _with_strings_of(desired: DesiredState, copy_from: Resource, onto: Resource) -> DesiredState:
    """``desired`` with ``onto`` carrying the very name, ARN and URL of ``copy_from``."""
    twin = dataclasses.replace(
        onto, aws_name=copy_from.aws_name, arn=copy_from.arn, url=copy_from.url
    )
    return dataclasses.replace(desired, resources={**desired.resources, onto.address: twin})


def test_equal_strings_of_two_queues_do_not_confuse_the_cloudformation_export() -> None:
    """Matching strings, the export took each queue's ARN for whichever queue came last."""
    desired = _desired("a", "b")
    twins = _with_strings_of(
        desired,
        _of(desired, "a", "aws_sqs_queue", "dlq"),
        _of(desired, "b", "aws_sqs_queue", "dlq"),
    )
    template = build_template(twins)
    for job in ("A", "B"):
        target = template["Resources"][f"{job}Schedule"]["Properties"]["Target"]
        assert target["DeadLetterConfig"] == {"Arn": GetAtt(f"{job}DeadLetterQueue", "Arn")}
        assert template["Outputs"][f"{job}DlqUrl"]["Value"] == CfnRef(f"{job}DeadLetterQueue")


def test_equal_strings_of_two_resources_do_not_confuse_the_terraform_export() -> None:
    """Matching strings, the schedule's dead-letter ARN named the alarm written after the queue."""
    desired = _desired("a")
    twins = _with_strings_of(
        desired,
        _of(desired, "a", "aws_sqs_queue", "dlq"),
        _of(desired, "a", "aws_cloudwatch_metric_alarm", "dlq_oldest_message"),
    )
    main, outputs = _terraform_module(twins, "a")
    target = main["resource"]["aws_scheduler_schedule"]["ecs"]["target"][0]
    assert target["dead_letter_config"] == [{"arn": "${aws_sqs_queue.dlq.arn}"}]
    values = {name: output["value"] for name, output in outputs["output"].items()}
    assert values["dlq_arn"] == "${aws_sqs_queue.dlq.arn}"
    assert values["alarm_arns"]["dlq_oldest_message"] == (
        "${aws_cloudwatch_metric_alarm.dlq_oldest_message.arn}"
    )


def test_every_kind_is_described_once_and_a_parent_comes_first() -> None:
    assert set(DEPENDENCY_ORDER) == set(KINDS)
    for kind in KINDS.values():
        if kind.parent is not None:
            assert DEPENDENCY_ORDER.index(kind.parent) < DEPENDENCY_ORDER.index(kind.type)
        if kind.cloudformation_ref is not None:
            assert kind.cloudformation_ref in kind.attributes
        assert set(kind.cloudformation_attributes) <= kind.attributes
