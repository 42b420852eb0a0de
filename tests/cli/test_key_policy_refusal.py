"""A key the execution role cannot use is refused by `apply` with one error, writing nothing."""

from __future__ import annotations

import json

import pytest

from tests.cli.runner import run_cli
from tests.conftest import EmulatedAccount

pytestmark = pytest.mark.slow


def test_apply_refuses_a_key_policy_that_shuts_out_the_execution_role(
    emulated_account: EmulatedAccount,
) -> None:
    prereqs = emulated_account.prereqs
    clients = emulated_account.clients
    caller = clients.sts.get_caller_identity()["Arn"]
    only_the_caller = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": caller}, "Action": "kms:*", "Resource": "*"}
        ],
    }
    clients.kms.put_key_policy(
        KeyId=prereqs.kms_key_arn, PolicyName="default", Policy=json.dumps(only_the_caller)
    )

    result = run_cli(
        "apply",
        "--auto-approve",
        "-c",
        str(emulated_account.configs["daily-report"]),
        "--endpoint-url",
        emulated_account.endpoint_url,
    )

    assert result.returncode == 1, result.stdout + result.stderr
    assert "preflight failed, nothing was written" in result.stderr
    assert "does not let the execution role" in result.stderr
    assert "through SQS (for the dead-letter queue)" in result.stderr
    assert "Traceback" not in result.stderr
    groups = clients.scheduler.list_schedule_groups()["ScheduleGroups"]
    assert [group["Name"] for group in groups] == ["default"]
    assert clients.sqs.list_queues().get("QueueUrls", []) == []
