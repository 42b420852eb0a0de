"""``plan --adopt`` and ``apply --adopt`` through the real entry point, on the emulator."""

from __future__ import annotations

import json

import pytest

from ecs_scheduler.loader import load
from ecs_scheduler.naming import TAG_STACK, names_for_job
from tests.cli.runner import run_cli
from tests.cli.test_aws_commands import aws_args
from tests.conftest import EmulatedAccount

pytestmark = pytest.mark.slow


def test_a_queue_made_by_hand_is_adopted_only_with_adopt(
    emulated_account: EmulatedAccount,
) -> None:
    stack = load(emulated_account.configs["daily-report"]).stack
    queue = names_for_job(stack.stack, "daily-report", stack.jobs["daily-report"]).queue
    sqs = emulated_account.clients.sqs
    url = sqs.create_queue(QueueName=queue)["QueueUrl"]
    args = aws_args(emulated_account, "daily-report")

    blocked = run_cli("plan", *args)
    assert blocked.returncode == 1
    assert "left alone" in blocked.stderr

    shown = run_cli("plan", "--adopt", *args)
    assert shown.returncode == 0, shown.stderr
    assert f"module.daily-report.aws_sqs_queue.dlq will be adopted — SQS queue {queue}" in (
        shown.stdout
    )
    assert f"+ tags.{TAG_STACK} = " in shown.stdout
    assert ", 1 to adopt." in shown.stdout

    as_json = run_cli("plan", "--adopt", "--json", *args)
    document = json.loads(as_json.stdout)
    adopted = [change for change in document["changes"] if change["action"] == "adopt"]
    assert [change["address"] for change in adopted] == ["module.daily-report.aws_sqs_queue.dlq"]
    old_tags, new_tags = adopted[0]["diff"]["tags"]
    assert (old_tags, new_tags[TAG_STACK]) == ({}, stack.stack)
    assert document["summary"]["adopt"] == 1
    assert TAG_STACK not in sqs.list_queue_tags(QueueUrl=url).get("Tags", {})

    applied = run_cli("apply", "--adopt", "--auto-approve", *args)
    assert applied.returncode == 0, applied.stderr
    assert "1 adopted" in applied.stdout
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"][TAG_STACK] == stack.stack

    after = run_cli("plan", "--detailed-exitcode", *args)
    assert after.returncode == 0, after.stdout + after.stderr
