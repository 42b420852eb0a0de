"""Both exports write each job's task-failure rule, its targets and every schedule's task group,
as the model has them: the rule's pattern is the model's dict, a target names its rule by
reference, and CloudFormation lists the targets inside the rule."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from ecs_scheduler.engines.cloudformation import (
    CloudFormationExportError,
    build_template,
    render_template,
)
from ecs_scheduler.engines.cloudformation_yaml import GetAtt, Ref
from ecs_scheduler.engines.terraform import render_terraform
from ecs_scheduler.engines.terraform_imports import ExistingResource, import_ids
from ecs_scheduler.engines.terraform_module import JobModule, TerraformExportError
from ecs_scheduler.engines.terraform_syntax import Attribute, FunctionCall
from ecs_scheduler.resources import DesiredState, Resource, build
from ecs_scheduler.task_failures import target_id
from tests.engines.test_terraform import terraform_reads
from tests.model.factories import ACCOUNT, REGION, make_stack

RULE = "module.nightly.aws_cloudwatch_event_rule.task_failed"
ALERTS = f"arn:aws:sns:{REGION}:{ACCOUNT}:job-alerts"
OPS = f"arn:aws:sns:{REGION}:{ACCOUNT}:ops"
WEEKEND = {"name": "weekend", "schedule_expression": "cron(0 9 ? * SAT *)"}


def _desired(**fields: Any) -> DesiredState:
    return build(make_stack({"nightly": fields}))


def _of_type(desired: DesiredState, resource_type: str) -> list[Resource]:
    return [resource for resource in desired.resources.values() if resource.type == resource_type]


def _module(desired: DesiredState) -> dict[str, Any]:
    files = render_terraform(desired, "json")
    parsed: dict[str, Any] = json.loads(files[PurePosixPath("modules/nightly/main.tf.json")])
    return parsed


# --------------------------------------------------------------------------- Terraform


def test_terraform_writes_the_rule_with_the_models_name_state_description_and_tags() -> None:
    desired = _desired()
    rule = desired.resources[RULE]

    block = _module(desired)["resource"]["aws_cloudwatch_event_rule"]["task_failed"]

    assert block["name"] == rule.aws_name
    assert block["state"] == rule.properties["State"] == "ENABLED"
    assert block["description"] == rule.properties["Description"]
    assert block["tags"] == dict(rule.tags)
    assert block["event_pattern"].startswith("${jsonencode(")


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not installed")
def test_terraform_reads_the_written_event_pattern_as_the_models_pattern(tmp_path: Path) -> None:
    """The very expression the module writes, evaluated by Terraform, is the model's pattern."""
    desired = _desired()
    rule = desired.resources[RULE]
    module = JobModule(
        "nightly", list(desired.resources.values()), desired.task_definitions["nightly"]
    )
    [rule_block] = [
        block
        for block in module.build(desired.outputs["nightly"]).main
        if block.labels == ("aws_cloudwatch_event_rule", "task_failed")
    ]
    [pattern] = [
        item.value
        for item in rule_block.body
        if isinstance(item, Attribute) and item.name == "event_pattern"
    ]
    assert isinstance(pattern, FunctionCall) and pattern.name == "jsonencode"
    assert terraform_reads(pattern.argument, tmp_path) == rule.properties["EventPattern"]


def test_terraform_writes_one_target_per_topic_naming_its_rule_by_reference() -> None:
    desired = _desired(task_failure_actions=[ALERTS, OPS])
    targets = _of_type(desired, "aws_cloudwatch_event_target")
    transformer = targets[0].properties["InputTransformer"]

    written = _module(desired)["resource"]["aws_cloudwatch_event_target"]

    assert list(written) == ["task_failed"]
    block = written["task_failed"]
    assert block["for_each"] == {target_id(ALERTS): ALERTS, target_id(OPS): OPS}
    assert block["for_each"] == {t.key: t.properties["Arn"] for t in targets}
    assert block["rule"] == "${aws_cloudwatch_event_rule.task_failed.name}"
    assert (block["target_id"], block["arn"]) == ("${each.key}", "${each.value}")
    assert block["input_transformer"] == [
        {
            "input_paths": transformer["InputPathsMap"],
            "input_template": transformer["InputTemplate"],
        }
    ]
    assert "depends_on" not in block  # the reference to the rule orders it


def test_terraform_writes_a_rule_without_targets_for_a_job_without_a_topic() -> None:
    resources = _module(_desired())["resource"]

    assert "aws_cloudwatch_event_rule" in resources
    assert "aws_cloudwatch_event_target" not in resources


def test_terraform_writes_no_rule_for_a_job_without_alerts() -> None:
    module = _module(_desired(enable_task_failure_alerts=False, task_failure_actions=[OPS]))

    assert "aws_cloudwatch_event_rule" not in module["resource"]
    assert "aws_cloudwatch_event_target" not in module["resource"]
    outputs = json.loads(
        render_terraform(_desired(enable_task_failure_alerts=False), "json")[
            PurePosixPath("modules/nightly/outputs.tf.json")
        ]
    )
    assert "task_failure_rule_name" not in outputs["output"]


def test_terraform_outputs_name_the_rule() -> None:
    files = render_terraform(_desired(), "json")
    outputs = json.loads(files[PurePosixPath("modules/nightly/outputs.tf.json")])["output"]

    assert outputs["task_failure_rule_name"]["value"] == (
        "${aws_cloudwatch_event_rule.task_failed.name}"
    )
    assert outputs["task_failure_rule_arn"]["value"] == (
        "${aws_cloudwatch_event_rule.task_failed.arn}"
    )


