"""Acceptance: broken config files a reviewer would write, and the valid forms next to them.

Each broken file is written to disk and loaded with ``loader.load``; it must raise
``ConfigError`` with a line starting ``FILE:LINE:COL: dotted.path: `` at the right place
and a message that says what is wrong. The right place is marked in the YAML text with
``«`` (removed before writing); where two places are equally right (start_date vs end_date)
each is marked and paired with its path, and either is accepted.
Rules: docs/config.md and issue 2 item 3; AWS limits cited where they come from AWS.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ecs_scheduler.loader import ConfigError, load

NOW = datetime(2026, 6, 1, tzinfo=UTC)
MARK = "«"
JOB = "nightly-etl"
KMS = "arn:aws:kms:eu-west-1:210987654321:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"

# A valid job in eu-west-1, account 210987654321 (every value on its own line).
BASE: dict[str, str] = {
    "cluster_name": "etl",
    "ecs_cluster_arn": "arn:aws:ecs:eu-west-1:210987654321:cluster/etl",
    "task_name": "nightly-etl",
    "schedule_expression": "cron(30 2 * * ? *)",
    "timezone": "Europe/London",
    "trusted_compute_subnets": "\n      - subnet-0123abcd\n      - subnet-0456def0",
    "security_group_ids": "\n      - sg-0a1b2c3d",
    "kms_key_arn": KMS,
    "resource_owner": "data-eng",
    "billing_entity": "acme",
    "billing_domain": "etl",
    "security_domain": "internal",
    "aws_region_short_code": "euw1",
}


def config(
    changes: Mapping[str, str | None] | None = None,
    *,
    extra: str = "",
    head: str = "",
    key: str = JOB,
    stack: str = "analytics",
) -> str:
    """A whole file: BASE with ``changes`` (None deletes a field), then ``extra`` job lines."""
    fields = dict(BASE)
    for name, value in (changes or {}).items():
        if value is None:
            del fields[name]
        else:
            fields[name] = value
    lines = [f"stack: {stack}", *([head] if head else []), "jobs:", f"  {key}:"]
    for name, value in fields.items():
        lines.append(f"    {name}:{value}" if value.startswith("\n") else f"    {name}: {value}")
    return "\n".join(lines) + "\n" + extra


def marks(text: str) -> tuple[str, list[tuple[int, int]]]:
    """The text without ``«`` and the (line, column) of each mark, 1-based."""
    positions: list[tuple[int, int]] = []
    lines = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw
        while MARK in line:
            positions.append((number, line.index(MARK) + 1))
            line = line.replace(MARK, "", 1)
        lines.append(line)
    return "\n".join(lines), positions


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ecs-scheduler.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def rejected(tmp_path: Path, text: str) -> tuple[Path, list[str]]:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load(path, now=NOW)
    return path, str(raised.value).splitlines()


@dataclass(frozen=True)
class Broken:
    text: str  # with «marks»
    paths: tuple[str, ...]  # one per mark: the dotted path reported at that mark
    message: str  # a regular expression the message must match (case-insensitive)


def job_path(*parts: str) -> str:
    return ".".join((f"jobs.{JOB}", *parts))


def broken(
    changes: Mapping[str, str | None] | None = None,
    path: str | tuple[str, ...] = (),
    message: str = "",
    **layout: str,
) -> Broken:
    paths = (path,) if isinstance(path, str) else path
    return Broken(config(changes, **layout), paths, message)


SCHEDULES_TWO_WEEKENDS = """\
    additional_schedules:
      - name: weekend
        schedule_expression: cron(0 12 ? * SAT *)
      - name: «weekend
        schedule_expression: cron(0 12 ? * SUN *)
