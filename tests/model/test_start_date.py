"""One rule for a schedule's start date in every engine: a passed start date is left out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ecs_scheduler.config import Stack
from ecs_scheduler.engines.aws.registry import canonical_properties
from ecs_scheduler.resources import build, start_date_passed, without_passed_start_dates

JOB = {
    "cluster_name": "jobs",
    "ecs_cluster_arn": "arn:aws:ecs:eu-west-1:123456789012:cluster/jobs",
    "task_name": "report",
    "schedule_expression": "rate(1 hour)",
    "trusted_compute_subnets": ["subnet-0a1b2c3d4e5f60718"],
    "security_group_ids": ["sg-0123456789abcdef0"],
    "kms_key_arn": "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "resource_owner": "data-team",
    "billing_entity": "acme",
    "billing_domain": "analytics",
    "security_domain": "internal",
    "aws_region_short_code": "euw1",
}
START = datetime(2030, 1, 1, tzinfo=UTC)
DESIRED = build(
    Stack.model_validate(
        {
            "stack": "dated",
            "jobs": {
                "report": {
                    **JOB,
                    "start_date": START.isoformat(),
                    "additional_schedules": [
                        {"name": "undated", "schedule_expression": "rate(2 hours)"}
                    ],
                }
            },
        }
    )
)
moments = st.datetimes(
    min_value=datetime(2029, 12, 31), max_value=datetime(2030, 1, 2), timezones=st.just(UTC)
)


@given(now=moments)
def test_only_the_passed_start_date_goes_and_nothing_else_changes(now: datetime) -> None:
    result = without_passed_start_dates(DESIRED, now)
    assert list(result.resources) == list(DESIRED.resources)
    for address, resource in DESIRED.resources.items():
        kept = result.resources[address].properties
        if "StartDate" in resource.properties and now >= START:
            assert kept == {k: v for k, v in resource.properties.items() if k != "StartDate"}
        else:
            assert kept == resource.properties


@given(offset=st.integers(-(10**6), 10**6))
def test_the_aws_engine_compares_by_the_same_rule(offset: int) -> None:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1, seconds=offset)
    canonical = canonical_properties("aws_scheduler_schedule", {"StartDate": start})
    assert ("StartDate" in canonical) == (not start_date_passed(start, datetime.now(UTC)))


def test_a_start_date_at_now_has_passed() -> None:
    assert start_date_passed(START, START)
    assert not start_date_passed(START, START - timedelta(seconds=1))
