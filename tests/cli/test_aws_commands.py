"""The AWS commands through the real entry point, against the emulator over HTTP."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.runner import run_cli
from tests.conftest import EmulatedAccount
from tests.prewarmed import shared

pytestmark = pytest.mark.slow


def aws_args(account: EmulatedAccount, example: str) -> list[str]:
    return ["-c", str(account.configs[example]), "--endpoint-url", account.endpoint_url]


def owned_groups(account: EmulatedAccount) -> list[str]:
    groups = account.clients.scheduler.list_schedule_groups()["ScheduleGroups"]
    return [group["Name"] for group in groups if group["Name"] != "default"]


def test_plan_apply_plan_outputs_destroy_cycle(emulated_account: EmulatedAccount) -> None:
    args = aws_args(emulated_account, "multi-schedule")

    before = run_cli("plan", "--detailed-exitcode", *args)
    assert before.returncode == 2, before.stderr
    assert 'module.sync-orders.aws_scheduler_schedule.ecs["weekend"] will be created' in (
        before.stdout
    )
    assert "Plan: 12 to add, 0 to change, 0 to replace, 0 to destroy." in before.stdout

    applied = run_cli("apply", "--auto-approve", *args)
    assert applied.returncode == 0, applied.stderr
    assert "Apply complete." in applied.stdout

    after = run_cli("plan", "--detailed-exitcode", "--json", *args)
    assert after.returncode == 0, after.stdout + after.stderr
    document = json.loads(after.stdout)
    assert document["changes"] == []
    assert set(document["summary"]) >= {"create", "update", "replace", "delete"}
    assert not any(document["summary"].values())

    outputs = run_cli("outputs", "--json", *args)
    assert outputs.returncode == 0, outputs.stderr
    job_outputs = json.loads(outputs.stdout)["sync-orders"]
    assert set(job_outputs["schedule_arns"]) == {"", "evening", "weekend"}
    assert job_outputs["role_arn"].startswith("arn:aws:iam::123456789012:role/")
    assert job_outputs["dlq_url"].endswith(job_outputs["dlq_name"])

    destroyed = run_cli("destroy", "--auto-approve", *args)
    assert destroyed.returncode == 0, destroyed.stderr
    assert "12 to destroy" in destroyed.stdout
    assert owned_groups(emulated_account) == []


def test_apply_without_a_terminal_needs_auto_approve(emulated_account: EmulatedAccount) -> None:
    result = run_cli("apply", *aws_args(emulated_account, "daily-report"), stdin="")
    assert result.returncode == 1
    assert "--auto-approve" in result.stderr
    assert owned_groups(emulated_account) == []


def test_failed_preflight_writes_nothing(emulated_account: EmulatedAccount, tmp_path: Path) -> None:
    config = emulated_account.configs["daily-report"]
    broken = tmp_path / "ecs-scheduler.yaml"
    broken.write_text(
        config.read_text()
        .replace(f"cluster/{emulated_account.prereqs.cluster_name}", "cluster/no-such-cluster")
        .replace(
            f"cluster_name: {emulated_account.prereqs.cluster_name}",
            "cluster_name: no-such-cluster",
        )
    )
    result = run_cli(
        "apply",
        "--auto-approve",
        "-c",
        str(broken),
        "--endpoint-url",
        emulated_account.endpoint_url,
    )
    assert result.returncode == 1
    assert "preflight failed, nothing was written" in result.stderr
    assert "no-such-cluster" in result.stderr
    assert "Traceback" not in result.stderr
    assert owned_groups(emulated_account) == []


def test_region_flag_must_agree_with_the_config(emulated_account: EmulatedAccount) -> None:
    result = run_cli("plan", "--region", "eu-west-1", *aws_args(emulated_account, "daily-report"))
    assert result.returncode == 1
    assert "--region eu-west-1 disagrees" in result.stderr


def test_demo_runs_the_whole_cycle() -> None:
    # A process of its own (its emulator's moto state is its own), forked from a Python that
    # imported the CLI and moto once (tests/prewarmed.py); test_local_command runs the demo
    # through a fresh `python -m` too.
    result = shared().run(["demo"])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for step in (
        "1. ecs-scheduler validate",
        "3. ecs-scheduler apply",
        "No changes.",
        "Destroyed.",
    ):
        assert step in result.stdout


def test_a_plan_blocked_by_a_foreign_resource_never_says_aws_matches(
    emulated_account: EmulatedAccount,
) -> None:
    from ecs_scheduler.loader import load
    from ecs_scheduler.naming import names_for_job

    stack = load(emulated_account.configs["daily-report"]).stack
    queue = names_for_job(stack.stack, "daily-report", stack.jobs["daily-report"]).queue
    emulated_account.clients.sqs.create_queue(QueueName=queue)

    result = run_cli("plan", *aws_args(emulated_account, "daily-report"))

    assert result.returncode == 1
    assert "left alone" in result.stderr
    assert "No changes can be made: 1 resource(s) left alone" in result.stdout
    assert "matches the config" not in result.stdout
    assert owned_groups(emulated_account) == []