"""

CASES: dict[str, Broken] = {
    # --- wrong types and out-of-range numbers ------------------------------------------
    "retry-word": broken(
        {"maximum_retry_attempts": "«five"},
        job_path("maximum_retry_attempts"),
        r"whole number|integer",
    ),
    "task-count-11": broken({"task_count": "«11"}, job_path("task_count"), r"1-10"),
    "task-count-bool": broken(
        {"task_count": "«true"}, job_path("task_count"), r"whole number|integer"
    ),
    "task-count-infinite": broken(
        {"task_count": "«.inf"}, job_path("task_count"), r"whole number|integer"
    ),
    # Python refuses to turn more than 4300 digits into an int (ValueError, not a YAML error).
    "task-count-5000-digits": broken(
        {"task_count": "«" + "9" * 5000}, job_path("task_count"), r"1-10|whole number|large"
    ),
    "rate-5000-digits": broken(
        {"schedule_expression": "«rate(" + "9" * 5000 + " minutes)"},
        job_path("schedule_expression"),
        r"rate",
    ),
    # Explicit YAML tags whose text does not fit the tag: PyYAML raises ValueError,
    # KeyError or AttributeError from its constructors, not a YAML error.
    "explicit-int-tag": broken(
        {"task_count": "«!!int abc"}, job_path("task_count"), r"int|whole|number"
    ),
    "explicit-float-tag": broken(
        {"task_count": "«!!float abc"}, job_path("task_count"), r"float|number"
    ),
    "explicit-bool-tag": broken(
        {"enabled": "«!!bool maybe"}, job_path("enabled"), r"bool|true|false"
    ),
    "explicit-timestamp-tag": broken(
        {"start_date": "«!!timestamp nope"}, job_path("start_date"), r"timestamp|date"
    ),
    "enabled-number": broken({"enabled": "«3"}, job_path("enabled"), r"true or false|bool"),
    "timezone-number": broken(
        {"timezone": "«5"}, job_path("timezone"), r"string|text|IANA|time zone"
    ),
    "timezone-null": broken(
        {"timezone": "«~"}, job_path("timezone"), r"null|empty|string|missing|IANA"
    ),
    "expression-number": broken(
        {"schedule_expression": "«5"}, job_path("schedule_expression"), r"string|text|expression"
    ),
    "subnets-string": broken(
        {"trusted_compute_subnets": "«subnet-0123abcd"},
        job_path("trusted_compute_subnets"),
        r"list",
    ),
    "tags-list": broken({"tags": "«[team, data]"}, job_path("tags"), r"mapping|map|dict"),
    "overrides-string": broken({"overrides": "«big"}, job_path("overrides"), r"mapping|object"),
    "flexible-window-0": broken(
        {"flexible_time_window_minutes": "«0"},
        job_path("flexible_time_window_minutes"),
        r"1-1440",
    ),
    "flexible-window-1441": broken(
        {"flexible_time_window_minutes": "«1441"},
        job_path("flexible_time_window_minutes"),
        r"1-1440",
    ),
    "event-age-59": broken(
        {"maximum_event_age_in_seconds": "«59"},
        job_path("maximum_event_age_in_seconds"),
        r"60-86400",
    ),
    "retention-over-14-days": broken(
        {"dlq_message_retention_seconds": "«1209601"},
        job_path("dlq_message_retention_seconds"),
        r"60-1209600",
    ),
    "cps-weight-1001": broken(
        {
            "capacity_provider_strategy": "\n      - capacity_provider: FARGATE"
            "\n        weight: «1001"
        },
        job_path("capacity_provider_strategy[0]", "weight"),
        r"0-1000",
    ),
    "too-many-tags": broken(
        # AWS allows 50 tags per resource; ecs-scheduler adds 7 of its own (docs/aws.md).
        {"tags": "«{" + ", ".join(f"k{n}: v" for n in range(50)) + "}"},
        job_path("tags"),
        r"43|50",
    ),
    "seven-capacity-providers": broken(
        {
            "capacity_provider_strategy": "«["
            + ", ".join(f"{{capacity_provider: cp{n}}}" for n in range(7))
            + "]"
        },
        job_path("capacity_provider_strategy"),
        r"6",
    ),
    "eleven-placement-constraints": broken(
        {
            "launch_type": "EC2",
            "placement_constraints": "«[" + ", ".join(["{type: distinctInstance}"] * 11) + "]",
        },
        job_path("placement_constraints"),
        r"10",
    ),
    "member-of-without-expression": broken(
        {"launch_type": "EC2", "placement_constraints": "\n      - «type: «memberOf"},
        (
            job_path("placement_constraints[0]", "expression"),
            job_path("placement_constraints[0]", "type"),
        ),
        r"expression",
    ),
    # "Only one capacity provider in a capacity provider strategy can have a base defined."
    # https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CapacityProviderStrategyItem.html
    "two-capacity-providers-with-base": broken(
        {
            "capacity_provider_strategy": "\n      - capacity_provider: FARGATE\n        base: 1"
            "\n      - capacity_provider: FARGATE_SPOT\n        base: «1"
        },
        job_path("capacity_provider_strategy[1]", "base"),
        r"base",
    ),
    # ECS TaskOverride cpu/memory are CPU units or MiB as text ("1024", "1 vCPU", "2 GB");
    # anything else only fails when the schedule fires, into the dead-letter queue.
    "override-cpu-not-units": broken(
        {"overrides": "\n      cpu: «lots"}, job_path("overrides", "cpu"), r"cpu"
    ),
    "override-memory-negative": broken(
        {"overrides": "\n      memory: «'-5'"}, job_path("overrides", "memory"), r"memory"
    ),
    "task-definition-revision-0": broken(
        {"task_definition_revision": "«0"}, job_path("task_definition_revision"), r"1|positive"
    ),
    "ephemeral-storage-20": broken(
        {"overrides": "\n      ephemeralStorage:\n        sizeInGiB: «20"},
        job_path("overrides", "ephemeralStorage", "sizeInGiB"),
        r"21-200",
    ),
    "description-513": broken({"description": "«" + "x" * 513}, job_path("description"), r"512"),
    # --- expressions and time zones ---------------------------------------------------
    "timezone-trailing-space": broken({"timezone": "«'UTC '"}, job_path("timezone"), r"IANA"),
    "start-year-9999": broken(
        {"start_date": "«9999-12-31T23:59:59-05:00"}, job_path("start_date"), r"1970-2199"
    ),
    "action-lower-case": broken(
        {"action_after_completion": "«none"}, job_path("action_after_completion"), r"NONE"
    ),
    "task-name-octal-number": broken(
        {"task_name": "«0123"}, job_path("task_name"), r"string|quote"
    ),
    "cron-both-star": broken(
        {"schedule_expression": "«cron(30 2 * * * *)"},
        job_path("schedule_expression"),
        r"exactly one of day-of-month and day-of-week must be '\?'",
    ),
    "cron-unix-sunday": broken(
        {"schedule_expression": "«cron(30 2 ? * 0 *)"},
        job_path("schedule_expression"),
        r"cron field 5 \(day-of-week\)",
    ),
    "cron-five-fields": broken(
        {"schedule_expression": "«cron(30 2 * * ?)"},
        job_path("schedule_expression"),
        r"6 fields",
    ),
    "rate-zero": broken(
        {"schedule_expression": "«rate(0 hours)"}, job_path("schedule_expression"), r"rate"
    ),
    "timezone-typo": broken({"timezone": "«Europe/Londn"}, job_path("timezone"), r"Europe/London"),
    "timezone-offset": broken({"timezone": "«+01:00"}, job_path("timezone"), r"IANA|time zone"),
    "never-fires-feb-30": broken(
        {"schedule_expression": "«cron(0 0 30 2 ? *)"},
        job_path("schedule_expression"),
        r"never",
    ),
    "never-fires-weekend-in-weekdays": broken(
        {
            "schedule_expression": "«cron(0 12 ? * SAT,SUN *)",
            "start_date": "2026-07-06T00:00:00Z",
            "end_date": "2026-07-10T23:00:00Z",
        },
        job_path("schedule_expression"),
        r"never",
    ),
    # --- dates ---------------------------------------------------------------------------
    "at-with-start-date": broken(
        {"schedule_expression": "at(2026-12-01T09:00:00)", "start_date": "«2026-11-01T00:00:00Z"},
        job_path("start_date"),
        r"at\(",
    ),
    "at-with-end-date": broken(
        {"schedule_expression": "at(2026-12-01T09:00:00)", "end_date": "«2026-12-31T00:00:00Z"},
        job_path("end_date"),
        r"at\(",
    ),
    "start-after-end": broken(
        {"start_date": "«2026-09-01T00:00:00+01:00", "end_date": "«2026-08-01T00:00:00+01:00"},
        (job_path("start_date"), job_path("end_date")),
        r"after|before",
    ),
    "start-equals-end": broken(
        {"start_date": "«2026-09-01T00:00:00Z", "end_date": "«2026-09-01T00:00:00Z"},
        (job_path("start_date"), job_path("end_date")),
        r"after|before",
    ),
    "end-naive": broken(
        {"end_date": "«2026-12-31T00:00:00"}, job_path("end_date"), r"offset|time zone"
    ),
    "start-date-without-time": broken(
        {"start_date": "«2026-09-01"}, job_path("start_date"), r"offset|time"
    ),
    "start-not-a-date": broken({"start_date": "«next monday"}, job_path("start_date"), r"date|ISO"),
    # --- ARNs: form, partition, region, account ------------------------------------------
    "kms-other-region": broken(
        {"kms_key_arn": "«" + KMS.replace("eu-west-1", "us-east-1")},
        job_path("kms_key_arn"),
        r"us-east-1.*eu-west-1|eu-west-1.*us-east-1",
    ),
    "kms-other-account": broken(
        {"kms_key_arn": "«" + KMS.replace("210987654321", "123456789012")},
        job_path("kms_key_arn"),
        r"123456789012.*210987654321|210987654321.*123456789012",
    ),
    "kms-alias-other-region": broken(
        {"kms_key_arn": "«arn:aws:kms:us-east-1:210987654321:alias/etl"},
        job_path("kms_key_arn"),
        r"region",
    ),
    "kms-bare-key-id": broken(
        {"kms_key_arn": "«0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"}, job_path("kms_key_arn"), r"ARN"
    ),
    "kms-not-kms": broken(
        {"kms_key_arn": "«arn:aws:s3:::etl-bucket"}, job_path("kms_key_arn"), r"kms"
    ),
    "kms-other-partition": broken(
        {
            "ecs_cluster_arn": "arn:aws-cn:ecs:cn-north-1:210987654321:cluster/etl",
            "kms_key_arn": "«" + KMS.replace("eu-west-1", "cn-north-1"),
        },
        job_path("kms_key_arn"),
        r"partition|aws-cn",
    ),
    "cluster-arn-11-digit-account": broken(
        {"ecs_cluster_arn": "«arn:aws:ecs:eu-west-1:21098765432:cluster/etl"},
        job_path("ecs_cluster_arn"),
        r"account|12 digits|ARN",
    ),
    "cluster-arn-no-region": broken(
        {"ecs_cluster_arn": "«arn:aws:ecs::210987654321:cluster/etl"},
        job_path("ecs_cluster_arn"),
        r"region|ARN",
    ),
    "cluster-arn-is-a-service": broken(
        {"ecs_cluster_arn": "«arn:aws:ecs:eu-west-1:210987654321:service/etl/web"},
        job_path("ecs_cluster_arn"),
        r"cluster",
    ),
    "cluster-arn-is-a-name": broken(
        {"ecs_cluster_arn": "«etl"}, job_path("ecs_cluster_arn"), r"ARN"
    ),
    "cluster-name-mismatch": broken(
        {"cluster_name": "«etl-prod"}, job_path("cluster_name"), r"etl"
    ),
    "cluster-name-is-the-arn": broken(
        {"cluster_name": "«arn:aws:ecs:eu-west-1:210987654321:cluster/etl"},
        job_path("cluster_name"),
        r"name|match",
    ),
    "task-role-other-account": broken(
        {"task_role_arn": "«arn:aws:iam::999999999999:role/etl-task"},
        job_path("task_role_arn"),
        r"999999999999",
    ),
    "execution-role-not-an-arn": broken(
        {"execution_role_arn": "«etl-execution-role"}, job_path("execution_role_arn"), r"ARN"
    ),
    "execution-role-is-a-user": broken(
        {"execution_role_arn": "«arn:aws:iam::210987654321:user/bob"},
        job_path("execution_role_arn"),
        r"role",
    ),
    "boundary-is-a-role": broken(
        {"permissions_boundary_arn": "«arn:aws:iam::210987654321:role/boundary"},
        job_path("permissions_boundary_arn"),
        r"policy",
    ),
    "override-task-role-other-account": broken(
        {"overrides": "\n      taskRoleArn: «arn:aws:iam::999999999999:role/etl-task"},
        job_path("overrides", "taskRoleArn"),
        r"999999999999",
    ),
    "ok-action-other-account": broken(
        {"dlq_ok_actions": "\n      - «arn:aws:sns:eu-west-1:999999999999:ops"},
        job_path("dlq_ok_actions[0]"),
        r"999999999999",
    ),
    "alarm-action-not-sns": broken(
        {"dlq_alarm_actions": "\n      - «arn:aws:sqs:eu-west-1:210987654321:ops"},
        job_path("dlq_alarm_actions[0]"),
        r"sns",
    ),
    # --- launch type -----------------------------------------------------------------------
    "platform-version-on-ec2": broken(
        {"launch_type": "EC2", "platform_version": "«1.4.0"},
        job_path("platform_version"),
        r"FARGATE",
    ),
    "public-ip-on-ec2": broken(
        {"launch_type": "EC2", "assign_public_ip": "«true"},
        job_path("assign_public_ip"),
        r"FARGATE",
    ),
    "placement-constraints-on-fargate": broken(
        {"launch_type": "FARGATE", "placement_constraints": "\n      «- type: distinctInstance"},
        job_path("placement_constraints"),
        r"EC2",
    ),
    "placement-strategy-on-default-launch-type": broken(
        {"placement_strategy": "\n      «- type: random"},
        job_path("placement_strategy"),
        r"EC2",
    ),
    "launch-type-with-capacity-providers": broken(
        {
            "launch_type": "«FARGATE",
            "capacity_provider_strategy": "\n      «- capacity_provider: FARGATE_SPOT",
        },
        (job_path("launch_type"), job_path("capacity_provider_strategy")),
        r"launch_type|capacity",
    ),
    "launch-type-lower-case": broken(
        {"launch_type": "«fargate"}, job_path("launch_type"), r"FARGATE"
    ),
    # --- network ids --------------------------------------------------------------------
    "subnet-upper-case-hex": broken(
        {"trusted_compute_subnets": "\n      - «subnet-0123ABCD"},
        job_path("trusted_compute_subnets[0]"),
        r"subnet",
    ),
    "subnet-is-a-security-group": broken(
        {"trusted_compute_subnets": "\n      - «sg-0a1b2c3d"},
        job_path("trusted_compute_subnets[0]"),
        r"subnet",
    ),
    "subnet-seven-hex-digits": broken(
        {"trusted_compute_subnets": "\n      - «subnet-0123abc"},
        job_path("trusted_compute_subnets[0]"),
        r"subnet",
    ),
    "seventeen-subnets": broken(
        {"trusted_compute_subnets": "«[" + ", ".join(f"subnet-{n:08x}" for n in range(17)) + "]"},
        job_path("trusted_compute_subnets"),
        r"16",
    ),
    "six-security-groups": broken(
        {"security_group_ids": "«[" + ", ".join(f"sg-{n:08x}" for n in range(6)) + "]"},
        job_path("security_group_ids"),
        r"5",
    ),
    "security-group-twice": broken(
        {"security_group_ids": "\n      - sg-0a1b2c3d\n      - «sg-0a1b2c3d"},
        job_path("security_group_ids[1]"),
        r"duplicate",
    ),
    # --- tags (AWS tag rules: keys ≤128, values ≤256, the aws: prefix in any case reserved;
    # https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html) ---------------
    "tag-aws-prefix": broken(
        {"tags": "\n      «aws:team: data"}, job_path("tags", "aws:team"), r"aws:"
    ),
    "tag-aws-prefix-upper-case": broken(
        {"tags": "\n      «AWS:team: data"}, job_path("tags", "AWS:team"), r"aws:"
    ),
    "task-tag-aws-prefix": broken(
        {"task_tags": "\n      «aws:cost: etl"}, job_path("task_tags", "aws:cost"), r"aws:"
    ),
    "tag-key-hash": broken(
        {"tags": "\n      «'team#1': data"}, job_path("tags", "team#1"), r"tag key"
    ),
    "task-tag-own-key": broken(
        {"task_tags": "\n      «ecs-scheduler:job: x"},
        job_path("task_tags", "ecs-scheduler:job"),
        r"ecs-scheduler",
    ),
    "tag-key-129": broken(
        {"tags": "\n      «" + "k" * 129 + ": v"}, job_path("tags", "k" * 129), r"128"
    ),
    "tag-value-257": broken(
        {"tags": "\n      team: «" + "v" * 257}, job_path("tags", "team"), r"256"
    ),
    # --- additional schedules -----------------------------------------------------------
    "duplicate-schedule-names": broken(
        extra=SCHEDULES_TWO_WEEKENDS,
        path=job_path("additional_schedules[1]", "name"),
        message=r"duplicate",
    ),
    "schedule-name-with-space": broken(
        extra="    additional_schedules:\n      - name: «week end\n"
        "        schedule_expression: cron(0 12 ? * SAT *)\n",
        path=job_path("additional_schedules[0]", "name"),
        message=r"0-9A-Za-z|character|letter",
    ),
    "schedule-name-65-chars": broken(
        extra="    additional_schedules:\n      - name: «" + "w" * 65 + "\n"
        "        schedule_expression: cron(0 12 ? * SAT *)\n",
        path=job_path("additional_schedules[0]", "name"),
        message=r"64",
    ),
    "schedule-without-expression": broken(
        extra="    additional_schedules:\n      - «name: weekend\n        timezone: UTC\n",
        path=job_path("additional_schedules[0]", "schedule_expression"),
        message=r"required|missing",
    ),
    "schedule-naive-start": broken(
        extra="    additional_schedules:\n      - name: weekend\n"
        "        schedule_expression: cron(0 12 ? * SAT *)\n"
        "        start_date: «2026-07-01T00:00:00\n",
        path=job_path("additional_schedules[0]", "start_date"),
        message=r"offset|time zone",
    ),
    "schedule-at-with-end": broken(
        extra="    additional_schedules:\n      - name: once\n"
        "        schedule_expression: at(2026-12-01T09:00:00)\n"
        "        end_date: «2026-12-31T00:00:00Z\n",
        path=job_path("additional_schedules[0]", "end_date"),
        message=r"at\(",
    ),
    "schedule-bad-timezone": broken(
        extra="    additional_schedules:\n      - name: west\n"
        "        schedule_expression: cron(0 12 ? * SAT *)\n"
        "        timezone: «US/Pacfic\n",
        path=job_path("additional_schedules[0]", "timezone"),
        message=r"US/Pacific",
    ),
    "schedule-bad-expression": broken(
        extra="    additional_schedules:\n      - name: west\n"
        "        schedule_expression: «cron(0 12 ? * 8 *)\n",
        path=job_path("additional_schedules[0]", "schedule_expression"),
        message=r"cron field 5 \(day-of-week\)",
    ),
    # --- unknown fields, with a suggestion, at every level -------------------------------
    "unknown-job-field": broken(
        extra="    «schedule_expresion: rate(1 day)\n",
        path=job_path("schedule_expresion"),
        message=r"did you mean 'schedule_expression'",
    ),
    "unknown-top-level-field": broken(
        head="«default:\n  timezone: UTC",
        path="default",
        message=r"did you mean 'defaults'",
    ),
    "unknown-defaults-field": broken(
        head="defaults:\n  «timezon: UTC",
        path="defaults.timezon",
        message=r"did you mean 'timezone'",
    ),
    "unknown-schedule-field": broken(
        extra="    additional_schedules:\n      - name: west\n"
        "        schedule_expression: cron(0 12 ? * SAT *)\n"
        "        «timezon: UTC\n",
        path=job_path("additional_schedules[0]", "timezon"),
        message=r"did you mean 'timezone'",
    ),
    "unknown-overrides-field": broken(
        {"overrides": "\n      «containerOverides: []"},
        job_path("overrides", "containerOverides"),
        r"did you mean 'containerOverrides'",
    ),
    "unknown-container-override-field": broken(
        {
            "overrides": "\n      containerOverrides:\n        - name: app"
            "\n          «enviroment: []"
        },
        job_path("overrides", "containerOverrides[0]", "enviroment"),
        r"did you mean 'environment'",
    ),
    "unknown-capacity-provider-field": broken(
        {"capacity_provider_strategy": "\n      - «capacityProvider: FARGATE_SPOT"},
        job_path("capacity_provider_strategy[0]", "capacityProvider"),
        r"did you mean 'capacity_provider'",
    ),
    "container-environment-as-map": broken(
        {
            "overrides": "\n      containerOverrides:\n        - name: app"
            "\n          environment: «{A: b}"
        },
        job_path("overrides", "containerOverrides[0]", "environment"),
        r"list",
    ),
    "additional-schedules-as-map": broken(
        extra="    additional_schedules: «{weekend: 'cron(0 12 ? * SAT *)'}\n",
        path=job_path("additional_schedules"),
        message=r"list",
    ),
    "schedule-task-count-0": broken(
        extra="    additional_schedules:\n      - name: weekend\n"
        "        schedule_expression: cron(0 12 ? * SAT *)\n        task_count: «0\n",
        path=job_path("additional_schedules[0]", "task_count"),
        message=r"1-10",
    ),
    "unknown-placement-field": broken(
        {"launch_type": "EC2", "placement_strategy": "\n      - type: spread\n        «feild: cpu"},
        job_path("placement_strategy[0]", "feild"),
        r"did you mean 'field'",
    ),
    # --- names and keys -------------------------------------------------------------------
    "job-key-upper-case": broken(key="«Nightly_ETL", path="jobs.Nightly_ETL", message=r"lower"),
    "job-key-33-chars": broken(key="«" + "j" * 33, path="jobs." + "j" * 33, message=r"32"),
    "stack-name-with-space": broken(stack="«Data Platform", path="stack", message=r"lower"),
    "missing-kms-key": broken(
        {"kms_key_arn": None}, job_path("kms_key_arn"), r"required|missing", key=f"«{JOB}"
    ),
    "duplicate-yaml-key": broken(
        extra="    «timezone: UTC\n", path=job_path("timezone"), message=r"duplicate"
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_broken_config_is_rejected_at_the_right_place(tmp_path: Path, case: Broken) -> None:
    text, positions = marks(case.text)
    assert len(positions) == len(case.paths), "one path per mark"
    path, lines = rejected(tmp_path, text)
    prefixes = [
        f"{path}:{line}:{column}: {dotted}: "
        for (line, column), dotted in zip(positions, case.paths, strict=True)
    ]
    matching = [line for line in lines if line.startswith(tuple(prefixes))]
    assert matching, f"expected a line starting with one of {prefixes}, got:\n" + "\n".join(lines)
    assert re.search(case.message, matching[0], re.IGNORECASE), matching[0]


def test_several_errors_are_reported_together_sorted_by_line(tmp_path: Path) -> None:
    text, positions = marks(
        config(
            {
                "timezone": "«Europe/Londn",
                "kms_key_arn": "«" + KMS.replace("eu-west-1", "us-east-1"),
                "maximum_retry_attempts": "«186",
            },
            extra="    «enabeld: true\n",
        )
    )
    path, lines = rejected(tmp_path, text)
    assert len(lines) == 4, "\n".join(lines)
    assert [line.split(": ", 1)[0] for line in lines] == [
        f"{path}:{line}:{column}" for line, column in positions
    ]


def test_errors_of_several_jobs_are_all_reported(tmp_path: Path) -> None:
    first = config({"task_count": "«0"})
    second_job = config({"task_count": "«11"}, key="weekly-etl").split("jobs:\n", 1)[1]
    text, positions = marks(first + second_job)
    path, lines = rejected(tmp_path, text)
    assert [line.split(": ", 2)[:2] for line in lines] == [
        [f"{path}:{positions[0][0]}:{positions[0][1]}", job_path("task_count")],
        [f"{path}:{positions[1][0]}:{positions[1][1]}", "jobs.weekly-etl.task_count"],
    ]


# --- whole-file problems ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", r"empty"),
        (b"# only a comment\n\n", r"empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", r"binary"),
        (b"stack: caf\xe9\njobs: {}\n", r"UTF-8"),
        (b"- stack\n- jobs\n", r"mapping"),
        (b"just a sentence\n", r"mapping"),
        (b"stack: [unclosed\njobs: {}\n", r":\d+:\d+: "),
        (b"stack: analytics\njobs:\n\tjob: {}\n", r":\d+:\d+: "),
        (b"stack: analytics\njobs: *nowhere\n", r":2:\d+: "),
        (b"stack: analytics\njobs: ~\n", r"jobs"),
        (b"stack: analytics\njobs: {}\n", r"jobs"),
        (b"---\nstack: a\n---\nstack: b\n", r"document"),
    ],
    ids=[
        "empty",
        "comment-only",
        "binary",
        "latin-1",
        "top-level-list",
        "top-level-scalar",
        "yaml-syntax",
        "tab-indent",
        "undefined-alias",
        "jobs-null",
        "jobs-empty",
        "two-documents",
    ],
)
def test_unusable_files_are_rejected_with_the_file_name(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "ecs-scheduler.yaml"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as raised:
        load(path, now=NOW)
    text = str(raised.value)
    assert text.startswith(str(path)), text
    assert re.search(message, text, re.IGNORECASE), text


def test_missing_file_and_directory(tmp_path: Path) -> None:
    for target in (tmp_path / "absent.yaml", tmp_path):
        with pytest.raises(ConfigError) as raised:
            load(target, now=NOW)
        assert str(target) in str(raised.value)


def test_alias_bomb_is_rejected_quickly(tmp_path: Path) -> None:
    # "Billion laughs": each level repeats the previous one ten times.
    levels = ["    a0: &a0 [lol]"]
    levels += [f"    a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 9)]
    text = config(extra="    tags:\n" + "\n".join(levels) + "\n")
    path = write(tmp_path, text)
    with pytest.raises(ConfigError):
        load(path, now=NOW)


# --- anchors and merge keys --------------------------------------------------------------
MERGED = """\
stack: analytics
jobs:
  nightly-etl: &etl
    cluster_name: etl
    ecs_cluster_arn: arn:aws:ecs:eu-west-1:210987654321:cluster/etl
    task_name: nightly-etl
    schedule_expression: cron(30 2 * * ? *)
    maximum_retry_attempts: {retries}
    trusted_compute_subnets: [subnet-0123abcd]
    security_group_ids: [sg-0a1b2c3d]
    kms_key_arn: {kms}
    resource_owner: data-eng
    billing_entity: acme
    billing_domain: etl
    security_domain: internal
    aws_region_short_code: euw1
  weekly-etl:
    <<: *etl
    task_name: weekly-etl
    schedule_expression: cron(0 3 ? * SUN *)
