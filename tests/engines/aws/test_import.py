"""``import`` on the emulator over real HTTP: a legacy account of untagged schedules, a
stack-owned schedule and EventBridge rules becomes a config that validates; nothing is
written to AWS."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from ecs_scheduler.engines.aws import AwsClients
from ecs_scheduler.engines.aws.importer import read_sources
from ecs_scheduler.local import Prerequisites
from ecs_scheduler.naming import MANAGED_BY_VALUE, TAG_JOB, TAG_MANAGED_BY, TAG_STACK
from tests.cli.runner import run_cli
from tests.conftest import EmulatedAccount

OVERRIDES = {"containerOverrides": [{"name": "app", "command": ["report", "--nightly"]}]}


def ecs_parameters(prereqs: Prerequisites, subnets: int = 2) -> dict[str, Any]:
    return {
        "TaskDefinitionArn": prereqs.task_definition_arn,
        "TaskCount": 1,
        "LaunchType": "FARGATE",
        "NetworkConfiguration": {
            "awsvpcConfiguration": {
                "Subnets": list(prereqs.subnet_ids[:subnets]),
                "SecurityGroups": list(prereqs.security_group_ids[:1]),
                "AssignPublicIp": "DISABLED",
            }
        },
    }


def legacy_account(clients: AwsClients, prereqs: Prerequisites) -> dict[str, str]:
    """v1-style schedules and rules, none tagged by a stack, plus one a stack owns."""
    scheduler, events = clients.scheduler, clients.events
    role = prereqs.execution_role_arn
    scheduler.create_schedule_group(
        Name="legacy", Tags=[{"Key": "ResourceOwner", "Value": "data-team"}]
    )
    owned_tags = {TAG_MANAGED_BY: MANAGED_BY_VALUE, TAG_STACK: "other", TAG_JOB: "x"}
    scheduler.create_schedule_group(
        Name="owned", Tags=[{"Key": k, "Value": v} for k, v in owned_tags.items()]
    )
    target = {"Arn": prereqs.cluster_arn, "RoleArn": role}
    for group, name, expression in (
        ("legacy", "report-morning", "cron(0 6 * * ? *)"),
        ("legacy", "report-evening", "cron(0 18 * * ? *)"),
        ("owned", "managed", "cron(0 7 * * ? *)"),
    ):
        scheduler.create_schedule(
            Name=name,
            GroupName=group,
            ScheduleExpression=expression,
            ScheduleExpressionTimezone="Europe/Paris",
            FlexibleTimeWindow={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15},
            Target={**target, "EcsParameters": ecs_parameters(prereqs)},
        )
    scheduler.create_schedule(
        Name="not-ecs",
        ScheduleExpression="rate(5 minutes)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": f"arn:aws:sqs:{prereqs.region}:{prereqs.account_id}:q", "RoleArn": role},
    )
    rule = events.put_rule(
        Name="report-nightly",
        ScheduleExpression="rate(1 day)",
        Tags=[{"Key": "ResourceOwner", "Value": "ops-team"}],
    )["RuleArn"]
    events.put_targets(
        Rule="report-nightly",
        Targets=[
            {
                **target,
                "Id": "ecs",
                "Input": json.dumps(OVERRIDES),
                "EcsParameters": ecs_parameters(prereqs, subnets=1),
            },
            {"Id": "queue", "Arn": f"arn:aws:sqs:{prereqs.region}:{prereqs.account_id}:audit"},
        ],
    )
    events.put_rule(Name="on-event", EventPattern=json.dumps({"source": ["app"]}))
    events.put_targets(
        Rule="on-event",
        Targets=[{**target, "Id": "ecs", "EcsParameters": ecs_parameters(prereqs)}],
    )
    arn = f"arn:aws:scheduler:{prereqs.region}:{prereqs.account_id}:schedule/legacy/"
    return {
        "morning": arn + "report-morning",
        "evening": arn + "report-evening",
        "rule": rule,
    }


def test_import_reads_only_unowned_ecs_schedules_and_scheduled_rules_and_writes_nothing(
    emulated_account: EmulatedAccount,
) -> None:
    clients = emulated_account.clients
    arns = legacy_account(clients, emulated_account.prereqs)
    before = dict(clients.api_calls.calls)

    sources = read_sources(clients)

    calls = {name for name, count in clients.api_calls.calls.items() if count > before.get(name, 0)}
    assert all(name.split(".")[1].startswith(("List", "Get", "Describe")) for name in calls), calls
    assert sorted(source.arn for source in sources) == sorted(arns.values())
    by_arn = {source.arn: source for source in sources}
    assert by_arn[arns["morning"]].timezone == "Europe/Paris"
    assert by_arn[arns["morning"]].flexible_window_minutes == 15
    assert by_arn[arns["rule"]].tags == {"ResourceOwner": "ops-team"}
    assert by_arn[arns["morning"]].tags == {"ResourceOwner": "data-team"}
    assert json.loads(by_arn[arns["rule"]].target["Input"]) == OVERRIDES
    assert by_arn[arns["rule"]].other_targets == 1  # the queue: kept in mind for cut-over
    assert [s.arn for s in read_sources(clients, groups=["legacy"], rules=False)] == sorted(
        [arns["evening"], arns["morning"]]
    )


def test_the_written_file_validates_when_the_defaults_cover_what_is_missing(
    emulated_account: EmulatedAccount, tmp_path: Path
) -> None:
    prereqs = emulated_account.prereqs
    arns = legacy_account(emulated_account.clients, prereqs)
    defaults = tmp_path / "defaults.yaml"
    defaults.write_text(
        yaml.safe_dump(
            {
                "kms_key_arn": prereqs.kms_key_arn,
                "billing_entity": "acme",
                "billing_domain": "analytics",
                "security_domain": "internal",
                "aws_region_short_code": "use1",
            }
        ),
        encoding="utf-8",
    )
    written = tmp_path / "imported.yaml"
    endpoint = ["--endpoint-url", emulated_account.endpoint_url, "--region", prereqs.region]

    without = run_cli("import", "-o", str(written), *endpoint)
    assert without.returncode == 0, without.stderr
    assert "missing: kms_key_arn, billing_entity, billing_domain" in without.stdout
    assert "does not validate yet" in without.stdout

    result = run_cli("import", "-o", str(written), "--defaults", str(defaults), *endpoint)
    assert result.returncode == 0, result.stderr
    assert f"{written} validates." in result.stdout
    assert run_cli("validate", "-c", str(written)).returncode == 0

    jobs = yaml.safe_load(written.read_text(encoding="utf-8"))["jobs"]
    family = prereqs.task_family
    # Two schedules of one task on one network are one job; the rule runs on another subnet.
    # Sources are taken in ARN order, so the rule (arn:aws:events:…) comes first.
    assert {key: job["replaces"] for key, job in jobs.items()} == {
        family: [arns["rule"]],
        f"{family}-2": [arns["evening"], arns["morning"]],
    }
    assert jobs[f"{family}-2"]["additional_schedules"] == [
        {"name": "report-morning", "schedule_expression": "cron(0 6 * * ? *)"}
    ]
    assert jobs[f"{family}-2"]["flexible_time_window_minutes"] == 15
    nightly = jobs[family]
    assert (nightly["schedule_expression"], nightly["timezone"]) == ("rate(1 day)", "UTC")
    assert nightly["overrides"] == OVERRIDES
    owners = (jobs[f"{family}-2"]["resource_owner"], nightly["resource_owner"])
    assert owners == ("data-team", "ops-team")
    assert "made explicit: 185 retries within 86400 s" in result.stdout
