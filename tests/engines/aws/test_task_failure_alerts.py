"""The task-failure rule and its targets on the emulator: created named and tagged, repaired
after drift made by hand, deleted with the alerts or the job.

The emulator does not evaluate ``anything-but`` on arrays, so what the pattern matches is
tested offline (tests/model/test_task_failure_pattern.py); here, the wiring.
"""

from __future__ import annotations

import json
from typing import Any

from ecs_scheduler.engines.aws import AwsClients, apply, plan, read_outputs
from ecs_scheduler.engines.aws.registry import canonical_properties
from ecs_scheduler.engines.aws.service import RULE as RULE_TYPE
from ecs_scheduler.naming import MANAGED_BY_VALUE, TAG_JOB, TAG_MANAGED_BY, TAG_STACK
from ecs_scheduler.resources import DesiredState, Resource
from ecs_scheduler.task_failures import input_transformer, target_id
from tests.conftest import EmulatedAccount
from tests.engines.aws.conftest import ConfigEditor, DesiredFactory

JOB = "daily-report"
RULE = f"module.{JOB}.aws_cloudwatch_event_rule.task_failed"
VISIBLE_ALARM = f"module.{JOB}.aws_cloudwatch_metric_alarm.dlq_messages_visible"
OLDEST_ALARM = f"module.{JOB}.aws_cloudwatch_metric_alarm.dlq_oldest_message"


def _set(**fields: Any) -> ConfigEditor:
    def edit(document: dict[str, Any]) -> None:
        document["jobs"][JOB].update(fields)

    return edit


def _rule(desired: DesiredState) -> Resource:
    return desired.resources[RULE]


def _target_address(topic: str) -> str:
    return f'module.{JOB}.aws_cloudwatch_event_target.task_failed["{target_id(topic)}"]'


def _alerting(prerequisites: EmulatedAccount, desired_from: DesiredFactory) -> DesiredState:
    topic = prerequisites.prereqs.sns_topic_arn
    return desired_from("daily-report", _set(task_failure_actions=[topic]))


def test_the_rule_and_its_target_are_created_named_tagged_and_stable(
    clients: AwsClients, prerequisites: EmulatedAccount, desired_from: DesiredFactory
) -> None:
    desired = _alerting(prerequisites, desired_from)
    topic = prerequisites.prereqs.sns_topic_arn

    created = plan(desired, clients)
    assert {(c.address, c.action) for c in created.changes} >= {
        (RULE, "create"),
        (_target_address(topic), "create"),
    }
    apply(created, clients)

    rule = _rule(desired)
    live = clients.events.describe_rule(Name=rule.aws_name)
    assert live["Arn"] == rule.arn
    assert live["State"] == "ENABLED"
    assert json.loads(live["EventPattern"]) == rule.properties["EventPattern"]
    assert live["Description"] == rule.properties["Description"]
    tags = {
        tag["Key"]: tag["Value"]
        for tag in clients.events.list_tags_for_resource(ResourceARN=rule.arn)["Tags"]
    }
    assert tags[TAG_MANAGED_BY] == MANAGED_BY_VALUE
    assert (tags[TAG_STACK], tags[TAG_JOB]) == (desired.stack, JOB)
    [target] = clients.events.list_targets_by_rule(Rule=rule.aws_name)["Targets"]
    prereqs = prerequisites.prereqs
    assert target == {
        "Id": target_id(topic),
        "Arn": topic,
        "InputTransformer": input_transformer(
            stack=desired.stack,
            job=JOB,
            cluster_name=prereqs.cluster_name,
            partition="aws",
            region=prereqs.region,
        ).as_api(),
    }
    assert plan(desired, clients).changes == ()


