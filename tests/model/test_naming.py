"""Names are valid for their service, unique within a stack and stable, whatever the config."""

from __future__ import annotations

import hashlib
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from ecs_scheduler.config import NAME_PATTERN, SCHEDULE_NAME_PATTERN
from ecs_scheduler.naming import (
    ALARM_RULE,
    HASH_LENGTH,
    IAM_POLICY_RULE,
    IAM_ROLE_RULE,
    PRIMARY_SCHEDULE_KEY,
    SCHEDULE_GROUP_RULE,
    SCHEDULE_RULE,
    SQS_QUEUE_RULE,
    JobNames,
    NamingParts,
    job_names,
    job_tags,
    names_for_job,
    standard_prefix,
)
from tests.model.factories import make_stack

# Few, clashing characters make accidental collisions likely if the scheme allowed any.
standard_values = st.one_of(
    st.text(alphabet="a-", min_size=1, max_size=5),
    st.text(alphabet="ab-_ .Ä1", min_size=1, max_size=6),
    st.text(min_size=1, max_size=120),
)
stack_names = st.one_of(
    st.text(alphabet="a-", min_size=1, max_size=2), st.from_regex(NAME_PATTERN, fullmatch=True)
)
job_keys = st.one_of(
    st.text(alphabet="a-", min_size=1, max_size=5), st.from_regex(NAME_PATTERN, fullmatch=True)
)
schedule_keys = st.one_of(
    st.text(alphabet="aA-_.", min_size=1, max_size=5),
    st.from_regex(SCHEDULE_NAME_PATTERN, fullmatch=True).filter(lambda key: len(key) <= 64),
)


@st.composite
def naming_parts(draw: st.DrawFn, stack: str | None = None, job: str | None = None) -> NamingParts:
    return NamingParts(
        billing_entity=draw(standard_values),
        billing_domain=draw(standard_values),
        security_domain=draw(standard_values),
        aws_region_short_code=draw(standard_values),
        stack=stack if stack is not None else draw(stack_names),
        job=job if job is not None else draw(job_keys),
    )


def _schedule_key_lists() -> st.SearchStrategy[list[str]]:
    return st.lists(schedule_keys, max_size=4, unique=True).map(
        lambda extra: [PRIMARY_SCHEDULE_KEY, *extra]
    )


@given(naming_parts(), _schedule_key_lists())
@settings(max_examples=200)
def test_every_name_is_valid_for_its_service(parts: NamingParts, keys: list[str]) -> None:
    names = job_names(parts, keys)
    assert SCHEDULE_GROUP_RULE.accepts(names.schedule_group), names.schedule_group
    for name in names.schedules.values():
        assert SCHEDULE_RULE.accepts(name), name
    assert IAM_ROLE_RULE.accepts(names.role), names.role
    assert IAM_POLICY_RULE.accepts(names.role_policy), names.role_policy
    assert SQS_QUEUE_RULE.accepts(names.queue), names.queue
    assert ALARM_RULE.accepts(names.alarm_messages_visible), names.alarm_messages_visible
    assert ALARM_RULE.accepts(names.alarm_oldest_message), names.alarm_oldest_message


@st.composite
def stacks_of_jobs(draw: st.DrawFn) -> list[tuple[NamingParts, list[str]]]:
    """Jobs of one account, mostly of one stack; like real ones (``defaults:``), they often
    share naming parts."""
    shared = draw(naming_parts())
    keys = draw(st.lists(job_keys, min_size=2, max_size=6, unique=True))

    def part(value: str) -> str:
        return draw(st.one_of(st.just(value), standard_values))

    return [
        (
            NamingParts(
                billing_entity=part(shared.billing_entity),
                billing_domain=part(shared.billing_domain),
                security_domain=part(shared.security_domain),
                aws_region_short_code=part(shared.aws_region_short_code),
                stack=draw(st.one_of(st.just(shared.stack), stack_names)),
                job=key,
            ),
            draw(_schedule_key_lists()),
        )
        for key in keys
    ]


def _namespaces(names: list[JobNames]) -> dict[str, list[str]]:
    """Names that AWS requires to be distinct, by namespace (IAM role names ignore case)."""
    return {
        "schedule groups": [n.schedule_group for n in names],
        "schedules": [s for n in names for s in n.schedules.values()],
        "IAM roles": [n.role.lower() for n in names],
        "SQS queues": [n.queue for n in names],
        "alarms": [a for n in names for a in (n.alarm_messages_visible, n.alarm_oldest_message)],
    }


@given(stacks_of_jobs())
@settings(max_examples=150)
def test_names_are_unique_across_jobs_schedules_and_stacks(
    jobs: list[tuple[NamingParts, list[str]]],
) -> None:
    names = [job_names(parts, keys) for parts, keys in jobs]
    for namespace, values in _namespaces(names).items():
        duplicates = [name for name, count in Counter(values).items() if count > 1]
        assert duplicates == [], f"{namespace}: {duplicates}"


def test_hyphens_in_naming_parts_cannot_make_two_jobs_collide() -> None:
    # Region "a-a-a" with job "a" and region "a" with job "a-a-a" would both read
    # "e-d-s-a-a-a-a-a" if the naming-standard parts kept their hyphens.
    first = job_names(NamingParts("e", "d", "s", "a-a-a", "a", "a"), ["", "a"])
    second = job_names(NamingParts("e", "d", "s", "a", "a", "a-a-a"), ["", "a"])
    for namespace, values in _namespaces([first, second]).items():
        assert len(set(values)) == len(values), namespace


