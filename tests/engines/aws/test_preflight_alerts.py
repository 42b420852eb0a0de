"""Preflight of task-failure alerts on moto's server: may EventBridge publish to each topic
(and use its KMS key)? If not, the statement to add, and a plan that refuses unless allowed."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
import yaml

from ecs_scheduler.engines.aws import AwsEngineError
from ecs_scheduler.engines.aws.preflight import preflight
from ecs_scheduler.engines.aws.workflow import plan_stack
from ecs_scheduler.loader import loads
from ecs_scheduler.resources import DesiredState, Resource, build
from ecs_scheduler.task_failures import (
    policy_with_statement,
    topic_key_statement,
    topic_publish_statement,
)
from tests.conftest import EmulatedAccount

JOB = "daily-report"


def _desired(account: EmulatedAccount, **fields: Any) -> DesiredState:
    document = yaml.safe_load(account.configs[JOB].read_text(encoding="utf-8"))
    document["jobs"][JOB].update(fields)
    return build(loads(yaml.safe_dump(document)).stack)


def _rule(desired: DesiredState) -> Resource:
    return desired.resources[f"module.{JOB}.aws_cloudwatch_event_rule.task_failed"]


def _topic(account: EmulatedAccount, name: str, **attributes: str) -> str:
    arn: str = account.clients.sns.create_topic(Name=name, Attributes=attributes)["TopicArn"]
    return arn


def _add_to_topic_policy(
    account: EmulatedAccount, topic: str, statement: Mapping[str, Any]
) -> None:
    sns = account.clients.sns
    policy = sns.get_topic_attributes(TopicArn=topic)["Attributes"]["Policy"]
    sns.set_topic_attributes(
        TopicArn=topic,
        AttributeName="Policy",
        AttributeValue=json.dumps(policy_with_statement(policy, dict(statement))),
    )


def _compact(document: Mapping[str, Any]) -> str:
    return json.dumps(document, separators=(",", ":"))


def test_a_topic_whose_policy_lacks_the_statement_is_reported_with_it(
    emulated_account: EmulatedAccount,
) -> None:
    topic = _topic(emulated_account, "alerts-without-grant")
    desired = _desired(emulated_account, task_failure_actions=[topic])
    rule = _rule(desired)

    report = preflight(desired, emulated_account.clients)

    assert report.errors == ()
    assert report.unwired_alerts == (
        f"Job '{JOB}': the policy of SNS topic {topic} does not let EventBridge deliver the "
        f"alerts of rule {rule.aws_name}; add this statement to it: "
        f"{_compact(topic_publish_statement(topic, rule.arn))}",
    )


def test_a_topic_with_the_statement_passes(emulated_account: EmulatedAccount) -> None:
    topic = _topic(emulated_account, "alerts-with-grant")
    desired = _desired(emulated_account, task_failure_actions=[topic])
    _add_to_topic_policy(
        emulated_account, topic, topic_publish_statement(topic, _rule(desired).arn)
    )

    report = preflight(desired, emulated_account.clients)

    assert (report.errors, report.unwired_alerts, report.warnings) == ((), (), ())


def test_an_encrypted_topic_needs_its_key_policy_to_let_eventbridge_in(
    emulated_account: EmulatedAccount,
) -> None:
    clients = emulated_account.clients
    account = clients.sts.get_caller_identity()["Account"]
    owner_only = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Owner",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }
    key = clients.kms.create_key(Policy=json.dumps(owner_only))["KeyMetadata"]
    topic = _topic(emulated_account, "encrypted-alerts", KmsMasterKeyId=key["Arn"])
    desired = _desired(emulated_account, task_failure_actions=[topic])
    _add_to_topic_policy(
        emulated_account, topic, topic_publish_statement(topic, _rule(desired).arn)
    )

    before = preflight(desired, emulated_account.clients)

    assert before.unwired_alerts == (
        f"Job '{JOB}': the key policy of KMS key {key['Arn']} does not let EventBridge deliver "
        f"the alerts of rule {_rule(desired).aws_name}; add this statement to it: "
        f"{_compact(topic_key_statement())}",
    )
    clients.kms.put_key_policy(
        KeyId=key["KeyId"],
        PolicyName="default",
        Policy=json.dumps(policy_with_statement(owner_only, topic_key_statement())),
    )
    assert preflight(desired, emulated_account.clients).unwired_alerts == ()


def test_a_missing_alert_topic_is_an_error(emulated_account: EmulatedAccount) -> None:
    account = emulated_account.clients.sts.get_caller_identity()["Account"]
    topic = f"arn:aws:sns:{emulated_account.prereqs.region}:{account}:no-such-topic"

    report = preflight(
        _desired(emulated_account, task_failure_actions=[topic]), emulated_account.clients
    )

    assert report.errors == (f"Job '{JOB}': SNS topic {topic} does not exist.",)
    assert report.unwired_alerts == ()


def test_a_rule_without_a_topic_warns_that_nobody_is_told(
    emulated_account: EmulatedAccount,
) -> None:
    desired = _desired(emulated_account)

    report = preflight(desired, emulated_account.clients)

    assert report.errors == report.unwired_alerts == ()
    [warning] = report.warnings
    assert _rule(desired).aws_name in warning
    assert "nobody is told" in warning


def test_plan_refuses_unwired_alerts_unless_allowed(emulated_account: EmulatedAccount) -> None:
    topic = _topic(emulated_account, "alerts-not-wired")
    desired = _desired(emulated_account, task_failure_actions=[topic])
    statement = _compact(topic_publish_statement(topic, _rule(desired).arn))

    with pytest.raises(AwsEngineError) as refused:
        plan_stack(desired, emulated_account.clients)
    assert statement in str(refused.value)
    assert "--allow-unwired-alerts" in str(refused.value)

    allowed = plan_stack(desired, emulated_account.clients, allow_unwired_alerts=True)

    assert any(statement in warning for warning in allowed.warnings)
    assert allowed.plan.changes
