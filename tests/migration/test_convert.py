"""The conversion of schedules and rules with ECS targets into a config, without AWS."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import yaml

from ecs_scheduler.loader import loads
from ecs_scheduler.migration.convert import REQUIRED_FIELDS, Source, convert

NOW = datetime(2026, 6, 1, tzinfo=UTC)
ACCOUNT = "arn:aws:{service}:us-east-1:123456789012:{resource}"
CLUSTER = ACCOUNT.format(service="ecs", resource="cluster/batch")
KMS = ACCOUNT.format(service="kms", resource="key/1234abcd-12ab-34cd-56ef-1234567890ab")
SUBNETS = ["subnet-0f9e8d7c6b5a40312", "subnet-0a1b2c3d4e5f60718"]
GROUPS = ["sg-0123456789abcdef0"]
DEFAULTS = {
    "kms_key_arn": KMS,
    "resource_owner": "data-team",
    "billing_entity": "acme",
    "billing_domain": "analytics",
    "security_domain": "internal",
    "aws_region_short_code": "use1",
}


def target(
    family: str = "report:7", subnets: list[str] | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "Arn": CLUSTER,
        "RoleArn": ACCOUNT.format(service="iam", resource="role/legacy").replace("us-east-1", ""),
        "EcsParameters": {
            "TaskDefinitionArn": f"{CLUSTER.split(':cluster/')[0]}:task-definition/{family}",
            "TaskCount": 1,
            "LaunchType": "FARGATE",
            "NetworkConfiguration": {
                "awsvpcConfiguration": {
                    "Subnets": SUBNETS if subnets is None else subnets,
                    "SecurityGroups": GROUPS,
                    "AssignPublicIp": "DISABLED",
                }
            },
        },
        **extra,
    }


def schedule(name: str, expression: str, **extra: Any) -> Source:
    fields: dict[str, Any] = {"timezone": "Europe/Paris", "enabled": True, "target": target()}
    fields.update(extra)
    return Source(
        kind="schedule",
        arn=ACCOUNT.format(service="scheduler", resource=f"schedule/legacy/{name}"),
        name=name,
        expression=expression,
        **fields,
    )


def rule(name: str, expression: str, **extra: Any) -> Source:
    fields: dict[str, Any] = {"timezone": "UTC", "enabled": True, "target": target()}
    fields.update(extra)
    return Source(
        kind="rule",
        arn=ACCOUNT.format(service="events", resource=f"rule/{name}"),
        name=name,
        expression=expression,
        **fields,
    )


def validated(config: dict[str, Any]) -> Any:
    return loads(yaml.safe_dump(config, sort_keys=False), now=NOW).stack


def test_schedules_of_one_task_cluster_and_network_become_one_job_that_validates() -> None:
    retry = {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 3600}
    result = convert(
        [
            schedule("morning", "cron(0 6 * * ? *)", target=target(RetryPolicy=retry)),
            schedule(
                "evening",
                "cron(0 18 * * ? *)",
                target=target(subnets=list(reversed(SUBNETS)), RetryPolicy=retry),
            ),
        ],
        stack="imported",
        defaults=DEFAULTS,
    )

    assert result.missing == {}
    assert list(result.config["jobs"]) == ["report"]
    job = validated(result.config).jobs["report"]
    assert job.schedule_expression == "cron(0 18 * * ? *)"  # sorted by ARN: evening first
    assert job.timezone == "Europe/Paris"
    assert job.task_definition_revision == 7
    assert job.trusted_compute_subnets == sorted(SUBNETS)
    assert [(s.key, s.expression_text, s.timezone) for s in job.schedules] == [
        ("", "cron(0 18 * * ? *)", "Europe/Paris"),
        ("morning", "cron(0 6 * * ? *)", "Europe/Paris"),
    ]
    assert (job.maximum_retry_attempts, job.maximum_event_age_in_seconds) == (2, 3600)
    assert job.replaces == [
        ACCOUNT.format(service="scheduler", resource="schedule/legacy/evening"),
        ACCOUNT.format(service="scheduler", resource="schedule/legacy/morning"),
    ]


def test_another_task_or_network_is_another_job() -> None:
    result = convert(
        [
            schedule("a", "rate(1 hour)"),
            schedule("b", "rate(1 hour)", target=target(family="export:1")),
            schedule("c", "rate(1 hour)", target=target(subnets=SUBNETS[:1])),
        ],
        stack="imported",
        defaults=DEFAULTS,
    )
    jobs = validated(result.config).jobs
    assert sorted(jobs) == ["export", "report", "report-2"]
    assert sorted(len(job.schedules) for job in jobs.values()) == [1, 1, 1]


def test_a_rule_is_read_in_utc_with_its_expression_unchanged_and_its_gaps_listed() -> None:
    overrides = {"containerOverrides": [{"name": "app", "command": ["run", "--all"]}]}
    result = convert(
        [rule("nightly", "rate(1 minute)", target=target(Input=json.dumps(overrides)))],
        stack="imported",
        defaults=DEFAULTS,
    )
    job = validated(result.config).jobs["report"]
    assert (job.schedule_expression, job.timezone) == ("rate(1 minute)", "UTC")
    assert job.overrides is not None
    assert job.overrides.model_dump(exclude_none=True) == overrides
    # EventBridge's documented default for a target without a retry policy: 185 in 24 hours.
    assert (job.maximum_retry_attempts, job.maximum_event_age_in_seconds) == (185, 86400)
    arn = ACCOUNT.format(service="events", resource="rule/nightly")
    assert result.jobs["report"].differences == (
        f"{arn}: pinned to revision 7 of report, as the source is; remove "
        "task_definition_revision to follow the latest ACTIVE revision.",
        f"{arn}: has no dead-letter queue; the job gets one, encrypted with kms_key_arn, "
        "and its alarms.",
        f"{arn}: rate(1 minute) counts from when the new schedule is created, not from when "
        "the rule was: set start_date to keep the old phase.",
        f"{arn}: the source's default retry policy is made explicit: 185 retries within 86400 s.",
    )


def test_without_defaults_import_lists_exactly_what_is_missing_and_tags_fill_some() -> None:
    tags = {"ResourceOwner": "ops", "BillingEntity": "acme", "Other": "x"}
    result = convert([rule("nightly", "cron(0 2 * * ? *)", tags=tags)], stack="imported")
    job = result.config["jobs"]["report"]
    assert (job["resource_owner"], job["billing_entity"]) == ("ops", "acme")
    assert result.missing == {
        "report": ("kms_key_arn", "billing_domain", "security_domain", "aws_region_short_code")
    }
    assert set(result.missing["report"]) < set(REQUIRED_FIELDS)


def test_a_schedule_that_cannot_inherit_from_the_primary_becomes_its_own_job() -> None:
    start = datetime(2026, 7, 1, tzinfo=UTC)
    result = convert(
        [
            schedule("a", "cron(0 6 * * ? *)", start_date=start, description="first"),
            schedule("b", "cron(0 7 * * ? *)"),
        ],
        stack="imported",
        defaults=DEFAULTS,
    )
    jobs = validated(result.config).jobs
    assert {key: [s.start_date for s in job.schedules] for key, job in jobs.items()} == {
        "report": [start],
        "report-2": [None],
    }


def test_a_default_never_overrides_what_the_source_says() -> None:
    result = convert(
        [schedule("a", "cron(0 6 * * ? *)", timezone="UTC")],
        stack="imported",
        defaults={**DEFAULTS, "timezone": "Asia/Tokyo", "enabled": False},
    )
    job = validated(result.config).jobs["report"]
    assert (job.timezone, job.enabled) == ("UTC", True)


def test_input_built_from_the_event_and_non_ecs_targets_are_skipped_with_why() -> None:
    result = convert(
        [
            rule("from-event", "rate(5 minutes)", target=target(InputPath="$.detail")),
            rule("lambda", "rate(5 minutes)", target={"Arn": "arn:aws:lambda:x"}),
        ],
        stack="imported",
    )
    assert result.config["jobs"] == {}
    assert len(result.skipped) == 2
    assert "InputPath" in result.skipped[0]
    assert "not an ECS cluster" in result.skipped[1]


def test_an_input_that_is_not_a_task_override_is_left_out_and_listed() -> None:
    result = convert(
        [rule("odd", "rate(5 minutes)", target=target(Input='{"foo": 1}'))],
        stack="imported",
        defaults=DEFAULTS,
    )
    assert "overrides" not in result.config["jobs"]["report"]
    assert any("is not an ECS task override" in line for line in result.jobs["report"].differences)


def test_a_rule_with_targets_that_start_no_ecs_task_says_so() -> None:
    result = convert(
        [rule("mixed", "rate(5 minutes)", other_targets=2)], stack="imported", defaults=DEFAULTS
    )
    arn = ACCOUNT.format(service="events", resource="rule/mixed")
    assert result.jobs["report"].differences[-1] == (
        f"{arn}: the rule has 2 target(s) that start no ECS task, not imported; it can be "
        "disabled only when all of its targets are replaced."
    )
