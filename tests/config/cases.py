"""A valid single-job config whose lines the error tests edit one at a time."""

from __future__ import annotations

BASE = """\
stack: data-platform
jobs:
  report:
    cluster_name: batch
    ecs_cluster_arn: arn:aws:ecs:us-east-1:123456789012:cluster/batch
    task_name: report
    schedule_expression: cron(0 6 * * ? *)
    timezone: America/New_York
    trusted_compute_subnets: [subnet-0a1b2c3d4e5f60718]
    security_group_ids: [sg-0123456789abcdef0]
    kms_key_arn: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
    resource_owner: data-team
    billing_entity: acme
    billing_domain: analytics
    security_domain: internal
    aws_region_short_code: use1
    maximum_retry_attempts: 5
"""


def edited(*replacements: tuple[str, str]) -> str:
    """BASE with each ``(old, new)`` applied; ``old`` must occur exactly once."""
    text = BASE
    for old, new in replacements:
        assert text.count(old) == 1, f"{old!r} must occur once in BASE"
        text = text.replace(old, new)
    return text


def appended(lines: str) -> str:
    """BASE with job lines added at the end (line 18 onwards)."""
    return BASE + lines
