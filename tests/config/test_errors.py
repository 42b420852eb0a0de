"""Broken configs, one edit each: every one is rejected with its exact ``file:line:col: path: message``."""
# ruff: noqa: E501 - each case holds the exact message line, which is longer than code lines.

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ecs_scheduler.loader import ConfigError, loads
from tests.config.cases import BASE, appended, edited

NOW = datetime(2026, 6, 1, tzinfo=UTC)
R = "maximum_retry_attempts: 5"

CASES = [
    pytest.param(
        edited((R, "maximum_retry_attempts: 200")),
        "ecs-scheduler.yaml:17:29: jobs.report.maximum_retry_attempts: 200 is out of range 0-185",
        id="retry-out-of-range",
    ),
    pytest.param(
        edited((R, "maximum_retry_attempts: -1")),
        "ecs-scheduler.yaml:17:29: jobs.report.maximum_retry_attempts: -1 is out of range 0-185",
        id="retry-negative",
    ),
    pytest.param(
        edited((R, "maximum_retry_attempts: 123456789012345678901234567890")),
        "ecs-scheduler.yaml:17:29: jobs.report.maximum_retry_attempts: 123456789012345678901234567890 is out of range 0-185",
        id="retry-huge",
    ),
    pytest.param(
        edited((R, "maximum_retry_attempts: 2.5")),
        "ecs-scheduler.yaml:17:29: jobs.report.maximum_retry_attempts: expected a whole number, got 2.5",
        id="retry-float",
    ),
    pytest.param(
        edited((R, "maximum_retry_attempts: many")),
        "ecs-scheduler.yaml:17:29: jobs.report.maximum_retry_attempts: expected a whole number, got 'many'",
        id="retry-string",
    ),
    pytest.param(
        edited(("    task_name: report\n", "")),
        "ecs-scheduler.yaml:3:3: jobs.report.task_name: required field is missing",
        id="missing-task-name",
    ),
    pytest.param(
        edited(("    timezone:", "    timezon:")),
        "ecs-scheduler.yaml:8:5: jobs.report.timezon: unknown field; did you mean 'timezone'?",
        id="unknown-field-typo",
    ),
    pytest.param(
        edited(("stack: data-platform", "stack: data-platform\njob: {}")),
        "ecs-scheduler.yaml:2:1: job: unknown field; did you mean 'jobs'?",
        id="unknown-top-level",
    ),
    pytest.param(
        edited(("[subnet-0a1b2c3d4e5f60718]", "subnet-0a1b2c3d4e5f60718")),
        "ecs-scheduler.yaml:9:30: jobs.report.trusted_compute_subnets: expected a list of subnet ids, got the string 'subnet-0a1b2c3d4e5f60718'",
        id="subnets-not-list",
    ),
    pytest.param(
        edited(("[subnet-0a1b2c3d4e5f60718]", "[]")),
        "ecs-scheduler.yaml:9:30: jobs.report.trusted_compute_subnets: expected 1-16 subnet ids, got 0",
        id="subnets-empty",
    ),
    pytest.param(
        edited(("[subnet-0a1b2c3d4e5f60718]", "[subnet-xyz]")),
        "ecs-scheduler.yaml:9:31: jobs.report.trusted_compute_subnets[0]: 'subnet-xyz' is not a subnet id (subnet-<8-17 hex digits>)",
        id="subnet-bad-id",
    ),
    pytest.param(
        edited(
            ("[subnet-0a1b2c3d4e5f60718]", "[subnet-0a1b2c3d4e5f60718, subnet-0a1b2c3d4e5f60718]")
        ),
        "ecs-scheduler.yaml:9:57: jobs.report.trusted_compute_subnets[1]: duplicate 'subnet-0a1b2c3d4e5f60718' (also item 0)",
        id="subnet-duplicate",
    ),
    pytest.param(
        edited(("[sg-0123456789abcdef0]", "[sg-12]")),
        "ecs-scheduler.yaml:10:26: jobs.report.security_group_ids[0]: 'sg-12' is not a security group id (sg-<8-17 hex digits>)",
        id="sg-bad-id",
    ),
    pytest.param(
        edited(
            ("[sg-0123456789abcdef0]", "[" + ", ".join(f"sg-0000000{i}" for i in range(6)) + "]")
        ),
        "ecs-scheduler.yaml:10:25: jobs.report.security_group_ids: expected 1-5 security group ids, got 6",
        id="too-many-sgs",
    ),
    pytest.param(
        edited(
            (
                "arn:aws:ecs:us-east-1:123456789012:cluster/batch",
                "arn:aws:ecs:us-east-1:1234:cluster/batch",
            )
        ),
        "ecs-scheduler.yaml:5:22: jobs.report.ecs_cluster_arn: 'arn:aws:ecs:us-east-1:1234:cluster/batch' is not an ECS cluster ARN (arn:<partition>:ecs:<region>:<12-digit account>:cluster/<name>)",
        id="bad-cluster-arn",
    ),
    pytest.param(
        edited(("cluster_name: batch", "cluster_name: other")),
        "ecs-scheduler.yaml:4:19: jobs.report.cluster_name: 'other' does not match the cluster of ecs_cluster_arn ('batch')",
        id="cluster-name-mismatch",
    ),
    pytest.param(
        edited(("arn:aws:kms:us-east-1:", "arn:aws:kms:eu-west-1:")),
        "ecs-scheduler.yaml:11:18: jobs.report.kms_key_arn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' is in region eu-west-1, but ecs_cluster_arn is in region us-east-1",
        id="kms-other-region",
    ),
    pytest.param(
        edited(("arn:aws:kms:us-east-1:123456789012", "arn:aws:kms:us-east-1:210987654321")),
        "ecs-scheduler.yaml:11:18: jobs.report.kms_key_arn: 'arn:aws:kms:us-east-1:210987654321:key/1234abcd-12ab-34cd-56ef-1234567890ab' is in account 210987654321, but ecs_cluster_arn is in account 123456789012",
        id="kms-other-account",
    ),
    pytest.param(
        edited(
            (
                "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                "alias/my-key",
            )
        ),
        "ecs-scheduler.yaml:11:18: jobs.report.kms_key_arn: 'alias/my-key' is not a KMS key or alias ARN",
        id="kms-not-kms",
    ),
    pytest.param(
        edited(("cron(0 6 * * ? *)", "cron(0 6 ? * 8 *)")),
        "ecs-scheduler.yaml:7:26: jobs.report.schedule_expression: cron field 5 (day-of-week): '8' is out of range 1-7 (1=SUN … 7=SAT)",
        id="bad-cron-dow",
    ),
    pytest.param(
        edited(("cron(0 6 * * ? *)", "cron(0 6 * * * *)")),
        "ecs-scheduler.yaml:7:26: jobs.report.schedule_expression: cron: exactly one of day-of-month and day-of-week must be '?' (got '*' and '*')",
        id="bad-cron-both-days",
    ),
    pytest.param(
        edited(("cron(0 6 * * ? *)", "rate(0 minutes)")),
        "ecs-scheduler.yaml:7:26: jobs.report.schedule_expression: rate: the value must be a whole number of at least 1, not '0'",
        id="bad-rate",
    ),
    pytest.param(
        edited(("America/New_York", "America/New_Yrok")),
        "ecs-scheduler.yaml:8:15: jobs.report.timezone: 'America/New_Yrok' is not an IANA time zone name (did you mean 'America/New_York'?)",
        id="bad-timezone",
    ),
    pytest.param(
        edited(("stack: data-platform", "stack: Data_Platform")),
        "ecs-scheduler.yaml:1:8: stack: 'Data_Platform' is not a valid stack name: use 1-32 lowercase letters, digits and '-'",
        id="stack-name",
    ),
    pytest.param(
        edited(("  report:", "  Report_Job:")),
        "ecs-scheduler.yaml:3:3: jobs.Report_Job: 'Report_Job' is not a valid job key: use 1-32 lowercase letters, digits and '-'",
        id="job-key",
    ),
    pytest.param(
        "stack: data-platform\njobs: {}\n",
        "ecs-scheduler.yaml:2:7: jobs: a stack needs at least one job: a mapping of job keys to job fields",
        id="no-jobs",
    ),
    pytest.param(
        "stack: data-platform\n",
        "ecs-scheduler.yaml:1:1: jobs: required field is missing",
        id="jobs-missing",
    ),
    pytest.param(
        BASE.replace("stack: data-platform\n", ""),
        "ecs-scheduler.yaml:1:1: stack: required field is missing",
        id="stack-missing",
    ),
    pytest.param(
        appended("    launch_type: EC2\n    platform_version: LATEST\n"),
        "ecs-scheduler.yaml:19:23: jobs.report.platform_version: applies only to FARGATE; this job's launch type is EC2",
        id="platform-version-ec2",
    ),
    pytest.param(
        appended("    launch_type: EC2\n    assign_public_ip: true\n"),
        "ecs-scheduler.yaml:19:23: jobs.report.assign_public_ip: true needs FARGATE; this job's launch type is EC2",
        id="public-ip-ec2",
    ),
    pytest.param(
        appended(
            "    placement_strategy:\n      - type: spread\n        field: attribute:ecs.availability-zone\n"
        ),
        "ecs-scheduler.yaml:19:7: jobs.report.placement_strategy: applies only to EC2; this job's launch type is FARGATE (the default)",
        id="placement-on-fargate",
    ),
    pytest.param(
        appended(
            "    launch_type: FARGATE\n    capacity_provider_strategy:\n      - capacity_provider: FARGATE_SPOT\n"
        ),
        "ecs-scheduler.yaml:20:7: jobs.report.capacity_provider_strategy: cannot be combined with launch_type (FARGATE): set one or the other",
        id="launch-type-and-cps",
    ),
    pytest.param(
        appended("    launch_type: fargate\n"),
        "ecs-scheduler.yaml:18:18: jobs.report.launch_type: 'fargate' is not one of 'FARGATE', 'EC2' or 'EXTERNAL'",
        id="launch-type-literal",
    ),
    pytest.param(
        appended("    start_date: 2026-01-01T00:00:00\n"),
        "ecs-scheduler.yaml:18:17: jobs.report.start_date: '2026-01-01T00:00:00' has no UTC offset; write it like 2026-01-01T06:00:00+00:00",
        id="start-naive",
    ),
    pytest.param(
        appended("    start_date: 2026-03-01T00:00:00Z\n    end_date: 2026-02-01T00:00:00Z\n"),
        "ecs-scheduler.yaml:19:15: jobs.report.end_date: end_date 2026-02-01T00:00:00+00:00 is not after start_date 2026-03-01T00:00:00+00:00",
        id="start-after-end",
    ),
    pytest.param(
        edited(("cron(0 6 * * ? *)", "at(2030-01-01T00:00:00)"))
        + "    start_date: 2026-01-01T00:00:00Z\n",
        "ecs-scheduler.yaml:18:17: jobs.report.start_date: cannot be used with at(): a one-time schedule fires once, at its own time",
        id="at-with-start",
    ),
    pytest.param(
        edited(("cron(0 6 * * ? *)", "cron(0 6 30 2 ? *)")),
        "ecs-scheduler.yaml:7:26: jobs.report.schedule_expression: cron(0 6 30 2 ? *) never fires",
        id="never-fires",
    ),
    pytest.param(
        appended("    start_date: 2026-01-01T00:00:00Z\n    end_date: 2026-01-01T05:00:00Z\n"),
        "ecs-scheduler.yaml:7:26: jobs.report.schedule_expression: cron(0 6 * * ? *) never fires between its start_date and end_date",
        id="never-fires-window",
    ),
    pytest.param(
        appended(
            "    additional_schedules:\n      - name: evening\n        schedule_expression: cron(0 18 * * ? *)\n      - name: evening\n        schedule_expression: cron(0 19 * * ? *)\n"
        ),
        "ecs-scheduler.yaml:21:15: jobs.report.additional_schedules[1].name: duplicate schedule name 'evening' (also additional_schedules[0])",
        id="duplicate-schedule-name",
    ),
    pytest.param(
        appended(
            "    additional_schedules:\n      - name: ''\n        schedule_expression: cron(0 18 * * ? *)\n"
        ),
        "ecs-scheduler.yaml:19:15: jobs.report.additional_schedules[0].name: must not be empty (the empty key is the primary schedule's)",
        id="empty-schedule-name",
    ),
    pytest.param(
        appended(
            "    additional_schedules:\n      - name: every evening\n        schedule_expression: cron(0 18 * * ? *)\n"
        ),
        "ecs-scheduler.yaml:19:15: jobs.report.additional_schedules[0].name: 'every evening' is not a valid schedule name: use letters, digits, '_', '.' and '-'",
        id="bad-schedule-name",
    ),
    pytest.param(
        appended("    additional_schedules:\n      - name: evening\n"),
        "ecs-scheduler.yaml:19:9: jobs.report.additional_schedules[0].schedule_expression: required field is missing",
        id="schedule-missing-expression",
    ),
    pytest.param(
        appended(
            "    additional_schedules:\n      - name: evening\n        schedule_expression: cron(0 18 * * ? *)\n        time_zone: UTC\n"
        ),
        "ecs-scheduler.yaml:21:9: jobs.report.additional_schedules[0].time_zone: unknown field; did you mean 'timezone'?",
        id="schedule-unknown-field",
    ),
    pytest.param(
        appended("    overrides:\n      containerOverride:\n        - name: app\n"),
        "ecs-scheduler.yaml:19:7: jobs.report.overrides.containerOverride: unknown field; did you mean 'containerOverrides'?",
        id="override-unknown-field",
    ),
    pytest.param(
        appended("    overrides:\n      taskRoleArn: arn:aws:iam::999999999999:role/app\n"),
        "ecs-scheduler.yaml:19:20: jobs.report.overrides.taskRoleArn: 'arn:aws:iam::999999999999:role/app' is in account 999999999999, but ecs_cluster_arn is in account 123456789012",
        id="override-role-other-account",
    ),
    pytest.param(
        appended("    task_role_arn: arn:aws:iam::123456789012:user/app\n"),
        "ecs-scheduler.yaml:18:20: jobs.report.task_role_arn: 'arn:aws:iam::123456789012:user/app' is not an IAM role ARN",
        id="task-role-malformed",
    ),
    pytest.param(
        appended(
            "    permissions_boundary_arn: arn:aws:iam:us-east-1:123456789012:policy/boundary\n"
        ),
        "ecs-scheduler.yaml:18:31: jobs.report.permissions_boundary_arn: 'arn:aws:iam:us-east-1:123456789012:policy/boundary' is not an IAM policy ARN",
        id="boundary-regional",
    ),
    pytest.param(
        appended("    dlq_alarm_actions: [arn:aws:sns:us-west-2:123456789012:alerts]\n"),
        "ecs-scheduler.yaml:18:25: jobs.report.dlq_alarm_actions[0]: 'arn:aws:sns:us-west-2:123456789012:alerts' is in region us-west-2, but ecs_cluster_arn is in region us-east-1",
        id="sns-other-region",
    ),
    pytest.param(
        appended("    tags:\n      aws:owner: me\n"),
        "ecs-scheduler.yaml:19:7: jobs.report.tags.aws:owner: the tag key prefix 'aws:' is reserved by AWS",
        id="tag-aws-prefix",
    ),
    pytest.param(
        appended("    tags:\n      ecs-scheduler:job: other\n"),
        "ecs-scheduler.yaml:19:7: jobs.report.tags.ecs-scheduler:job: this tag key is set by ecs-scheduler itself",
        id="tag-own-key",
    ),
    pytest.param(
        appended("    tags:\n      CostCenter: 1234\n"),
        "ecs-scheduler.yaml:19:19: jobs.report.tags.CostCenter: expected a string, got 1234; quote it",
        id="tag-value-number",
    ),
    pytest.param(
        appended("    task_tags:\n      Note: " + "x" * 300 + "\n"),
        "ecs-scheduler.yaml:19:13: jobs.report.task_tags.Note: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...: a tag value must be 1-256 letters, digits, spaces or _ . : / = + - @ (Scheduler and SQS refuse an empty value)",
        id="task-tag-too-long",
    ),
    pytest.param(
        appended("    description: " + "d" * 513 + "\n"),
        "ecs-scheduler.yaml:18:18: jobs.report.description: is 513 characters long; at most 512 allowed",
        id="description-too-long",
    ),
    pytest.param(
        appended("    enabled: maybe\n"),
        "ecs-scheduler.yaml:18:14: jobs.report.enabled: expected true or false, got 'maybe'",
        id="enabled-not-bool",
    ),
    pytest.param(
        appended("    task_count: 0\n"),
        "ecs-scheduler.yaml:18:17: jobs.report.task_count: 0 is out of range 1-10",
        id="task-count-zero",
    ),
    pytest.param(
        appended("    flexible_time_window_minutes: 1441\n"),
        "ecs-scheduler.yaml:18:35: jobs.report.flexible_time_window_minutes: 1441 is out of range 1-1440",
        id="flexible-window",
    ),
    pytest.param(
        appended("    overrides:\n      ephemeralStorage:\n        sizeInGiB: 10\n"),
        "ecs-scheduler.yaml:20:20: jobs.report.overrides.ephemeralStorage.sizeInGiB: 10 is out of range 21-200",
        id="ephemeral-storage",
    ),
    pytest.param(
        appended(
            "    capacity_provider_strategy:\n"
            + "".join(f"      - capacity_provider: cp{i}\n" for i in range(7))
        ),
        "ecs-scheduler.yaml:19:7: jobs.report.capacity_provider_strategy: expected 0-6 capacity provider strategy items, got 7",
        id="cps-too-many",
    ),
    pytest.param(
        appended("    launch_type: EC2\n    placement_strategy:\n      - type: spread\n"),
        "ecs-scheduler.yaml:20:9: jobs.report.placement_strategy[0]: spread placement needs a field, e.g. attribute:ecs.availability-zone",
        id="spread-without-field",
    ),
    pytest.param(
        appended("    task_name: report2\n"),
        "ecs-scheduler.yaml:18:5: jobs.report.task_name: duplicate key 'task_name' (first defined at line 6)",
        id="duplicate-key",
    ),
    pytest.param(
        edited(("    task_name: report\n", "    task_name: [report\n")),
        "ecs-scheduler.yaml:7:24: YAML syntax error: expected ',' or ']', but got ':' (while parsing a flow sequence)",
        id="yaml-syntax",
    ),
    pytest.param(
        "- stack: a\n",
        "ecs-scheduler.yaml:1:1: the top level must be a mapping with 'stack' and 'jobs', not a list",
        id="top-level-list",
    ),
    pytest.param(
        "stack: a\njobs:\n  report: yes\n",
        "ecs-scheduler.yaml:3:11: jobs.report: expected a mapping of job fields, got the string 'yes'",
        id="job-not-mapping",
    ),
    pytest.param(
        edited(("cluster_name: batch", "cluster_name: !Ref Cluster")),
        "ecs-scheduler.yaml:4:19: jobs.report.cluster_name: unsupported YAML tag '!Ref'",
        id="custom-tag",
    ),
    pytest.param(
        edited(("    task_name: report\n", "\ttask_name: report\n")),
        "ecs-scheduler.yaml:6:1: YAML syntax error: found character '\\t' that cannot start any token (while scanning for the next token)",
        id="tabs",
    ),
    pytest.param(
        BASE + "---\nstack: b\n",
        "ecs-scheduler.yaml:18:1: YAML syntax error: expected a single document in the stream, but found another document",
        id="multiple-documents",
    ),
    pytest.param(
        appended("    security_group_id: [sg-0123456789abcdef0]\n"),
        "ecs-scheduler.yaml:18:24: jobs.report.security_group_id: expected a security group id, got a list",
        id="sg-id-deprecated-not-string",
    ),
    pytest.param(
        edited(("task_name: report", "task_name: daily report")),
        "ecs-scheduler.yaml:6:16: jobs.report.task_name: 'daily report' is not a valid task definition family: use letters, digits, '_' and '-'",
        id="task-name-pattern",
    ),
    pytest.param(
        appended("    start_date: tomorrow\n"),
        "ecs-scheduler.yaml:18:17: jobs.report.start_date: 'tomorrow' is not an ISO 8601 date-time like 2026-01-01T06:00:00+00:00",
        id="dates-not-date",
    ),
    pytest.param(
        appended("    start_date: 0001-01-01T00:00:00+05:00\n"),
        "ecs-scheduler.yaml:18:17: jobs.report.start_date: 0001-01-01T00:00:00+05:00 is outside the years 1970-2199",
        id="start-date-year-1",
    ),
    pytest.param(
        edited(("cron(0 6 * * ? *)", "at(9999-12-31T23:59:59)")),
        "ecs-scheduler.yaml:7:26: jobs.report.schedule_expression: at(): the year must be between 1970 and 2199",
        id="at-year-9999",
    ),
    pytest.param(
        edited(("cron(0 6 * * ? *)", "rate(99999999999999999999 days)")),
        "ecs-scheduler.yaml:7:26: jobs.report.schedule_expression: rate: 99999999999999999999 days is longer than the 230-year range schedules run in, so it would never fire twice",
        id="rate-too-large",
    ),
    pytest.param(
        appended("    tags: {'': x}\n"),
        "ecs-scheduler.yaml:18:12: jobs.report.tags.: a tag key must be 1-128 letters, digits, spaces or _ . : / = + - @",
        id="tag-key-empty",
    ),
    pytest.param(
        appended("    additional_schedules: [null]\n"),
        "ecs-scheduler.yaml:18:28: jobs.report.additional_schedules[0]: expected a mapping of fields, got nothing (null)",
        id="additional-schedule-null",
    ),
    pytest.param(
        appended("    task_count: true\n"),
        "ecs-scheduler.yaml:18:17: jobs.report.task_count: expected a whole number, got true",
        id="task-count-boolean",
    ),
    pytest.param(
        appended("    enabled: 1\n"),
        "ecs-scheduler.yaml:18:14: jobs.report.enabled: expected true or false, got 1",
        id="enabled-number",
    ),
    pytest.param(
        appended("    overrides: {cpu: 256}\n"),
        "ecs-scheduler.yaml:18:22: jobs.report.overrides.cpu: expected a string, got 256; quote it",
        id="override-cpu-number",
    ),
    pytest.param(
        appended("    overrides: {cpu: lots}\n"),
        "ecs-scheduler.yaml:18:22: jobs.report.overrides.cpu: 'lots' is not a task cpu override: write CPU units as a positive whole number ('256', '1024') or vCPUs ('1 vCPU', '0.25 vCPU')",
        id="override-cpu-word",
    ),
    pytest.param(
        appended("    overrides: {cpu: 0 vCPU}\n"),
        "ecs-scheduler.yaml:18:22: jobs.report.overrides.cpu: '0 vCPU' is not a task cpu override: write CPU units as a positive whole number ('256', '1024') or vCPUs ('1 vCPU', '0.25 vCPU')",
        id="override-cpu-zero-vcpu",
    ),
    pytest.param(
        appended("    overrides: {memory: '-5'}\n"),
        "ecs-scheduler.yaml:18:25: jobs.report.overrides.memory: '-5' is not a task memory override: write MiB as a positive whole number ('512', '2048') or GB ('2 GB', '0.5 GB')",
        id="override-memory-negative",
    ),
    pytest.param(
        appended(
            "    additional_schedules:\n      - name: evening\n        schedule_expression: cron(0 18 * * ? *)\n        overrides: {memory: 2 TB}\n"
        ),
        "ecs-scheduler.yaml:21:29: jobs.report.additional_schedules[0].overrides.memory: '2 TB' is not a task memory override: write MiB as a positive whole number ('512', '2048') or GB ('2 GB', '0.5 GB')",
        id="additional-override-memory-unit",
    ),
    pytest.param(
        appended(
            "    capacity_provider_strategy:\n      - {capacity_provider: FARGATE, base: 2}\n"
            "      - {capacity_provider: FARGATE_SPOT}\n      - {capacity_provider: cp, base: 1}\n"
        ),
        "ecs-scheduler.yaml:21:39: jobs.report.capacity_provider_strategy[2].base: only one capacity provider of a strategy may have a base above 0; item 0 already has base 2",
        id="cps-two-bases",
    ),
    pytest.param(
        appended("    task_count: " + "9" * 5000 + "\n"),
        "ecs-scheduler.yaml:18:17: jobs.report.task_count: '99999999999999999999999999999999999999999999999999999999... is too large: a whole number of 5000 digits",
        id="task-count-5000-digits",
    ),
    pytest.param(
        appended("    task_count: 0x" + "f" * 5000 + "\n"),
        "ecs-scheduler.yaml:18:17: jobs.report.task_count: a number of about 6021 digits is out of range 1-10",
        id="task-count-huge-hex",
    ),
    pytest.param(
        appended("    task_count: !!int abc\n"),
        "ecs-scheduler.yaml:18:17: jobs.report.task_count: 'abc' is not a whole number (!!int)",
        id="explicit-int-tag",
    ),
    pytest.param(
        appended("    task_count: !!float abc\n"),
        "ecs-scheduler.yaml:18:17: jobs.report.task_count: 'abc' is not a number (!!float)",
        id="explicit-float-tag",
    ),
    pytest.param(
        appended("    enabled: !!bool maybe\n"),
        "ecs-scheduler.yaml:18:14: jobs.report.enabled: 'maybe' is not true or false (!!bool)",
        id="explicit-bool-tag",
    ),
    pytest.param(
        appended("    start_date: !!timestamp nope\n"),
        "ecs-scheduler.yaml:18:17: jobs.report.start_date: 'nope' is not a date or timestamp like 2026-01-01T06:00:00+00:00 (!!timestamp)",
        id="explicit-timestamp-tag",
    ),
    pytest.param(
        edited(("cron(0 6 * * ? *)", "cron(" + "9" * 5000 + " 6 * * ? *)")),
        "ecs-scheduler.yaml:7:26: jobs.report.schedule_expression: cron field 1 (minutes): '99999999999999999999999…' is out of range 0-59",
        id="cron-minute-5000-digits",
    ),
    pytest.param(
        "stack: data-platform\njobs:\n  - report\n",
        "ecs-scheduler.yaml:3:3: jobs: expected a mapping of job keys to job fields, got a list",
        id="jobs-a-list",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_broken_config_is_reported_at_the_offending_value(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        loads(text, now=NOW)
    assert str(caught.value) == expected
    assert len(caught.value.issues) == 1


def test_the_table_covers_at_least_forty_distinct_cases() -> None:
    assert len({case.id for case in CASES}) == len(CASES) >= 40
