"""`validate` knows AWS's limits: values AWS would refuse halfway through an apply are
refused before anything is written, each at its line."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecs_scheduler.config import OVERRIDES_MAX_JSON_LENGTH, TaskOverrides
from ecs_scheduler.loader import ConfigError, loads
from tests.config.cases import BASE, appended, edited

NOW = datetime(2026, 6, 1, tzinfo=UTC)
TAG_CHARACTERS = (
    "becomes a tag value: IAM and SQS tags allow only letters, digits, spaces and "
    "_ . : / = + - @ (no '&', ',', '<', '>' or line breaks)"
)
TOPIC = "arn:aws:sns:us-east-1:123456789012:ops"


def error_lines(text: str) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        loads(text, now=NOW)
    return str(raised.value).splitlines()


@pytest.mark.parametrize(
    ("line", "value", "shown"),
    [
        ("billing_domain: analytics", '"Data & Analytics"', "'Data & Analytics'"),
        ("billing_entity: acme", '"Acme, Inc."', "'Acme, Inc.'"),
        ("resource_owner: data-team", '"<team>"', "'<team>'"),
        ("security_domain: internal", '"internal\\nsecret"', "'internal\\nsecret'"),
        ("security_domain: internal", '"tab\\there"', "'tab\\there'"),
    ],
)
def test_a_naming_field_that_cannot_be_a_tag_value_is_refused(
    line: str, value: str, shown: str
) -> None:
    field = line.split(":", maxsplit=1)[0]
    (message,) = error_lines(edited((line, f"{field}: {value}")))
    assert message.endswith(f"jobs.report.{field}: {shown} {TAG_CHARACTERS}")


def test_a_naming_field_over_256_characters_is_refused() -> None:
    (message,) = error_lines(edited(("resource_owner: data-team", "resource_owner: " + "a" * 257)))
    assert message == (
        "ecs-scheduler.yaml:12:21: jobs.report.resource_owner: is 257 characters long; "
        "at most 256 allowed"
    )


def test_naming_fields_accept_what_every_service_accepts() -> None:
    text = edited(
        ("resource_owner: data-team", "resource_owner: 'Équipe Données 2 @ Zürich'"),
        ("billing_domain: analytics", "billing_domain: 'Data/Analytics: BI+ML = 1.0_x-y'"),
    )
    job = loads(text, now=NOW).stack.jobs["report"]
    assert job.resource_owner == "Équipe Données 2 @ Zürich"


def test_overrides_over_8192_characters_of_json_are_refused() -> None:
    command = "x" * 8200
    (message,) = error_lines(
        appended(
            "    overrides:\n      containerOverrides:\n"
            f"        - {{name: app, command: [{command}]}}\n"
        )
    )
    assert message.startswith("ecs-scheduler.yaml:19:7: jobs.report.overrides: the overrides are ")
    assert message.endswith(" characters as JSON; ECS RunTask takes at most 8192")


def test_additional_schedule_overrides_are_bounded_too() -> None:
    text = appended(
        "    additional_schedules:\n"
        "      - name: night\n"
        "        schedule_expression: cron(0 1 * * ? *)\n"
        "        overrides:\n"
        f"          containerOverrides: [{{name: app, command: [{'y' * 8200}]}}]\n"
    )
    (message,) = error_lines(text)
    assert "jobs.report.additional_schedules[0].overrides: the overrides are " in message


@given(st.integers(min_value=0, max_value=9000))
def test_the_overrides_limit_is_on_the_compact_json_length(length: int) -> None:
    data = {"containerOverrides": [{"name": "a", "command": ["x" * length]}]}
    # {"containerOverrides":[{"name":"a","command":["…"]}]} is 52 characters around the text.
    fits = length + 52 <= OVERRIDES_MAX_JSON_LENGTH
    try:
        overrides = TaskOverrides.model_validate(data)
    except ValueError:
        assert not fits
    else:
        assert fits
        assert len(overrides.as_json()) == length + 52


def test_more_than_five_alarm_actions_are_refused() -> None:
    topics = ", ".join(f"{TOPIC}{n}" for n in range(6))
    assert error_lines(appended(f"    dlq_alarm_actions: [{topics}]\n")) == [
        "ecs-scheduler.yaml:18:24: jobs.report.dlq_alarm_actions: expected 0-5 SNS topic ARNs, "
        "got 6"
    ]
    assert error_lines(appended(f"    dlq_ok_actions: [{topics}]\n")) == [
        "ecs-scheduler.yaml:18:21: jobs.report.dlq_ok_actions: expected 0-5 SNS topic ARNs, got 6"
    ]


def test_five_alarm_actions_are_fine() -> None:
    topics = ", ".join(f"{TOPIC}{n}" for n in range(5))
    job = loads(appended(f"    dlq_alarm_actions: [{topics}]\n"), now=NOW).stack.jobs["report"]
    assert len(job.dlq_alarm_actions) == 5


def test_tag_keys_equal_up_to_case_are_refused_on_the_role() -> None:
    assert error_lines(appended("    tags: {Team: a, team: b}\n")) == [
        "ecs-scheduler.yaml:18:21: jobs.report.tags.team: differs only in letter case from "
        "tag key 'Team'; IAM tag keys ignore case"
    ]


def test_a_tag_key_equal_to_ours_up_to_case_is_refused() -> None:
    assert error_lines(appended("    tags: {resourceowner: a, ECS-SCHEDULER:x: b}\n")) == [
        "ecs-scheduler.yaml:18:12: jobs.report.tags.resourceowner: differs only in letter case "
        "from a tag key ecs-scheduler sets itself; IAM tag keys ignore case",
        "ecs-scheduler.yaml:18:30: jobs.report.tags.ECS-SCHEDULER:x: differs only in letter case "
        "from a tag key ecs-scheduler sets itself; IAM tag keys ignore case",
    ]


def test_task_tags_may_differ_in_case_only() -> None:
    job = loads(appended("    task_tags: {Team: a, team: b}\n"), now=NOW).stack.jobs["report"]
    assert job.task_tags == {"Team": "a", "team": "b"}


@pytest.mark.parametrize("name", ["tags", "task_tags"])
def test_an_empty_tag_value_is_refused(name: str) -> None:
    (message,) = error_lines(appended(f"    {name}: {{Team: ''}}\n"))
    assert message.endswith(
        f"jobs.report.{name}.Team: '': a tag value must be 1-256 letters, digits, spaces or "
        "_ . : / = + - @ (Scheduler and SQS refuse an empty value)"
    )


def test_a_tag_value_with_other_unicode_spaces_is_fine() -> None:
    job = loads(appended('    tags: {Team: "a\\u00a0b\\u3000c"}\n'), now=NOW).stack.jobs["report"]
    assert job.tags == {"Team": "a\u00a0b\u3000c"}


def test_a_schedule_expression_over_256_characters_is_refused() -> None:
    minutes = ",".join(str(n % 60) for n in range(100))
    (message,) = error_lines(edited(("cron(0 6 * * ? *)", f"cron({minutes} 6 * * ? *)")))
    assert message.startswith("ecs-scheduler.yaml:7:26: jobs.report.schedule_expression: is ")
    assert message.endswith(" characters long; Scheduler takes at most 256")


def test_a_platform_version_over_64_characters_is_refused() -> None:
    (message,) = error_lines(appended(f"    platform_version: '{'1' * 65}'\n"))
    assert message.endswith(
        "jobs.report.platform_version: is 65 characters long; at most 64 allowed"
    )


def test_base_is_valid() -> None:
    assert loads(BASE, now=NOW).stack.jobs
