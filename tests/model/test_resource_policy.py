"""The resource-policy reader: keys a request is known to lack, and what it cannot know."""

from __future__ import annotations

from typing import Any

import pytest

from ecs_scheduler.resource_policy import ServiceRequest, allows

TOPIC = "arn:aws:sns:eu-west-1:123456789012:alerts"
REQUEST = ServiceRequest(
    service="events.amazonaws.com",
    action="sns:Publish",
    resource=TOPIC,
    context={"aws:SourceArn": "arn:aws:events:eu-west-1:123456789012:rule/r"},
    absent=frozenset({"aws:SourceOwner"}),
)


def allowed_with(condition: Any) -> bool:
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sns:Publish",
        "Resource": TOPIC,
        "Condition": condition,
    }
    return allows({"Statement": statement}, REQUEST)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        # A key the request does not carry: plain operators fail, the others hold (as in IAM).
        ({"StringEquals": {"aws:SourceOwner": "123456789012"}}, False),
        ({"StringEqualsIfExists": {"aws:SourceOwner": "123456789012"}}, True),
        ({"StringNotEquals": {"aws:SourceOwner": "123456789012"}}, True),
        ({"ForAllValues:StringEquals": {"aws:SourceOwner": "123456789012"}}, True),
        ({"Null": {"aws:SourceOwner": "true"}}, True),
        ({"Null": {"aws:SourceOwner": "false"}}, False),
        # A key it carries; key names are case-insensitive, values are not.
        ({"Null": {"aws:sourcearn": "false"}}, True),
        ({"ArnEquals": {"AWS:SourceArn": "arn:aws:events:eu-west-1:123456789012:rule/*"}}, True),
        (
            {"StringEquals": {"aws:SourceArn": "ARN:AWS:EVENTS:EU-WEST-1:123456789012:RULE/R"}},
            False,
        ),
        (
            {
                "StringEqualsIgnoreCase": {
                    "aws:SourceArn": "ARN:AWS:EVENTS:EU-WEST-1:123456789012:RULE/R"
                }
            },
            True,
        ),
        # What the reader cannot judge is assumed to hold in an Allow.
        ({"StringEquals": {"aws:SourceOrgID": "o-abc"}}, True),
        ({"NumericLessThan": {"aws:SourceArn": "3"}}, True),
        ({"StringEquals": "not a block"}, True),
    ],
)
def test_conditions(condition: Any, expected: bool) -> None:
    assert allowed_with(condition) is expected


def test_a_single_bare_statement_is_read() -> None:
    statement = {"Effect": "Allow", "Principal": "*", "Action": "sns:*", "Resource": "*"}
    assert allows({"Statement": statement}, REQUEST)
    assert not allows({"Statement": {**statement, "Effect": "Deny"}}, REQUEST)


def test_not_action_and_not_resource_are_read() -> None:
    everything_but_publish = {
        "Effect": "Allow",
        "Principal": "*",
        "NotAction": "sns:Publish",
        "Resource": "*",
    }
    assert not allows({"Statement": [everything_but_publish]}, REQUEST)
    other_resources = {"Effect": "Allow", "Principal": "*", "Action": "*", "NotResource": TOPIC}
    assert not allows({"Statement": [other_resources]}, REQUEST)
