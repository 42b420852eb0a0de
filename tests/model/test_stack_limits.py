"""The desired state refuses what AWS would refuse halfway through an apply: a scheduler
policy over IAM's 10,240 characters, and two resources of one kind with one AWS name."""

from __future__ import annotations

import json
import re

import pytest

from ecs_scheduler.naming import NamingParts, job_names
from ecs_scheduler.resources import ROLE_POLICY_MAX_CHARACTERS, ModelError, build
from tests.model.factories import ACCOUNT, make_stack

ROLE = f"arn:aws:iam::{ACCOUNT}:role/"


def schedules_passing(roles: int) -> list[dict[str, object]]:
    """Additional schedules each passing a role of its own (a long path makes each ARN long)."""
    return [
        {
            "name": f"s{n}",
            "schedule_expression": "cron(0 6 * * ? *)",
            "overrides": {"taskRoleArn": f"{ROLE}{'team/' * 30}task-{n}"},
        }
        for n in range(roles)
    ]


def built_policy_size(roles: int) -> int | None:
    """The size of the built policy without white space; ``None`` if build refuses it."""
    stack = make_stack({"report": {"additional_schedules": schedules_passing(roles)}})
    try:
        desired = build(stack)
    except ModelError as error:
        refused = re.search(r"policy is (\d+) characters", str(error))
        assert refused is not None
        assert int(refused[1]) > ROLE_POLICY_MAX_CHARACTERS
        return None
    document = desired.resources["module.report.aws_iam_role_policy.scheduler"].properties
    text = json.dumps(document["PolicyDocument"], separators=(",", ":"), default=lambda _: "")
    return len(text)


def test_a_scheduler_policy_over_iams_quota_is_refused_naming_the_job() -> None:
    stack = make_stack({"report": {"additional_schedules": schedules_passing(80)}})
    with pytest.raises(ModelError) as raised:
        build(stack)
    message = str(raised.value)
    assert message.startswith("job report: its scheduler role policy is ")
    assert f"IAM allows at most {ROLE_POLICY_MAX_CHARACTERS}" in message


def test_the_limit_falls_between_the_largest_policy_built_and_the_next() -> None:
    roles = 1
    while (size := built_policy_size(roles + 1)) is not None:
        assert size <= ROLE_POLICY_MAX_CHARACTERS
        roles += 1
    assert roles > 10  # the quota is reached only by many long role ARNs


def colliding_jobs() -> dict[str, dict[str, object]]:
    """Job ``j`` with a long region code is shortened to ``<cut head>-reporting_j-<hash>``;
    job ``j-<hash>``, whose naming parts are that cut head, is that name unshortened."""
    long_region = "euw1" + "x" * 40
    parts = NamingParts("acme", "analytics", "internal", long_region, "reporting", "j")
    shortened = job_names(parts, [""]).schedule_group
    head, job_key = shortened.split("-reporting_")
    entity, domain, security, region = head.split("-")
    return {
        "j": {"aws_region_short_code": long_region},
        job_key: {
            "billing_entity": entity,
            "billing_domain": domain,
            "security_domain": security,
            "aws_region_short_code": region,
        },
    }


def test_a_shortened_name_meeting_another_jobs_name_is_refused() -> None:
    jobs = colliding_jobs()
    other = next(key for key in jobs if key != "j")
    with pytest.raises(ModelError) as raised:
        build(make_stack(jobs))
    assert str(raised.value).startswith(f"job 'j' and job {other!r} get the same AWS name ")
    assert "(aws_scheduler_schedule_group) once shortened" in str(raised.value)


def test_distinct_jobs_of_an_ordinary_stack_build() -> None:
    desired = build(make_stack({"j": {}, "j-eb90a16a": {}, "a-b": {}}))
    names = [r.aws_name for r in desired.resources.values() if r.type == "aws_iam_role"]
    assert len(names) == len(set(names)) == 3