def test_two_stacks_in_one_account_cannot_collide() -> None:
    # Stack "team" job "sync-stock" and stack "team-sync" job "stock" would both end in
    # "-team-sync-stock" if stack and job were joined by a hyphen.
    first = job_names(NamingParts("e", "d", "s", "r", "team", "sync-stock"), ["", "a"])
    second = job_names(NamingParts("e", "d", "s", "r", "team-sync", "stock"), ["", "a"])
    for namespace, values in _namespaces([first, second]).items():
        assert len(set(values)) == len(values), namespace


def test_a_schedule_key_cannot_collide_with_a_job_key() -> None:
    # Job "a" with schedule "b" against job "a-b": "_" separates the key, "-" never does.
    first = job_names(NamingParts("e", "d", "s", "r", "st", "a"), ["", "b"])
    second = job_names(NamingParts("e", "d", "s", "r", "st", "a-b"), [""])
    assert set(first.schedules.values()).isdisjoint(second.schedules.values())


@given(naming_parts(), _schedule_key_lists())
def test_names_are_stable(parts: NamingParts, keys: list[str]) -> None:
    copy = NamingParts(**vars(parts))
    assert job_names(parts, keys) == job_names(copy, list(keys))


@given(naming_parts())
def test_a_name_too_long_is_shortened_to_the_limit_with_the_hash_of_the_full_name(
    parts: NamingParts,
) -> None:
    names = job_names(parts, [PRIMARY_SCHEDULE_KEY])
    tail = f"-{parts.stack}_{parts.job}"
    full = {
        names.schedule_group: (standard_prefix(parts) + tail, 64),
        names.role: (standard_prefix(parts) + tail + "-scheduler", 64),
        names.queue: (standard_prefix(parts) + tail + "-dlq", 80),
    }
    for name, (full_name, limit) in full.items():
        if len(full_name) <= limit:
            assert name == full_name
        else:
            digest = hashlib.sha256(full_name.encode()).hexdigest()[:HASH_LENGTH]
            assert len(name) <= limit
            assert name.endswith(f"-{digest}")


GOLDEN_PARTS = NamingParts(
    billing_entity="acme",
    billing_domain="analytics",
    security_domain="internal",
    aws_region_short_code="use1",
    stack="reporting",
    job="daily-report",
)


def test_golden_names() -> None:
    names = job_names(GOLDEN_PARTS, ["", "weekend"])
    base = "acme-analytics-internal-use1-reporting_daily-report"
    assert names == JobNames(
        schedule_group=base,
        schedules={"": base, "weekend": f"{base}_weekend"},
        role=f"{base}-scheduler",
        role_policy=f"{base}-scheduler",
        queue=f"{base}-dlq",
        alarm_messages_visible=f"{base}-dlq-messages-visible",
        alarm_oldest_message=f"{base}-dlq-oldest-message",
    )


def test_golden_shortened_names() -> None:
    parts = NamingParts(
        billing_entity="Acme Corporation International",
        billing_domain="Data & Analytics Platform",
        security_domain="Confidential",
        aws_region_short_code="use1",
        stack="data-platform",
        job="nightly-report",
    )
    names = job_names(parts, ["", "Weekend.Run_2"])
    assert (
        names.schedule_group == "acmecorporationinternation-data-platform_nightly-report-ef8fdaee"
    )
    assert names.schedules["Weekend.Run_2"] == (
        "acmecorporat-data-platform_nightly-report_Weekend.Run_2-0f63937b"
    )
    assert names.role == "acmecorporationi-data-platform_nightly-report-scheduler-9aff17ac"
    assert names.queue == (
        "acmecorporationinternational-dataanaly-data-platform_nightly-report-dlq-1f321700"
    )
    assert names.alarm_oldest_message == (
        "acmecorporationinternational-dataanalyticsplatform-confidential-use1"
        "-data-platform_nightly-report-dlq-oldest-message"
    )


def test_a_part_with_no_usable_character_becomes_a_hash_of_its_text() -> None:
    names = job_names(NamingParts("---", "Ä", "Internal Use", "use1", "s", "j"), [""])
    first, second = (
        hashlib.sha256(text.encode()).hexdigest()[:HASH_LENGTH] for text in ("---", "Ä")
    )
    assert names.schedule_group == f"h{first}-h{second}-internaluse-use1-s_j"


def test_names_and_tags_of_a_configured_job() -> None:
    stack = make_stack(
        {
            "daily": {
                # The model refuses a tag key of ours (tests/config/test_single_field_rules.py).
                "tags": {"Team": "data"},
                "additional_schedules": [{"name": "late", "schedule_expression": "rate(1 day)"}],
            }
        }
    )
    job = stack.jobs["daily"]
    names = names_for_job("reporting", "daily", job)
    assert list(names.schedules) == ["", "late"]
    assert names.role == "acme-analytics-internal-euw1-reporting_daily-scheduler"
    assert job_tags("reporting", "daily", job) == {
        "Team": "data",
        "ResourceOwner": "data-team",
        "BillingEntity": "acme",
        "BillingDomain": "analytics",
        "SecurityDomain": "internal",
        "ManagedBy": "ecs-scheduler",
        "ecs-scheduler:stack": "reporting",
        "ecs-scheduler:job": "daily",
    }