def test_a_job_without_a_topic_gets_its_rule_without_a_target(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    desired = desired_from("daily-report")

    apply(plan(desired, clients), clients)

    name = _rule(desired).aws_name
    assert clients.events.describe_rule(Name=name)["State"] == "ENABLED"
    assert clients.events.list_targets_by_rule(Rule=name)["Targets"] == []
    assert plan(desired, clients).changes == ()


def test_a_rule_disabled_by_hand_is_enabled_again(
    clients: AwsClients, prerequisites: EmulatedAccount, desired_from: DesiredFactory
) -> None:
    desired = _alerting(prerequisites, desired_from)
    apply(plan(desired, clients), clients)
    name = _rule(desired).aws_name
    clients.events.disable_rule(Name=name)

    repair = plan(desired, clients)

    assert [(c.address, c.action, dict(c.diff)) for c in repair.changes] == [
        (RULE, "update", {"State": ("DISABLED", "ENABLED")})
    ]
    apply(repair, clients)
    assert clients.events.describe_rule(Name=name)["State"] == "ENABLED"
    assert len(clients.events.list_targets_by_rule(Rule=name)["Targets"]) == 1
    assert plan(desired, clients).changes == ()


def test_a_target_removed_by_hand_is_put_back(
    clients: AwsClients, prerequisites: EmulatedAccount, desired_from: DesiredFactory
) -> None:
    desired = _alerting(prerequisites, desired_from)
    topic = prerequisites.prereqs.sns_topic_arn
    apply(plan(desired, clients), clients)
    name = _rule(desired).aws_name
    clients.events.remove_targets(Rule=name, Ids=[target_id(topic)])

    repair = plan(desired, clients)

    assert [(c.address, c.action) for c in repair.changes] == [(_target_address(topic), "create")]
    apply(repair, clients)
    [target] = clients.events.list_targets_by_rule(Rule=name)["Targets"]
    assert target["Arn"] == topic
    assert plan(desired, clients).changes == ()


def test_a_target_added_by_hand_to_the_rule_is_removed(
    clients: AwsClients, prerequisites: EmulatedAccount, desired_from: DesiredFactory
) -> None:
    desired = desired_from("daily-report")
    apply(plan(desired, clients), clients)
    name = _rule(desired).aws_name
    clients.events.put_targets(
        Rule=name, Targets=[{"Id": "by-hand", "Arn": prerequisites.prereqs.sns_topic_arn}]
    )

    repair = plan(desired, clients)

    by_hand = f'module.{JOB}.aws_cloudwatch_event_target.task_failed["by-hand"]'
    assert [(c.address, c.action) for c in repair.changes] == [(by_hand, "delete")]
    apply(repair, clients)
    assert clients.events.list_targets_by_rule(Rule=name)["Targets"] == []


def test_dlq_alarm_actions_update_the_alarms_and_add_the_rules_target(
    clients: AwsClients, prerequisites: EmulatedAccount, desired_from: DesiredFactory
) -> None:
    """Without task_failure_actions, task failures go to the alarms' topics."""
    apply(plan(desired_from("daily-report"), clients), clients)
    topic = prerequisites.prereqs.sns_topic_arn
    changed = desired_from("daily-report", _set(dlq_alarm_actions=[topic]))

    updated = plan(changed, clients)

    assert {(c.address, c.action) for c in updated.changes} == {
        (VISIBLE_ALARM, "update"),
        (OLDEST_ALARM, "update"),
        (_target_address(topic), "create"),
    }
    apply(updated, clients)
    assert plan(changed, clients).changes == ()


def test_turning_alerts_off_deletes_the_rule_and_its_targets(
    clients: AwsClients, prerequisites: EmulatedAccount, desired_from: DesiredFactory
) -> None:
    desired = _alerting(prerequisites, desired_from)
    apply(plan(desired, clients), clients)
    topic = prerequisites.prereqs.sns_topic_arn
    off = desired_from(
        "daily-report", _set(task_failure_actions=[topic], enable_task_failure_alerts=False)
    )

    removal = plan(off, clients)

    assert {(c.address, c.action) for c in removal.changes} == {
        (RULE, "delete"),
        (_target_address(topic), "delete"),
    }
    apply(removal, clients)
    assert clients.events.list_rules(NamePrefix=_rule(desired).aws_name)["Rules"] == []
    assert plan(off, clients).changes == ()


def test_destroy_removes_the_rule_and_its_targets(
    clients: AwsClients, prerequisites: EmulatedAccount, desired_from: DesiredFactory
) -> None:
    desired = _alerting(prerequisites, desired_from)
    apply(plan(desired, clients), clients)

    removal = plan(desired, clients, destroy_all=True)

    assert {c.address for c in removal.changes if c.action == "delete"} >= {
        RULE,
        _target_address(prerequisites.prereqs.sns_topic_arn),
    }
    apply(removal, clients)
    assert clients.events.list_rules(NamePrefix=_rule(desired).aws_name)["Rules"] == []


def test_a_rule_of_the_same_name_that_is_not_ours_blocks_the_job(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    desired = desired_from("daily-report")
    name = _rule(desired).aws_name
    clients.events.put_rule(Name=name, EventPattern=json.dumps({"source": ["someone.else"]}))

    blocked = plan(desired, clients)

    assert blocked.changes == ()
    assert any(RULE in line and "already exists" in line for line in blocked.blocked)
    assert json.loads(clients.events.describe_rule(Name=name)["EventPattern"]) == {
        "source": ["someone.else"]
    }


def test_a_renamed_job_gets_a_new_rule_with_its_targets_and_the_old_one_goes(
    clients: AwsClients, prerequisites: EmulatedAccount, desired_from: DesiredFactory
) -> None:
    topic = prerequisites.prereqs.sns_topic_arn
    before = _alerting(prerequisites, desired_from)
    apply(plan(before, clients), clients)
    after = desired_from(
        "daily-report", _set(task_failure_actions=[topic], billing_domain="finance")
    )
    old, new = _rule(before).aws_name, _rule(after).aws_name
    assert old != new

    renamed = plan(after, clients)

    assert (RULE, "replace") in {(c.address, c.action) for c in renamed.changes}
    apply(renamed, clients)
    assert clients.events.list_rules(NamePrefix=old)["Rules"] == []
    [target] = clients.events.list_targets_by_rule(Rule=new)["Targets"]
    assert target["Arn"] == topic
    assert plan(after, clients).changes == ()


def test_a_live_rule_compares_with_its_pattern_as_text_and_its_default_state() -> None:
    """DescribeRule gives the pattern as JSON text, in its own spacing; PutRule enables a rule
    unless told otherwise."""
    pattern = {"source": ["aws.ecs"], "detail": {"lastStatus": ["STOPPED"]}}
    desired = {"EventPattern": pattern, "State": "ENABLED", "Description": "failed tasks"}
    live = {
        "Name": "the-rule",
        "EventBusName": "default",
        "EventPattern": json.dumps(pattern, indent=2),
        "Description": "failed tasks",
    }

    assert canonical_properties(RULE_TYPE, live) == canonical_properties(RULE_TYPE, desired)
    assert canonical_properties(RULE_TYPE, {**live, "State": "DISABLED"})["State"] == "DISABLED"


def test_outputs_list_the_live_rule(clients: AwsClients, desired_from: DesiredFactory) -> None:
    desired = desired_from("daily-report")
    assert read_outputs(desired, clients)[JOB]["task_failure_rule_name"] is None
    apply(plan(desired, clients), clients)

    outputs = read_outputs(desired, clients)[JOB]

    rule = _rule(desired)
    assert (outputs["task_failure_rule_name"], outputs["task_failure_rule_arn"]) == (
        rule.aws_name,
        rule.arn,
    )