def test_terraform_gives_every_schedule_its_own_task_group() -> None:
    """Before, the group was written once for all schedules of a job, and their different
    groups made the export refuse the job."""
    desired = _desired(additional_schedules=[WEEKEND])
    schedules = _of_type(desired, "aws_scheduler_schedule")

    module = _module(desired)

    entries = module["locals"]["schedules"]
    assert {key: entry["group"] for key, entry in entries.items()} == {
        schedule.key: schedule.properties["Target"]["EcsParameters"]["Group"]
        for schedule in schedules
    }
    resource = module["resource"]["aws_scheduler_schedule"]["ecs"]
    assert resource["target"][0]["ecs_parameters"][0]["group"] == "${each.value.group}"


def test_a_target_whose_id_is_not_its_key_is_refused() -> None:
    desired = _desired(task_failure_actions=[OPS])
    [target] = _of_type(desired, "aws_cloudwatch_event_target")
    renamed = dataclasses.replace(target, properties={**target.properties, "Id": "other"})
    broken = dataclasses.replace(desired, resources={**desired.resources, target.address: renamed})

    with pytest.raises(TerraformExportError, match="its Id 'other' is not its key"):
        render_terraform(broken)


def test_terraform_imports_the_rule_by_name_and_a_target_by_rule_and_id() -> None:
    desired = _desired(task_failure_actions=[OPS])
    rule = desired.resources[RULE]
    [target] = _of_type(desired, "aws_cloudwatch_event_target")

    imports = import_ids(desired, [ExistingResource(RULE), ExistingResource(target.address)])

    assert imports.ids == {RULE: rule.aws_name, target.address: f"{rule.aws_name}/{target_id(OPS)}"}


# --------------------------------------------------------------------------- CloudFormation


def test_cloudformation_writes_the_rule_with_its_targets_inside() -> None:
    desired = _desired(task_failure_actions=[ALERTS, OPS])
    rule = desired.resources[RULE]
    targets = _of_type(desired, "aws_cloudwatch_event_target")

    resources = build_template(desired)["Resources"]

    assert [body["Type"] for body in resources.values()].count("AWS::Events::Rule") == 1
    body = resources["NightlyTaskFailedRule"]
    assert body["Type"] == "AWS::Events::Rule"
    assert body["Metadata"]["ecs-scheduler"] == {
        "address": RULE,
        "inline": [target.address for target in targets],
    }
    properties = body["Properties"]
    assert properties["Name"] == rule.aws_name
    assert properties["EventPattern"] == rule.properties["EventPattern"]
    assert properties["State"] == "ENABLED"
    assert properties["Description"] == rule.properties["Description"]
    assert {tag["Key"]: tag["Value"] for tag in properties["Tags"]} == dict(rule.tags)
    assert properties["Targets"] == [dict(target.properties) for target in targets]
    assert [target["Arn"] for target in properties["Targets"]] == [ALERTS, OPS]
    assert "DependsOn" not in body


def test_cloudformation_writes_a_rule_without_targets_for_a_job_without_a_topic() -> None:
    properties = build_template(_desired())["Resources"]["NightlyTaskFailedRule"]["Properties"]

    assert "Targets" not in properties


def test_cloudformation_outputs_name_the_rule_with_ref_and_getatt() -> None:
    outputs = build_template(_desired())["Outputs"]

    assert outputs["NightlyTaskFailureRuleName"]["Value"] == Ref("NightlyTaskFailedRule")
    assert outputs["NightlyTaskFailureRuleArn"]["Value"] == GetAtt("NightlyTaskFailedRule", "Arn")


def test_cloudformation_gives_every_schedule_its_own_task_group() -> None:
    desired = _desired(additional_schedules=[WEEKEND])
    resources = build_template(desired)["Resources"]

    for schedule, logical_id in zip(
        _of_type(desired, "aws_scheduler_schedule"),
        ("NightlySchedule", "NightlyScheduleWeekend"),
        strict=True,
    ):
        ecs = resources[logical_id]["Properties"]["Target"]["EcsParameters"]
        assert ecs["Group"] == schedule.properties["Target"]["EcsParameters"]["Group"]


def test_a_dependency_on_a_target_is_one_on_its_rule() -> None:
    """A target has no template resource: what waits for it waits for the rule listing it."""
    desired = _desired(task_failure_actions=[OPS])
    [target] = _of_type(desired, "aws_cloudwatch_event_target")
    group = desired.resources["module.nightly.aws_scheduler_schedule_group.ecs"]
    waiting = dataclasses.replace(group, depends_on=(target.address,))
    changed = dataclasses.replace(desired, resources={**desired.resources, group.address: waiting})

    resources = build_template(changed)["Resources"]

    assert resources["NightlyScheduleGroup"]["DependsOn"] == ["NightlyTaskFailedRule"]


def test_a_target_without_its_rule_is_refused() -> None:
    desired = _desired(task_failure_actions=[OPS])
    [target] = _of_type(desired, "aws_cloudwatch_event_target")
    orphan = dataclasses.replace(target, parent=None)
    broken = dataclasses.replace(desired, resources={**desired.resources, target.address: orphan})

    with pytest.raises(CloudFormationExportError, match="names no resource of the stack"):
        render_template(broken)