"""


def test_merge_keys_copy_a_job_and_its_own_values_win(tmp_path: Path) -> None:
    path = write(tmp_path, MERGED.format(retries=3, kms=KMS))
    jobs = load(path, now=NOW).stack.jobs
    assert jobs["weekly-etl"].task_name == "weekly-etl"
    assert jobs["weekly-etl"].schedule_expression == "cron(0 3 ? * SUN *)"
    assert jobs["weekly-etl"].maximum_retry_attempts == 3
    assert jobs["weekly-etl"].cluster_name == "etl"


def test_an_error_in_merged_values_points_at_where_they_are_written(tmp_path: Path) -> None:
    path, lines = rejected(tmp_path, MERGED.format(retries=186, kms=KMS))
    # Line 8, column 29: the value the merge copied; both jobs have it.
    assert any(
        line.startswith(f"{path}:8:29: jobs.nightly-etl.maximum_retry_attempts: ") for line in lines
    ), lines
    assert any(
        line.startswith(f"{path}:8:29: jobs.weekly-etl.maximum_retry_attempts: ") for line in lines
    ), lines


# --- the valid side: defaults, deprecations, ARNs AWS accepts -------------------------------
DEFAULTS = """\
stack: analytics
defaults:
  cluster_name: etl
  ecs_cluster_arn: arn:aws:ecs:eu-west-1:210987654321:cluster/etl
  timezone: Europe/London
  trusted_compute_subnets: [subnet-0123abcd, subnet-0456def0]
  security_group_ids: [sg-0a1b2c3d, sg-0b1c2d3e]
  kms_key_arn: {kms}
  resource_owner: data-eng
  billing_entity: acme
  billing_domain: etl
  security_domain: internal
  aws_region_short_code: euw1
  maximum_retry_attempts: {retries}
  tags: {{team: data, env: prod}}
