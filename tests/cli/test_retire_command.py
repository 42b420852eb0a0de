"""plan and apply of a job that ``replaces`` a schedule, through the real entry point, against
the emulator over HTTP: the retire line in text and JSON, the retirement applied after the
job's creates, what is left behind, and a replaced ARN the stack owns stopping the plan."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from ecs_scheduler.naming import MANAGED_BY_VALUE, TAG_JOB, TAG_MANAGED_BY, TAG_STACK
from tests.cli.runner import run_cli
from tests.conftest import EmulatedAccount
from tests.engines.aws.test_cutover_apply import TRUST, busy_rule
from tests.engines.aws.test_import import ecs_parameters

pytestmark = pytest.mark.slow

JOB = "daily-report"


def config_replacing(account: EmulatedAccount, tmp_path: Path, arn: str) -> list[str]:
    document = yaml.safe_load(account.configs[JOB].read_text(encoding="utf-8"))
    document["jobs"][JOB]["replaces"] = [arn]
    config = tmp_path / "ecs-scheduler.yaml"
    config.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return ["-c", str(config), "--endpoint-url", account.endpoint_url]


def legacy_schedule(account: EmulatedAccount, group: str, tags: dict[str, str]) -> str:
    clients, prereqs = account.clients, account.prereqs
    role = clients.iam.create_role(RoleName=f"{group}-runner", AssumeRolePolicyDocument=TRUST)
    clients.scheduler.create_schedule_group(
        Name=group, Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
    )
    arn: str = clients.scheduler.create_schedule(
        Name="report",
        GroupName=group,
        ScheduleExpression="cron(0 6 * * ? *)",
        ScheduleExpressionTimezone="America/New_York",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={
            "Arn": prereqs.cluster_arn,
            "RoleArn": role["Role"]["Arn"],
            "EcsParameters": ecs_parameters(prereqs),
        },
    )["ScheduleArn"]
    return arn


def test_plan_shows_the_retirement_and_apply_ends_the_old_schedule(
    emulated_account: EmulatedAccount, tmp_path: Path
) -> None:
    arn = legacy_schedule(emulated_account, "legacy", {"ResourceOwner": "data-team"})
    args = config_replacing(emulated_account, tmp_path, arn)

    planned = run_cli("plan", "--detailed-exitcode", *args)
    assert planned.returncode == 2, planned.stderr
    assert f"retire schedule {arn} (job {JOB}): end at " in planned.stdout
    assert "(ActionAfterCompletion DELETE), where its replacement starts" in planned.stdout
    assert "to destroy, 1 to retire." in planned.stdout
    assert "not yet performed" not in planned.stdout + planned.stderr
    as_json = run_cli("plan", "--json", *args)
    [retirement] = json.loads(as_json.stdout)["retirements"]
    assert (retirement["arn"], retirement["action"], retirement["job"]) == (arn, "end", JOB)

    applied = run_cli("apply", "--auto-approve", *args)
    assert applied.returncode == 0, applied.stderr
    assert f"retire {arn}: end done" in applied.stdout
    assert "Left behind" in applied.stdout
    assert "aws iam delete-role --role-name legacy-runner" in applied.stdout
    assert "aws scheduler delete-schedule-group --region us-east-1 --name legacy" in (
        applied.stdout
    )
    old = emulated_account.clients.scheduler.get_schedule(Name="report", GroupName="legacy")
    assert old["ActionAfterCompletion"] == "DELETE"
    # apply planned again, a moment later: the old schedule ends where the new one starts.
    scheduler = emulated_account.clients.scheduler
    [new] = [
        scheduler.get_schedule(Name=summary["Name"], GroupName=summary["GroupName"])
        for summary in scheduler.list_schedules()["Schedules"]
        if summary["GroupName"] != "legacy"
    ]
    assert old["EndDate"] == new["StartDate"] >= datetime.fromisoformat(retirement["at"])

    after = run_cli("plan", "--detailed-exitcode", *args)
    assert after.returncode == 0, after.stdout + after.stderr
    assert "No changes." in after.stdout
    assert f"retire schedule {arn} (job {JOB}): none" in after.stdout


def test_a_replaced_arn_the_stack_owns_stops_plan_and_apply(
    emulated_account: EmulatedAccount, tmp_path: Path
) -> None:
    owned = {TAG_MANAGED_BY: MANAGED_BY_VALUE, TAG_STACK: "reporting", TAG_JOB: "other"}
    arn = legacy_schedule(emulated_account, "mine", owned)
    args = config_replacing(emulated_account, tmp_path, arn)

    for command in (["plan"], ["apply", "--auto-approve"]):
        result = run_cli(*command, *args)
        assert result.returncode == 1, result.stdout + result.stderr
        assert "which stack reporting itself owns" in " ".join(result.stderr.split())
    groups = emulated_account.clients.scheduler.list_schedule_groups()["ScheduleGroups"]
    assert sorted(group["Name"] for group in groups) == ["default", "mine"]


def test_a_refused_cut_over_exits_1_from_plan_and_apply_and_says_so(
    emulated_account: EmulatedAccount, tmp_path: Path
) -> None:
    events = emulated_account.clients.events
    rule = busy_rule(emulated_account)
    args = config_replacing(emulated_account, tmp_path, rule)

    planned = run_cli("plan", *args)
    applied = run_cli("apply", "--auto-approve", *args)

    for result in (planned, applied):
        assert result.returncode == 1, result.stderr
        assert f"1 cut-over(s) refused (job {JOB})" in result.stderr
    assert events.describe_rule(Name="busy")["State"] == "ENABLED"
    # The job's other resources were made; its schedules were held back.
    assert emulated_account.clients.scheduler.list_schedules()["Schedules"] == []
