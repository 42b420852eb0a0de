"""The canonical form: shapes AWS treats as equal compare equal, so plans do not flap."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import given, settings
from hypothesis import strategies as st

from ecs_scheduler.engines.aws import scheduler
from ecs_scheduler.engines.aws.canonical import canonical_policy, diff
from ecs_scheduler.engines.aws.registry import canonical_properties

KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

actions = st.lists(
    st.sampled_from(["ecs:RunTask", "ecs:TagResource", "sqs:SendMessage", "kms:Decrypt"]),
    min_size=1,
    max_size=4,
    unique=True,
)
statements = st.lists(
    st.fixed_dictionaries(
        {
            "Sid": st.from_regex(r"[A-Za-z]{1,8}", fullmatch=True),
            "Effect": st.sampled_from(["Allow", "Deny"]),
            "Action": actions,
            "Resource": st.lists(
                st.sampled_from(["*", "arn:aws:sqs:us-east-1:123456789012:q"]),
                min_size=1,
                max_size=2,
                unique=True,
            ),
        }
    ),
    min_size=1,
    max_size=4,
)


def _reshaped(statement: dict[str, Any], permutation: st.DataObject) -> dict[str, Any]:
    """The same statement as a person or AWS might write it: scalars, reordered lists."""
    result = dict(statement)
    for key in ("Action", "Resource"):
        values = permutation.draw(st.permutations(statement[key]))
        result[key] = values[0] if len(values) == 1 else values
    return result


@settings(deadline=None)  # timing on a shared machine is not what these test
@given(statements=statements, data=st.data())
def test_policy_shape_and_order_do_not_matter(
    statements: list[dict[str, Any]], data: st.DataObject
) -> None:
    written = {"Version": "2012-10-17", "Statement": statements}
    reordered = data.draw(st.permutations(statements))
    returned = {
        "Version": "2012-10-17",
        "Statement": [_reshaped(statement, data) for statement in reordered],
    }

    assert canonical_policy(written) == canonical_policy(json.dumps(returned))


def test_a_wider_policy_is_a_difference() -> None:
    narrow = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ecs:RunTask"}]}
    wide = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ecs:*"}]}

    assert diff(
        {"PolicyDocument": canonical_policy(wide)}, {"PolicyDocument": canonical_policy(narrow)}
    ) == {"PolicyDocument": (canonical_policy(wide), canonical_policy(narrow))}


@settings(deadline=None)  # timing on a shared machine is not what these test
@given(
    subnets=st.permutations(["subnet-1", "subnet-2", "subnet-3"]),
    offset_hours=st.integers(min_value=-12, max_value=14),
)
def test_schedules_as_sent_and_as_returned_are_equal(subnets: list[str], offset_hours: int) -> None:
    start = datetime(2031, 1, 1, 12, tzinfo=UTC)
    sent = {
        "ScheduleExpression": "rate(1 hour)",
        "StartDate": start.astimezone(timezone(timedelta(hours=offset_hours))),
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "KmsKeyArn": KEY_ARN,
        "Target": {
            "Arn": "arn:aws:ecs:us-east-1:123456789012:cluster/c",
            "Input": {"cpu": "256"},
            "EcsParameters": {
                "TaskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/t:1",
                "NetworkConfiguration": {
                    "awsvpcConfiguration": {"Subnets": ["subnet-1", "subnet-2", "subnet-3"]}
                },
            },
        },
    }
    returned = {
        "Name": "s",
        "GroupName": "g",
        "ScheduleExpression": "rate(1 hour)",
        "ScheduleExpressionTimezone": "UTC",
        "State": "ENABLED",
        "ActionAfterCompletion": "NONE",
        "StartDate": start,
        "Description": "",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "KmsKeyArn": KEY_ARN,
        "Target": {
            "Arn": "arn:aws:ecs:us-east-1:123456789012:cluster/c",
            "Input": '{"cpu": "256"}',
            "RetryPolicy": {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185},
            "EcsParameters": {
                "TaskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/t:1",
                "TaskCount": 1,
                "EnableECSManagedTags": False,
                "EnableExecuteCommand": False,
                "NetworkConfiguration": {
                    "awsvpcConfiguration": {"Subnets": subnets, "AssignPublicIp": "DISABLED"}
                },
            },
        },
    }

    assert (
        diff(
            canonical_properties("aws_scheduler_schedule", returned),
            canonical_properties("aws_scheduler_schedule", sent),
        )
        == {}
    )


def test_a_schedule_on_the_aws_owned_key_differs_from_one_on_the_jobs_key() -> None:
    """GetSchedule omits KmsKeyArn for the AWS owned key: that is drift, not a default."""
    on_the_jobs_key = {"ScheduleExpression": "rate(1 hour)", "KmsKeyArn": KEY_ARN}
    on_the_aws_owned_key = {"ScheduleExpression": "rate(1 hour)"}

    assert diff(
        canonical_properties("aws_scheduler_schedule", on_the_aws_owned_key),
        canonical_properties("aws_scheduler_schedule", on_the_jobs_key),
    ) == {"KmsKeyArn": (None, KEY_ARN)}


def test_a_start_date_in_the_past_is_the_same_as_none() -> None:
    past = {
        "ScheduleExpression": "rate(1 hour)",
        "StartDate": datetime(2020, 1, 1, tzinfo=UTC),
    }
    none = {"ScheduleExpression": "rate(1 hour)"}

    assert canonical_properties("aws_scheduler_schedule", past) == canonical_properties(
        "aws_scheduler_schedule", none
    )


def _validation_error(message: str) -> ClientError:
    return ClientError(
        {"Error": {"Code": "ValidationException", "Message": message}}, "CreateSchedule"
    )


def test_a_role_not_yet_assumable_is_retried_with_backoff(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    delays: list[float] = []
    monkeypatch.setattr("ecs_scheduler.engines.aws.scheduler.time.sleep", delays.append)
    attempts = iter(
        [
            _validation_error(
                "The execution role you provide must allow AWS EventBridge Scheduler "
                "to assume the role."
            ),
            _validation_error("The execution role you provide must allow ... assume the role."),
        ]
    )

    def create() -> str:
        error = next(attempts, None)
        if error is not None:
            raise error
        return "created"

    assert scheduler.retry_until_role_usable(create) == "created"
    assert delays == [1.0, 2.0]


def test_other_validation_errors_are_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ecs_scheduler.engines.aws.scheduler.time.sleep", pytest.fail)

    def create() -> str:
        raise _validation_error("Invalid ScheduleExpression.")

    with pytest.raises(ClientError, match="Invalid ScheduleExpression"):
        scheduler.retry_until_role_usable(create)


leaves = st.one_of(st.integers(-3, 3), st.sampled_from(["a", "b"]), st.booleans())
# Canonical values never hold an empty map (it is pruned), so neither do these.
documents = st.recursive(
    leaves,
    lambda children: st.dictionaries(
        st.sampled_from(["X", "Y", "Z"]), children, min_size=1, max_size=3
    ),
    max_leaves=8,
).filter(lambda value: isinstance(value, dict))


@settings(deadline=None)  # timing on a shared machine is not what these test
@given(old=documents, new=documents)
def test_diff_is_empty_exactly_when_equal_and_names_only_changed_fields(
    old: dict[str, Any], new: dict[str, Any]
) -> None:
    changes = diff(old, new)

    assert (changes == {}) == (old == new)
    for path, (before, after) in changes.items():
        assert before != after
        assert _at(old, path) == before
        assert _at(new, path) == after


def _at(document: Any, path: str) -> Any:
    for key in path.split("."):
        document = document.get(key) if isinstance(document, dict) else None
    return document


def test_a_live_policy_in_a_shape_iam_would_not_write_is_compared_not_fatal() -> None:
    odd = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": ["*"], "Action": "sqs:*", "Condition": "nonsense"}
        ],
    }
    ours = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage"}],
    }

    assert canonical_policy(odd) == canonical_policy(odd)
    assert canonical_policy(odd) != canonical_policy(ours)
