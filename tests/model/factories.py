"""A job in a known account, region and cluster, for the model's tests to vary."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecs_scheduler.config import Stack

ACCOUNT = "123456789012"
REGION = "eu-west-1"
CLUSTER_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/jobs"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
TASK_ROLE = f"arn:aws:iam::{ACCOUNT}:role/report-task"
EXECUTION_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ecs-task-execution"
OVERRIDE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/report-task-weekend"

BASE_JOB: dict[str, Any] = {
    "cluster_name": "jobs",
    "ecs_cluster_arn": CLUSTER_ARN,
    "task_name": "report",
    "schedule_expression": "cron(0 6 * * ? *)",
    "trusted_compute_subnets": ["subnet-0a1b2c3d4e5f60718"],
    "security_group_ids": ["sg-0123456789abcdef0"],
    "kms_key_arn": KEY_ARN,
    "resource_owner": "data-team",
    "billing_entity": "acme",
    "billing_domain": "analytics",
    "security_domain": "internal",
    "aws_region_short_code": "euw1",
}


def make_stack(jobs: Mapping[str, Mapping[str, Any]], stack: str = "reporting") -> Stack:
    """A stack whose jobs are ``BASE_JOB`` updated by each job's own fields."""
    return Stack.model_validate(
        {"stack": stack, "jobs": {key: {**BASE_JOB, **fields} for key, fields in jobs.items()}}
    )