jobs:
  nightly-etl:
    task_name: nightly-etl
    schedule_expression: cron(30 2 * * ? *)
  hourly-sync:
    task_name: hourly-sync
    schedule_expression: rate(1 hour)
    timezone: UTC
    security_group_ids: [sg-0c1d2e3f]
    tags: {{env: dev}}
"""


def test_defaults_merge_and_a_jobs_own_value_wins_whole(tmp_path: Path) -> None:
    path = write(tmp_path, DEFAULTS.format(kms=KMS, retries=7))
    jobs = load(path, now=NOW).stack.jobs
    nightly, hourly = jobs["nightly-etl"], jobs["hourly-sync"]
    assert nightly.timezone == "Europe/London"
    assert nightly.maximum_retry_attempts == 7
    assert nightly.security_group_ids == ["sg-0a1b2c3d", "sg-0b1c2d3e"]
    assert hourly.timezone == "UTC"
    assert hourly.security_group_ids == ["sg-0c1d2e3f"]  # lists replace, never merge
    assert hourly.tags == {"env": "dev"}  # maps replace, never merge
    assert nightly.tags == {"team": "data", "env": "prod"}


def test_an_error_in_defaults_points_at_the_defaults_line(tmp_path: Path) -> None:
    path, lines = rejected(tmp_path, DEFAULTS.format(kms=KMS, retries=186))
    assert any(
        line.startswith(f"{path}:14:27: defaults.maximum_retry_attempts: ") for line in lines
    ), lines


def test_a_cross_field_error_from_defaults_points_at_the_defaults_line(tmp_path: Path) -> None:
    path, lines = rejected(
        tmp_path, DEFAULTS.format(kms=KMS.replace("eu-west-1", "us-east-1"), retries=5)
    )
    assert lines, "expected an error"
    assert all(line.startswith(f"{path}:8:16: ") for line in lines), lines
    assert all("kms_key_arn" in line for line in lines), lines


def test_a_schedule_over_by_now_loads_with_a_warning(tmp_path: Path) -> None:
    # The window [start, end] has fire times, so the file is valid (docs/expressions.md rejects only
    # schedules that never fire in their window); that it is over by now is a warning.
    text, positions = marks(
        config({"schedule_expression": "«cron(30 2 * * ? *)", "end_date": "2026-01-01T00:00:00Z"})
    )
    path = write(tmp_path, text)
    (warning,) = load(path, now=NOW).warnings
    assert str(warning).startswith(
        f"{path}:{positions[0][0]}:{positions[0][1]}: {job_path('schedule_expression')}: "
    )


def test_security_group_id_is_deprecated_and_folded(tmp_path: Path) -> None:
    text, positions = marks(
        config({"security_group_ids": None}, extra="    «security_group_id: sg-0a1b2c3d\n")
    )
    path = write(tmp_path, text)
    result = load(path, now=NOW)
    assert result.stack.jobs[JOB].security_group_ids == ["sg-0a1b2c3d"]
    (warning,) = result.warnings
    assert (warning.file, warning.line, warning.path) == (
        str(path),
        positions[0][0],
        job_path("security_group_id"),
    )
    assert warning.column in {positions[0][1], positions[0][1] + len("security_group_id: ")}
    assert "deprecated" in warning.message
    assert "security_group_ids" in warning.message


def test_security_group_id_in_defaults_is_deprecated_and_folded(tmp_path: Path) -> None:
    text = DEFAULTS.format(kms=KMS, retries=5).replace(
        "  security_group_ids: [sg-0a1b2c3d, sg-0b1c2d3e]\n", "  security_group_id: sg-0a1b2c3d\n"
    )
    path = write(tmp_path, text)
    result = load(path, now=NOW)
    assert result.stack.jobs[JOB].security_group_ids == ["sg-0a1b2c3d"]
    assert result.stack.jobs["hourly-sync"].security_group_ids == ["sg-0c1d2e3f"]
    assert [(issue.line, issue.path) for issue in result.warnings] == [
        (7, "defaults.security_group_id")
    ]


@pytest.mark.parametrize(
    "changes",
    [
        {"kms_key_arn": "arn:aws:kms:eu-west-1:210987654321:alias/etl"},
        {"permissions_boundary_arn": "arn:aws:iam::aws:policy/PowerUserAccess"},
        {"permissions_boundary_arn": "arn:aws:iam::210987654321:policy/teams/etl-boundary"},
        {"task_role_arn": "arn:aws:iam::210987654321:role/service-role/etl-task"},
        {"trusted_compute_subnets": "[subnet-0123456789abcdef0]"},
        {"schedule_expression": "cron(0 0 ? * 6#5 *)", "end_date": "2027-12-31T23:59:59+01:00"},
        {"schedule_expression": "at(2026-12-01T09:00:00)"},
        {
            "launch_type": "EC2",
            "placement_strategy": "\n      - type: binpack\n        field: memory",
        },
        {"tags": "\n      Team: data\n      cost-centre: '1234'"},
    ],
    ids=[
        "kms-alias",
        "aws-managed-boundary",
        "boundary-with-path",
        "role-with-path",
        "17-hex-subnet",
        "rare-cron-with-end",
        "one-time",
        "ec2-placement",
        "tags",
    ],
)
def test_valid_variants_load(tmp_path: Path, changes: dict[str, str]) -> None:
    path = write(tmp_path, config(changes))
    assert JOB in load(path, now=NOW).stack.jobs


def test_region_account_and_partition_come_from_the_cluster_arn(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        config(
            {
                "ecs_cluster_arn": "arn:aws-us-gov:ecs:us-gov-west-1:210987654321:cluster/etl",
                "kms_key_arn": "arn:aws-us-gov:kms:us-gov-west-1:210987654321:alias/etl",
            }
        ),
    )
    result = load(path, now=NOW)
    job = result.stack.jobs[JOB]
    assert (job.partition, job.region, job.account) == (
        "aws-us-gov",
        "us-gov-west-1",
        "210987654321",
    )
    assert result.path == str(path)
    assert result.warnings == ()


def test_action_after_completion_defaults_by_expression_type(tmp_path: Path) -> None:
    extra = (
        "    additional_schedules:\n      - name: once\n"
        "        schedule_expression: at(2026-12-01T09:00:00)\n"
    )
    path = write(tmp_path, config(extra=extra))
    schedules = {spec.key: spec for spec in load(path, now=NOW).stack.jobs[JOB].schedules}
    assert schedules[""].action_after_completion == "NONE"
    assert schedules["once"].action_after_completion == "DELETE"
