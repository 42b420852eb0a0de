"""The test evaluator itself follows IAM's rules, so the policy tables can be trusted."""

from __future__ import annotations

from typing import Any

import pytest

from tests.model.iam_evaluator import Decision, Request, evaluate


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


ALLOW_ALL_S3 = {"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::bucket/*"}


def test_an_allow_is_needed_and_an_explicit_deny_wins() -> None:
    request = Request("s3:GetObject", "arn:aws:s3:::bucket/key")
    assert evaluate(_policy(), request) == Decision.IMPLICIT_DENY
    assert evaluate(_policy(ALLOW_ALL_S3), request) == Decision.ALLOW
    deny = {"Effect": "Deny", "Action": "*", "Resource": "*"}
    assert evaluate(_policy(ALLOW_ALL_S3, deny), request) == Decision.EXPLICIT_DENY


@pytest.mark.parametrize(
    ("pattern", "value", "matches"),
    [
        ("arn:aws:s3:::b?cket/*", "arn:aws:s3:::bucket/a/b", True),
        ("arn:aws:s3:::b?cket/*", "arn:aws:s3:::buucket/a", False),
        ("arn:aws:s3:::bucket/*", "arn:aws:s3:::Bucket/a", False),
    ],
)
def test_resource_wildcards_are_case_sensitive(pattern: str, value: str, matches: bool) -> None:
    policy = _policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": pattern})
    expected = Decision.ALLOW if matches else Decision.IMPLICIT_DENY
    assert evaluate(policy, Request("s3:getobject", value)) == expected


def _with_condition(condition: dict[str, Any]) -> dict[str, Any]:
    return _policy({**ALLOW_ALL_S3, "Condition": condition})


@pytest.mark.parametrize(
    ("condition", "context", "allowed"),
    [
        ({"StringEquals": {"k": ["a", "b"]}}, {"k": "b"}, True),  # values are ORed
        ({"StringEquals": {"k": "a", "j": "b"}}, {"k": "a"}, False),  # keys are ANDed
        ({"StringEquals": {"k": "a"}, "Bool": {"t": "true"}}, {"k": "a", "t": "false"}, False),
        ({"StringLike": {"k": "a*"}}, {"k": "abc"}, True),
        ({"StringEquals": {"k": "a*"}}, {"k": "abc"}, False),
        ({"ArnLike": {"k": "arn:aws:sqs:*:1:q"}}, {"k": "arn:aws:sqs:eu-west-1:1:q"}, True),
        ({"ArnEquals": {"k": "arn:aws:sqs:*:1:q"}}, {"k": "not-an-arn"}, False),
        ({"ForAnyValue:StringEquals": {"k": "a"}}, {"k": ["x", "a"]}, True),
        ({"ForAnyValue:StringEquals": {"k": "a"}}, {}, False),
        ({"ForAllValues:StringEquals": {"k": "a"}}, {"k": ["a", "x"]}, False),
        ({"ForAllValues:StringEquals": {"k": "a"}}, {}, True),
        ({"StringEquals": {"k": "a"}}, {"k": ["x", "a"]}, True),
        ({"Bool": {"t": "false"}}, {}, False),
        ({"ArnNotEquals": {"k": "arn:aws:iam::1:role/r"}}, {"k": "arn:aws:iam::1:role/r"}, False),
        ({"ArnNotEquals": {"k": "arn:aws:iam::1:role/r"}}, {"k": "arn:aws:iam::1:role/x"}, True),
        ({"ArnNotEquals": {"k": "arn:aws:iam::1:role/r"}}, {}, True),  # absent key: negated holds
        (
            {"ArnLike": {"k": "arn:aws:scheduler:*:1:schedule/g/*"}},
            {"k": "arn:aws:scheduler:us-east-1:1:schedule/g/s"},
            True,
        ),
    ],
)
def test_conditions_follow_iam(
    condition: dict[str, Any], context: dict[str, Any], allowed: bool
) -> None:
    request = Request("s3:GetObject", "arn:aws:s3:::bucket/key", context)
    expected = Decision.ALLOW if allowed else Decision.IMPLICIT_DENY
    assert evaluate(_with_condition(condition), request) == expected


def test_a_service_principal_must_match() -> None:
    policy = _policy({**ALLOW_ALL_S3, "Principal": {"Service": "scheduler.amazonaws.com"}})
    request = Request("s3:GetObject", "arn:aws:s3:::bucket/key")
    assert evaluate(policy, request) == Decision.IMPLICIT_DENY
    as_scheduler = Request(
        request.action, request.resource, principal_service="scheduler.amazonaws.com"
    )
    assert evaluate(policy, as_scheduler) == Decision.ALLOW


def test_an_iam_principal_must_match() -> None:
    role = "arn:aws:iam::123456789012:role/writer"
    policy = _policy({**ALLOW_ALL_S3, "Principal": {"AWS": role}})
    request = Request("s3:GetObject", "arn:aws:s3:::bucket/key")
    assert evaluate(policy, request) == Decision.IMPLICIT_DENY
    other = Request(request.action, request.resource, principal_arn=f"{role}-2")
    assert evaluate(policy, other) == Decision.IMPLICIT_DENY
    as_role = Request(request.action, request.resource, principal_arn=role)
    assert evaluate(policy, as_role) == Decision.ALLOW
