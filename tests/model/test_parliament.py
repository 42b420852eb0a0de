"""Every policy document passes parliament, the IAM policy linter, without findings."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Any

import pytest
from parliament import analyze_policy_string

from ecs_scheduler.resources import DesiredState, LookupAttribute, build, resolve
from tests.model.factories import ACCOUNT, REGION, make_stack

ALIAS_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/ecs-scheduler"
LOOKED_UP: dict[LookupAttribute, str | None] = {
    "task_definition_arn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/report:4",
    "task_role_arn": f"arn:aws:iam::{ACCOUNT}:role/report-task",
    "execution_role_arn": f"arn:aws:iam::{ACCOUNT}:role/ecs-task-execution",
}

# Parliament types every ``kms:EncryptionContext:`` key as a String and flags an ARN operator
# on it. The context value Scheduler sends is the schedule's ARN (EventBridge Scheduler User
# Guide, "Encryption at rest"), and ARN operators on an ARN-valued encryption context are what
# AWS itself documents for CloudWatch Logs (``ArnLike kms:EncryptionContext:aws:logs:arn``,
# CloudWatch Logs User Guide, "Encrypt log data in CloudWatch Logs using AWS KMS").
ENCRYPTION_CONTEXT_AS_ARN = (
    "MISMATCHED_TYPE",
    "Type mismatch: ArnLike requires a value of type Arn but given String",
)


@cache
def _desired() -> DesiredState:
    stack = make_stack(
        {
            "with-key": {
                "additional_schedules": [
                    {
                        "name": "weekend",
                        "schedule_expression": "rate(7 days)",
                        "overrides": {"taskRoleArn": f"arn:aws:iam::{ACCOUNT}:role/weekend"},
                    }
                ]
            },
            "with-alias": {"kms_key_arn": ALIAS_ARN},
        }
    )
    built = build(stack)
    return resolve(built, {job: LOOKED_UP for job in stack.jobs})


def _documents(property_name: str) -> list[Any]:
    return [
        pytest.param(resource.properties[property_name], id=resource.job)
        for resource in _desired().resources.values()
        if property_name in resource.properties
    ]


def _findings(document: Mapping[str, Any], *, community: bool = False) -> list[tuple[str, str]]:
    policy = analyze_policy_string(json.dumps(document), include_community_auditors=community)
    return [(finding.issue, finding.detail) for finding in policy.findings]


def _condition_keys_of_kms_key_resource() -> set[str]:
    """The condition keys parliament's own IAM data lists for the KMS ``key`` resource type."""
    import parliament

    kms = next(service for service in parliament.iam_definition if service["prefix"] == "kms")
    key = next(resource for resource in kms["resources"] if resource["resource"] == "key")
    return set(key["condition_keys"])


@pytest.mark.parametrize("document", _documents("PolicyDocument"))
def test_execution_role_policy_has_no_findings(document: Mapping[str, Any]) -> None:
    findings = _findings(document)
    # Parliament checks condition keys against each action's own list only, not against the
    # keys of the resource type; AWS lists kms:ResourceAliases under the KMS key resource
    # (and so does parliament's data, asserted here), which is how an alias ARN is scoped.
    resource_level = [
        finding
        for finding in findings
        if finding[0] == "UNKNOWN_CONDITION_FOR_ACTION"
        and "Unknown condition kms:ResourceAliases for action" in finding[1]
    ]
    assert not resource_level or "kms:ResourceAliases" in _condition_keys_of_kms_key_resource()
    assert [
        finding
        for finding in findings
        if finding not in resource_level and finding != ENCRYPTION_CONTEXT_AS_ARN
    ] == []
    assert findings.count(ENCRYPTION_CONTEXT_AS_ARN) == 1


def test_only_the_schedule_payload_statement_compares_an_encryption_context_as_an_arn() -> None:
    """Where parliament's MISMATCHED_TYPE comes from, so that it cannot hide another one."""
    document = (
        _desired()
        .resources["module.with-key.aws_iam_role_policy.scheduler"]
        .properties["PolicyDocument"]
    )
    arn_like = [
        (statement["Sid"], key)
        for statement in document["Statement"]
        for key in statement.get("Condition", {}).get("ArnLike", {})
    ]
    assert arn_like == [
        ("DecryptThisGroupsSchedulePayloads", "kms:EncryptionContext:aws:scheduler:schedule:arn")
    ]


@pytest.mark.parametrize("document", _documents("PolicyDocument"))
def test_community_auditors_flag_only_the_pass_role_the_design_requires(
    document: Mapping[str, Any],
) -> None:
    issues = {issue for issue, _ in _findings(document, community=True)}
    assert issues - {"UNKNOWN_CONDITION_FOR_ACTION", ENCRYPTION_CONTEXT_AS_ARN[0]} == {
        "PERMISSIONS_MANAGEMENT_ACTIONS"
    }


@pytest.mark.parametrize("document", _documents("Policy"))
def test_queue_policy_has_no_findings(document: Mapping[str, Any]) -> None:
    assert _findings(document) == []
    assert _findings(document, community=True) == []


@pytest.mark.parametrize("document", _documents("AssumeRolePolicyDocument"))
def test_trust_policy_has_no_findings(document: Mapping[str, Any]) -> None:
    # Parliament reads every document as an identity policy and stops at the missing
    # Resource of a trust policy (its own source says trust policies are not supported).
    # Given the resource a trust policy implicitly applies to (the role), it checks the rest.
    assert _findings(document) == [
        ("MALFORMED", "Statement contains neither Resource nor NotResource")
    ]
    role = f"arn:aws:iam::{ACCOUNT}:role/any"
    with_resource = {
        **document,
        "Statement": [{**statement, "Resource": role} for statement in document["Statement"]],
    }
    assert _findings(with_resource) == []
    # The community auditor flags every sts:AssumeRole grant: granting it is a trust
    # policy's one purpose, and the conditions above scope it to this group.
    assert _findings(with_resource, community=True) == [("CREDENTIALS_EXPOSURE", "")]
