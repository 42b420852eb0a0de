"""The task-failure rule and its targets in the desired state, and every schedule's task group."""

from __future__ import annotations

from typing import Any

import pytest

from ecs_scheduler.naming import job_tags
from ecs_scheduler.resources import DesiredState, Resource, build, resolve_refs
from ecs_scheduler.task_failures import (
    event_pattern,
    group_prefix,
    input_transformer,
    rule_description,
    target_id,
    task_group,
)
from tests.model.factories import ACCOUNT, CLUSTER_ARN, REGION, make_stack

RULE = "module.nightly.aws_cloudwatch_event_rule.task_failed"
ALERTS = f"arn:aws:sns:{REGION}:{ACCOUNT}:job-alerts"
OPS = f"arn:aws:sns:{REGION}:{ACCOUNT}:ops"


def _of_type(desired: DesiredState, resource_type: str) -> list[Resource]:
    return [resource for resource in desired.resources.values() if resource.type == resource_type]


def _targets(desired: DesiredState) -> dict[str, Resource]:
    return {target.aws_name: target for target in _of_type(desired, "aws_cloudwatch_event_target")}


def test_the_rule_is_put_rule_shaped_enabled_and_tagged() -> None:
    desired = build(make_stack({"nightly": {}}))
    rule = desired.resources[RULE]

    assert rule.aws_name == "acme-analytics-internal-euw1-reporting_nightly-task-failed"
    assert rule.arn == f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{rule.aws_name}"
    assert rule.properties == {
        "EventPattern": event_pattern(CLUSTER_ARN, "reporting", "nightly"),
        "State": "ENABLED",
        "Description": rule_description("reporting", "nightly"),
    }
    stack = make_stack({"nightly": {}})
    assert rule.tags == job_tags("reporting", "nightly", stack.jobs["nightly"])
    assert rule.parent is None


def test_a_job_without_a_topic_keeps_its_rule_without_targets() -> None:
    desired = build(make_stack({"nightly": {}}))

    assert RULE in desired.resources
    assert _targets(desired) == {}


def test_one_untagged_target_per_topic_inside_the_rule() -> None:
    desired = build(make_stack({"nightly": {"task_failure_actions": [ALERTS, OPS, ALERTS]}}))
    rule = desired.resources[RULE]
    targets = _targets(desired)

    assert set(targets) == {target_id(ALERTS), target_id(OPS)}
    message = input_transformer(
        stack="reporting", job="nightly", cluster_name="jobs", partition="aws", region=REGION
    ).as_api()
    for topic in (ALERTS, OPS):
        target = targets[target_id(topic)]
        assert target.address == (
            f'module.nightly.aws_cloudwatch_event_target.task_failed["{target.aws_name}"]'
        )
        assert target.key == target.aws_name
        assert target.properties == {
            "Id": target.aws_name,
            "Arn": topic,
            "InputTransformer": message,
        }
        assert (target.parent, target.arn, target.tags) == (RULE, rule.arn, {})
        assert target.depends_on == (RULE,)


@pytest.mark.parametrize(
    ("fields", "topics"),
    [
        ({"dlq_alarm_actions": [OPS]}, [OPS]),
        ({"dlq_alarm_actions": [OPS], "task_failure_actions": [ALERTS]}, [ALERTS]),
        ({"dlq_alarm_actions": [OPS], "task_failure_actions": []}, []),
    ],
)
def test_the_targets_are_the_jobs_task_failure_topics(
    fields: dict[str, Any], topics: list[str]
) -> None:
    desired = build(make_stack({"nightly": fields}))

    assert sorted(target.properties["Arn"] for target in _targets(desired).values()) == topics


def test_disabled_alerts_build_neither_rule_nor_target_nor_its_outputs() -> None:
    fields = {"enable_task_failure_alerts": False, "task_failure_actions": [OPS]}
    desired = build(make_stack({"nightly": fields}))

    assert _of_type(desired, "aws_cloudwatch_event_rule") == []
    assert _targets(desired) == {}
    assert "task_failure_rule_name" not in desired.outputs["nightly"]
    assert "task_failure_rule_arn" not in desired.outputs["nightly"]


def test_the_outputs_name_the_rule() -> None:
    desired = build(make_stack({"nightly": {}}))
    rule = desired.resources[RULE]

    outputs = resolve_refs(desired.outputs["nightly"], desired.resources)

    assert (outputs["task_failure_rule_name"], outputs["task_failure_rule_arn"]) == (
        rule.aws_name,
        rule.arn,
    )


def test_every_schedule_runs_its_tasks_in_its_own_group_under_the_rules_prefix() -> None:
    desired = build(
        make_stack(
            {
                "nightly": {
                    "additional_schedules": [
                        {"name": "weekend", "schedule_expression": "cron(0 9 ? * SAT *)"}
                    ]
                }
            }
        )
    )
    pattern = desired.resources[RULE].properties["EventPattern"]
    [prefix] = pattern["detail"]["group"]

    groups = {
        schedule.key: schedule.properties["Target"]["EcsParameters"]["Group"]
        for schedule in _of_type(desired, "aws_scheduler_schedule")
    }

    assert groups == {
        "": task_group("reporting", "nightly", ""),
        "weekend": task_group("reporting", "nightly", "weekend"),
    }
    assert prefix == {"prefix": group_prefix("reporting", "nightly")}
    assert all(group.startswith(prefix["prefix"]) for group in groups.values())


def test_a_schedule_has_its_group_even_without_alerts() -> None:
    desired = build(make_stack({"nightly": {"enable_task_failure_alerts": False}}))
    [schedule] = _of_type(desired, "aws_scheduler_schedule")

    assert schedule.properties["Target"]["EcsParameters"]["Group"] == task_group(
        "reporting", "nightly", ""
    )


def test_two_jobs_may_alert_the_same_topic() -> None:
    """A target's Id comes from its topic: the same in two rules, which is no name clash."""
    fields = {"task_failure_actions": [OPS]}
    desired = build(make_stack({"nightly": fields, "hourly": fields}))

    targets = _of_type(desired, "aws_cloudwatch_event_target")
    assert [target.aws_name for target in targets] == [target_id(OPS)] * 2
    assert len({target.parent for target in targets}) == 2
