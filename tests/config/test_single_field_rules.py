"""Rules about one field live on the model: the JSON Schema refuses what ``validate`` refuses,
and a Job built without the loader is held to them too."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from pydantic import ValidationError

from ecs_scheduler.config import (
    RESERVED_TAG_KEYS,
    SECURITY_GROUP_ID,
    SUBNET_ID,
    Job,
    json_schema,
)
from ecs_scheduler.expressions import FIRST_YEAR, LAST_YEAR
from ecs_scheduler.loader import ConfigError, loads
from tests.config.cases import BASE, appended, edited

NOW = datetime(2026, 6, 1, tzinfo=UTC)
VALIDATOR = Draft202012Validator(json_schema())


def schema_accepts(text: str) -> bool:
    document = yaml.safe_load(text)
    return VALIDATOR.is_valid(document)


def validate_refuses(text: str) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        loads(text, now=NOW)
    return [issue.message for issue in raised.value.issues]


def test_the_base_config_is_accepted_by_both() -> None:
    assert schema_accepts(BASE)
    assert loads(BASE, now=NOW).stack.jobs


@pytest.mark.parametrize(
    "text",
    [
        edited(("[subnet-0a1b2c3d4e5f60718]", "[subnet-xyz]")),
        edited(
            ("[subnet-0a1b2c3d4e5f60718]", "[subnet-0a1b2c3d4e5f60718, subnet-0a1b2c3d4e5f60718]")
        ),
        edited(("[sg-0123456789abcdef0]", "[sg-12]")),
        edited(("123456789012:cluster/batch", "1234:cluster/batch")),
        edited(("kms:us-east-1:123456789012:key/", "kms:us-east-1:123456789012:secret/")),
        appended("    task_role_arn: arn:aws:iam::123456789012:user/someone\n"),
        appended("    permissions_boundary_arn: arn:aws:iam:us-east-1:123456789012:policy/b\n"),
        appended("    dlq_alarm_actions: ['arn:aws:sqs:us-east-1:123456789012:q']\n"),
        appended("    replaces: ['arn:aws:lambda:us-east-1:123456789012:function:f']\n"),
        appended("    tags: {ManagedBy: me}\n"),
        appended("    tags: {'aws:x': y}\n"),
        appended("    tags: {'ecs-scheduler:stack': y}\n"),
        appended("    tags: {resourceowner: y}\n"),
        appended("    task_tags: {'AWS:x': y}\n"),
        appended("    tags: {team: 'a&b'}\n"),
        appended("    tags: {team: ''}\n"),
        appended(
            "    tags: {"
            + ", ".join(f"k{n}: v" for n in range(50 - len(RESERVED_TAG_KEYS) + 1))
            + "}\n"
        ),
        appended("    task_tags: {" + ", ".join(f"k{n}: v" for n in range(51)) + "}\n"),
        appended("    start_date: '2300-01-01T00:00:00+00:00'\n"),
        edited(("cron(0 6 * * ? *)", "cron(0 6 * * ? * *)")),
        edited(("cron(0 6 * * ? *)", "' rate(5 minutes)'")),
        edited(("cron(0 6 * * ? *)", f"'cron(0 6 * * ? *{' ' * 250})'")),
        edited(("timezone: America/New_York", "timezone: Mars/Olympus")),
    ],
)
def test_what_validate_refuses_about_one_field_the_schema_refuses(text: str) -> None:
    assert validate_refuses(text)
    # The time zone and the expression are checked by format, which a validator looks up:
    # only their pattern and length are in the schema itself.
    if "Mars/Olympus" in text or "? * *)" in text:
        return
    assert not schema_accepts(text)


def test_the_id_patterns_are_the_ones_the_local_demo_finds() -> None:
    from ecs_scheduler import local

    assert SUBNET_ID in local._SUBNET.pattern
    assert SECURITY_GROUP_ID in local._SECURITY_GROUP.pattern


def test_the_schema_date_pattern_holds_exactly_the_years_schedules_run_in() -> None:
    pattern = json_schema()["$defs"]["Job"]["properties"]["start_date"]["anyOf"][0]["pattern"]
    years = [year for year in range(10000) if re.match(pattern, f"{year:04d}-01-01")]
    assert years == list(range(FIRST_YEAR, LAST_YEAR + 1))


def _job(**fields: Any) -> dict[str, Any]:
    job: dict[str, Any] = yaml.safe_load(BASE)["jobs"]["report"]
    return {**job, **fields}


@pytest.mark.parametrize("key", sorted(RESERVED_TAG_KEYS))
def test_a_job_built_without_the_loader_may_not_shadow_our_tags(key: str) -> None:
    with pytest.raises(ValidationError, match="this tag key is set by ecs-scheduler itself"):
        Job.model_validate(_job(tags={key: "x"}))


def test_a_job_built_without_the_loader_is_held_to_the_arn_shapes() -> None:
    with pytest.raises(ValidationError, match="is not a KMS key or alias ARN"):
        Job.model_validate(_job(kms_key_arn="arn:aws:kms:us-east-1:123456789012:key/k"))


def test_every_problem_of_a_tag_map_is_reported_at_once() -> None:
    """A rule across the tags (their number, letter case) and the rules of each tag run
    together: one bad tag does not hide the others' problems."""
    tags = ", ".join(f"k{n}: v" for n in range(44))
    assert validate_refuses(appended(f"    tags: {{{tags}, Team: a, team: b, x: 'a&b'}}\n")) == [
        "has 47 tags; at most 43 allowed",
        "differs only in letter case from tag key 'Team'; IAM tag keys ignore case",
        "'a&b': a tag value must be 1-256 letters, digits, spaces or _ . : / = + - @"
        " (Scheduler and SQS refuse an empty value)",
    ]


def test_every_duplicate_id_is_reported_with_the_bad_ones() -> None:
    subnet = "subnet-0a1b2c3d4e5f60718"
    assert validate_refuses(
        edited((f"[{subnet}]", f"[{subnet}, {subnet}, subnet-x, {subnet}]"))
    ) == [
        f"duplicate '{subnet}' (also item 0)",
        "'subnet-x' is not a subnet id (subnet-<8-17 hex digits>)",
        f"duplicate '{subnet}' (also item 0)",
    ]
