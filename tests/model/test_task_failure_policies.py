"""Preflight's pure checks: may EventBridge publish to the topic (and use its key) for a rule?"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ecs_scheduler.resource_policy import ServiceRequest, allows
from ecs_scheduler.task_failures import (
    EVENTS_PRINCIPAL,
    key_policy_finding,
    policy_with_statement,
    topic_key_statement,
    topic_policy_finding,
    topic_publish_statement,
)
from tests.model.factories import ACCOUNT, REGION
from tests.model.factories import KEY_ARN as KEY
from tests.model.iam_evaluator import Decision, Request, evaluate

TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:job-alerts"
RULE = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/acme-analytics-internal-euw1-reporting_nightly"
OTHER_RULE = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/someone-elses-rule"

# A new topic's policy, as the EventBridge User Guide shows it ("Using resource-based policies
# for Amazon EventBridge", Amazon SNS permissions) before it tells you to add a statement.
DEFAULT_TOPIC_POLICY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Id": "__default_policy_ID",
    "Statement": [
        {
            "Sid": "__default_statement_ID",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": [
                "SNS:GetTopicAttributes",
                "SNS:SetTopicAttributes",
                "SNS:AddPermission",
                "SNS:RemovePermission",
                "SNS:DeleteTopic",
                "SNS:Subscribe",
                "SNS:ListSubscriptionsByTopic",
                "SNS:Publish",
            ],
            "Resource": TOPIC,
            "Condition": {"StringEquals": {"AWS:SourceOwner": ACCOUNT}},
        }
    ],
}
# The statement that page adds, without a condition.
DOCUMENTED_EVENTS_STATEMENT: dict[str, Any] = {
    "Sid": "PublishEventsToMyTopic",
    "Effect": "Allow",
    "Principal": {"Service": "events.amazonaws.com"},
    "Action": "sns:Publish",
    "Resource": TOPIC,
}


def topic_finding(policy: Any) -> bool:
    return topic_policy_finding(policy, topic_arn=TOPIC, rule_arn=RULE, account=ACCOUNT).allowed


def with_statements(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def test_the_default_topic_policy_does_not_let_eventbridge_publish() -> None:
    finding = topic_policy_finding(
        DEFAULT_TOPIC_POLICY, topic_arn=TOPIC, rule_arn=RULE, account=ACCOUNT
    )
    assert not finding.allowed
    assert finding.statement_to_add == topic_publish_statement(TOPIC, RULE)


def test_the_statement_to_add_makes_the_topic_policy_allow_this_rule_only() -> None:
    fixed = policy_with_statement(
        json.dumps(DEFAULT_TOPIC_POLICY), topic_publish_statement(TOPIC, RULE)
    )
    assert topic_finding(fixed)
    assert fixed["Statement"][0] == DEFAULT_TOPIC_POLICY["Statement"][0]
    assert not topic_policy_finding(
        fixed, topic_arn=TOPIC, rule_arn=OTHER_RULE, account=ACCOUNT
    ).allowed
    # An independent evaluator agrees: this rule may publish, another may not.
    for rule, decision in ((RULE, Decision.ALLOW), (OTHER_RULE, Decision.IMPLICIT_DENY)):
        request = Request(
            action="sns:Publish",
            resource=TOPIC,
            context={"aws:SourceArn": rule, "aws:SourceAccount": ACCOUNT},
            principal_service=EVENTS_PRINCIPAL,
        )
        assert evaluate(fixed, request) is decision


def test_adding_the_statement_twice_keeps_one_copy() -> None:
    statement = topic_publish_statement(TOPIC, RULE)
    twice = policy_with_statement(policy_with_statement(None, statement), statement)
    assert twice["Statement"] == [statement]
    assert twice["Version"] == "2012-10-17"


def test_the_documented_statement_without_a_condition_is_enough() -> None:
    assert topic_finding(with_statements(DOCUMENTED_EVENTS_STATEMENT))


def test_a_statement_pinned_to_another_rule_is_not_enough() -> None:
    pinned = {
        **DOCUMENTED_EVENTS_STATEMENT,
        "Condition": {"ArnEquals": {"aws:SourceArn": OTHER_RULE}},
    }
    assert not topic_finding(with_statements(pinned))


def test_wildcards_in_source_arn_action_and_principal_are_read() -> None:
    every_rule = {
        **DOCUMENTED_EVENTS_STATEMENT,
        "Action": "SNS:*",
        "Condition": {"ArnLike": {"AWS:SourceArn": f"arn:aws:events:{REGION}:{ACCOUNT}:rule/*"}},
    }
    assert topic_finding(with_statements(every_rule))
    anyone = {**DOCUMENTED_EVENTS_STATEMENT, "Principal": "*", "Resource": "*"}
    assert topic_finding(with_statements(anyone))


def test_a_statement_on_another_topic_or_action_is_not_enough() -> None:
    assert not topic_finding(with_statements({**DOCUMENTED_EVENTS_STATEMENT, "Resource": KEY}))
    assert not topic_finding(
        with_statements({**DOCUMENTED_EVENTS_STATEMENT, "Action": "sns:Subscribe"})
    )
    assert not topic_finding(
        with_statements(
            {**DOCUMENTED_EVENTS_STATEMENT, "Principal": {"Service": "s3.amazonaws.com"}}
        )
    )


def test_a_deny_that_applies_wins() -> None:
    deny = {**DOCUMENTED_EVENTS_STATEMENT, "Sid": "NoEvents", "Effect": "Deny"}
    assert not topic_finding(with_statements(DOCUMENTED_EVENTS_STATEMENT, deny))
    not_ours = {
        **deny,
        "Condition": {"StringNotEquals": {"aws:SourceAccount": ACCOUNT}},
    }
    assert topic_finding(with_statements(DOCUMENTED_EVENTS_STATEMENT, not_ours))
    foreign = {**deny, "Condition": {"StringNotEquals": {"aws:SourceAccount": "999999999999"}}}
    assert not topic_finding(with_statements(DOCUMENTED_EVENTS_STATEMENT, foreign))


def test_a_deny_on_everyone_but_eventbridge_does_not_apply() -> None:
    deny_others = {
        "Effect": "Deny",
        "NotPrincipal": {"Service": EVENTS_PRINCIPAL},
        "Action": "sns:Publish",
        "Resource": TOPIC,
    }
    assert topic_finding(with_statements(DOCUMENTED_EVENTS_STATEMENT, deny_others))


def test_a_condition_on_a_key_the_reader_cannot_know_gets_the_benefit_of_the_doubt() -> None:
    org_only = {
        **DOCUMENTED_EVENTS_STATEMENT,
        "Condition": {"StringEquals": {"aws:SourceOrgID": "o-abc123"}},
    }
    assert topic_finding(with_statements(org_only))
    deny_outside_org = {**org_only, "Effect": "Deny"}
    assert topic_finding(with_statements(DOCUMENTED_EVENTS_STATEMENT, deny_outside_org))


def test_no_policy_grants_nothing() -> None:
    assert not topic_finding(None)
    assert not topic_finding("{}")


# The default key policy: the account's IAM policies decide (KMS Developer Guide, "Default key
# policy"); a service principal is not an IAM principal of the account.
DEFAULT_KEY_POLICY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Id": "key-default-1",
    "Statement": [
        {
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ],
}


def test_the_default_key_policy_does_not_let_eventbridge_use_the_key() -> None:
    finding = key_policy_finding(DEFAULT_KEY_POLICY, key_arn=KEY)
    assert not finding.allowed
    assert finding.statement_to_add == topic_key_statement()
    fixed = policy_with_statement(json.dumps(DEFAULT_KEY_POLICY), topic_key_statement())
    assert key_policy_finding(fixed, key_arn=KEY).allowed
    for action in ("kms:GenerateDataKey", "kms:Decrypt"):
        request = Request(action=action, resource=KEY, principal_service=EVENTS_PRINCIPAL)
        assert evaluate(fixed, request) is Decision.ALLOW


def test_a_key_policy_granting_only_decrypt_is_not_enough() -> None:
    decrypt_only = {**topic_key_statement(), "Action": "kms:Decrypt"}
    assert not key_policy_finding(with_statements(decrypt_only), key_arn=KEY).allowed
    everything = {**topic_key_statement(), "Action": "kms:*"}
    assert key_policy_finding(json.dumps(with_statements(everything)), key_arn=KEY).allowed


# The property: on policies built from the parts above, whose conditions use only keys the
# request carries, the reader and the independent test evaluator agree.
PRINCIPALS = st.sampled_from(["*", {"Service": EVENTS_PRINCIPAL}, {"Service": "s3.amazonaws.com"}])
ACTIONS = st.sampled_from(["sns:Publish", "SNS:Publish", "sns:*", "sns:Subscribe"])
RESOURCES = st.sampled_from([TOPIC, "*", f"arn:aws:sns:{REGION}:{ACCOUNT}:*", KEY])
CONDITIONS = st.sampled_from(
    [
        None,
        {"ArnEquals": {"aws:SourceArn": RULE}},
        {"ArnEquals": {"aws:SourceArn": OTHER_RULE}},
        {"ArnLike": {"aws:SourceArn": f"arn:aws:events:{REGION}:{ACCOUNT}:rule/*"}},
        {"ArnNotEquals": {"aws:SourceArn": OTHER_RULE}},
        {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
        {"StringEquals": {"aws:SourceAccount": "999999999999"}},
    ]
)
STATEMENTS = st.builds(
    lambda effect, principal, action, resource, condition: {
        "Effect": effect,
        "Principal": principal,
        "Action": action,
        "Resource": resource,
        **({"Condition": condition} if condition else {}),
    },
    st.sampled_from(["Allow", "Deny"]),
    PRINCIPALS,
    ACTIONS,
    RESOURCES,
    CONDITIONS,
)


@settings(max_examples=400, deadline=None)
@given(statements=st.lists(STATEMENTS, min_size=1, max_size=4))
def test_the_reader_agrees_with_the_test_evaluator(statements: list[dict[str, Any]]) -> None:
    document = with_statements(*statements)
    context = {"aws:SourceArn": RULE, "aws:SourceAccount": ACCOUNT}
    reader = allows(document, ServiceRequest(EVENTS_PRINCIPAL, "sns:Publish", TOPIC, context))
    request = Request("sns:Publish", TOPIC, context, principal_service=EVENTS_PRINCIPAL)
    assert reader == (evaluate(document, request) is Decision.ALLOW)
