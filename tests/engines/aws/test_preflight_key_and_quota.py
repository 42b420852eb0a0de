"""Preflight refuses, before any write, a key the job cannot use and a quota it would pass."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from ecs_scheduler.engines.aws.preflight import SCHEDULE_GROUP_QUOTA, PreflightReport, preflight
from ecs_scheduler.loader import loads
from ecs_scheduler.resources import DesiredState, build
from tests.conftest import EmulatedAccount

READ_ONLY_PREFIXES = ("Describe", "Get", "List")
JOB = "daily-report"


def _desired(account: EmulatedAccount, example: str = JOB) -> DesiredState:
    return build(loads(account.configs[example].read_text(encoding="utf-8")).stack)


def _role_arn(desired: DesiredState) -> str:
    return next(r.arn for r in desired.resources.values() if r.type == "aws_iam_role")


def _caller(account: EmulatedAccount) -> str:
    return str(account.clients.sts.get_caller_identity()["Arn"])


def _put_key_policy(account: EmulatedAccount, *statements: dict[str, Any]) -> None:
    account.clients.kms.put_key_policy(
        KeyId=account.prereqs.kms_key_arn,
        PolicyName="default",
        Policy=json.dumps({"Version": "2012-10-17", "Statement": list(statements)}),
    )


def _allow(principal: Any, action: Any = "kms:*", **condition: Any) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": "*"}
    if condition:
        statement["Condition"] = condition
    return statement


def _preflight_without_writing(
    account: EmulatedAccount, desired: DesiredState, **options: Any
) -> PreflightReport:
    before = Counter(account.clients.api_calls.calls)
    report = preflight(desired, account.clients, **options)
    made = Counter(account.clients.api_calls.calls) - before
    assert [call for call in made if not call.split(".")[1].startswith(READ_ONLY_PREFIXES)] == []
    return report


def _key_errors(account: EmulatedAccount, desired: DesiredState) -> list[str]:
    key = account.prereqs.kms_key_arn
    role = _role_arn(desired)
    caller = _caller(account)
    prefix = f"Job '{JOB}': the key policy of KMS key {key} does not let"
    advice = (
        "; allow it through the account's IAM policies (the account root principal, as the "
        "default key policy does) or name it there."
    )
    return [
        f"{prefix} the execution role {role} use kms:GenerateDataKey or kms:Decrypt through "
        f"SQS (for the dead-letter queue){advice}",
        f"{prefix} the execution role {role} use kms:Decrypt to decrypt schedule payloads{advice}",
        f"{prefix} the caller {caller} use kms:DescribeKey or kms:GenerateDataKey or kms:Decrypt "
        f"through EventBridge Scheduler (to encrypt schedule payloads){advice}",
    ]


def test_a_key_policy_that_lets_neither_role_nor_caller_use_the_key_is_refused(
    emulated_account: EmulatedAccount,
) -> None:
    account = emulated_account
    _put_key_policy(account, _allow({"AWS": f"arn:aws:iam::{account.prereqs.account_id}:role/x"}))
    desired = _desired(account)

    report = _preflight_without_writing(account, desired)

    assert report.errors == tuple(_key_errors(account, desired))
    # The job has no SNS topic: its task-failure rule's warning is the only one.
    assert [warning for warning in report.warnings if "nobody is told" not in warning] == []


def test_a_key_policy_naming_the_role_and_the_caller_is_enough(
    emulated_account: EmulatedAccount,
) -> None:
    account = emulated_account
    desired = _desired(account)
    _put_key_policy(account, _allow({"AWS": [_role_arn(desired), _caller(account)]}))
    assert _preflight_without_writing(account, desired).errors == ()


@pytest.mark.parametrize(
    ("statements", "refused"),
    [
        pytest.param([_allow("*")], set(), id="everyone"),
        pytest.param([_allow({"AWS": "123456789012"})], set(), id="the account by id"),
        pytest.param(
            [_allow({"Service": ["scheduler.amazonaws.com", "sqs.amazonaws.com"]})],
            {0, 1, 2},
            id="only service principals (they never use the key)",
        ),
        pytest.param(
            [
                _allow(
                    {"AWS": "*"},
                    ["kms:GenerateDataKey*", "kms:Decrypt", "kms:DescribeKey"],
                    StringEquals={
                        "kms:CallerAccount": "123456789012",
                        "kms:ViaService": ["sqs.us-east-1.amazonaws.com"],
                    },
                )
            ],
            {1, 2},
            id="the account through SQS only (like an AWS managed key)",
        ),
        pytest.param(
            [
                _allow({"AWS": "arn:aws:iam::123456789012:root"}),
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "kms:Decrypt",
                    "Resource": "*",
                    "Condition": {"StringLike": {"kms:ViaService": "sqs.*"}},
                },
            ],
            {0},
            id="root, but decrypting through SQS denied",  # "use kms:Decrypt through SQS"
        ),
        pytest.param(
            [
                _allow(
                    {"AWS": "arn:aws:iam::123456789012:root"},
                    "kms:*",
                    StringEquals={"aws:PrincipalTag/team": "data"},
                )
            ],
            set(),
            id="a condition preflight cannot tell is given the benefit of the doubt",
        ),
        pytest.param(
            [_allow({"AWS": "arn:aws:iam::123456789012:root"}, "kms:Encrypt")],
            {0, 1, 2},
            id="root without the actions the job needs",
        ),
    ],
)
def test_key_policy_statements_are_read_as_kms_would(
    emulated_account: EmulatedAccount, statements: list[dict[str, Any]], refused: set[int]
) -> None:
    account = emulated_account
    _put_key_policy(account, *statements)
    desired = _desired(account)
    report = _preflight_without_writing(account, desired)
    uses = ("through SQS", "to decrypt schedule payloads", "through EventBridge Scheduler")
    assert [
        next(index for index, use in enumerate(uses) if f" {use}" in error)
        for error in report.errors
    ] == sorted(refused)
    assert all("the key policy of KMS key" in error for error in report.errors)


def test_a_role_named_with_a_path_still_counts_for_a_caller_session() -> None:
    from ecs_scheduler.engines.aws.preflight import _Principal

    session = _Principal.of_caller("arn:aws:sts::123456789012:assumed-role/deployer/ci")
    assert session.named_by("arn:aws:iam::123456789012:role/pipelines/deployer")
    assert session.named_by("arn:aws:iam::123456789012:root")
    assert not session.named_by("arn:aws:iam::123456789012:role/deployer-2")
    assert not session.named_by("arn:aws:iam::210987654321:role/deployer")


def _create_groups(account: EmulatedAccount, count: int) -> None:
    for index in range(count):
        account.clients.scheduler.create_schedule_group(Name=f"someone-elses-{index}")


def test_the_schedule_group_quota_is_the_documented_500() -> None:
    assert SCHEDULE_GROUP_QUOTA == 500


def test_a_plan_that_would_pass_the_schedule_group_quota_is_refused_before_any_write(
    emulated_account: EmulatedAccount,
) -> None:
    account = emulated_account
    desired = _desired(account, "daily-report")
    _create_groups(account, 2)  # with "default": 3 groups

    assert _preflight_without_writing(account, desired, schedule_group_quota=4).errors == ()
    report = _preflight_without_writing(account, desired, schedule_group_quota=3)

    assert report.errors == (
        "This config needs 1 new schedule group(s) (one per job), but the account already has "
        "3 in us-east-1: 4 would pass EventBridge Scheduler's quota of 3 schedule groups per "
        "account and Region.",
    )


def test_groups_the_config_already_has_are_not_counted_twice(
    emulated_account: EmulatedAccount,
) -> None:
    account = emulated_account
    desired = _desired(account, "daily-report")
    group = next(r for r in desired.resources.values() if r.type == "aws_scheduler_schedule_group")
    account.clients.scheduler.create_schedule_group(Name=group.aws_name)
    # default + this job's own group: nothing new is needed, so a full account is fine.
    assert _preflight_without_writing(account, desired, schedule_group_quota=2).errors == ()
