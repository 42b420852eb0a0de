"""One tuple of inherited fields (defaults -> job -> additional schedules) drives both the
resolution of each schedule and the rules that check it; and the task-failure fields inherit
like every job field, task_failure_actions falling back to the job's dlq_alarm_actions."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from ecs_scheduler.config import INHERITED_SCHEDULE_FIELDS, AdditionalSchedule, Job, ScheduleSpec
from ecs_scheduler.loader import ConfigError, loads
from tests.config.cases import BASE, appended

NOW = datetime(2026, 6, 1, tzinfo=UTC)
TOPIC = "arn:aws:sns:us-east-1:123456789012:"


def test_the_tuple_is_what_an_additional_schedule_may_set_besides_its_name_and_expression() -> None:
    assert set(AdditionalSchedule.model_fields) == {
        "name",
        "schedule_expression",
        *INHERITED_SCHEDULE_FIELDS,
    }
    assert set(INHERITED_SCHEDULE_FIELDS) <= set(Job.model_fields)
    assert set(INHERITED_SCHEDULE_FIELDS) <= {
        field.name for field in dataclasses.fields(ScheduleSpec)
    }


def test_an_additional_schedule_takes_each_field_it_does_not_set_from_the_job() -> None:
    text = appended(
        "    enabled: false\n"
        "    task_count: 3\n"
        "    flexible_time_window_minutes: 15\n"
        "    maximum_event_age_in_seconds: 600\n"
        "    additional_schedules:\n"
        "      - {name: late, schedule_expression: 'cron(0 22 * * ? *)', task_count: 1}\n"
    )
    primary, late = loads(text, now=NOW).stack.jobs["report"].schedules
    for name in INHERITED_SCHEDULE_FIELDS:
        if name not in ("task_count", "description"):
            assert getattr(late, name) == getattr(primary, name), name
    assert (primary.task_count, late.task_count) == (3, 1)
    assert late.timezone == "America/New_York"
    assert late.enabled is False


def test_an_inherited_window_is_checked_for_each_schedule() -> None:
    """The rules read a schedule's window and time zone through the same tuple: an
    additional schedule that never fires in the job's window is refused."""
    text = appended(
        "    start_date: '2027-01-01T00:00:00+00:00'\n"
        "    end_date: '2027-01-02T00:00:00+00:00'\n"
        "    additional_schedules:\n"
        "      - {name: feb, schedule_expression: 'cron(0 6 1 2 ? *)'}\n"
    )
    with pytest.raises(ConfigError) as raised:
        loads(text, now=NOW)
    [issue] = raised.value.issues
    assert issue.path == "jobs.report.additional_schedules[0].schedule_expression"
    assert "never fires between its start_date and end_date" in issue.message
    assert issue.rule == "fires"


def test_task_failure_alerts_are_on_and_go_to_the_alarm_topics_by_default() -> None:
    job = loads(appended(f"    dlq_alarm_actions: ['{TOPIC}ops']\n"), now=NOW).stack.jobs["report"]
    assert job.enable_task_failure_alerts is True
    assert job.task_failure_actions is None
    assert job.task_failure_topics == [f"{TOPIC}ops"]


def test_task_failure_actions_inherit_like_any_job_field() -> None:
    header, jobs = BASE.split("jobs:\n")
    report = jobs.replace("  report:", "  own:")
    text = (
        f"{header}defaults:\n"
        f"  dlq_alarm_actions: ['{TOPIC}alarms']\n"
        "  enable_task_failure_alerts: false\n"
        f"jobs:\n{jobs}{report}"
        f"    dlq_alarm_actions: ['{TOPIC}own-alarms']\n"
        "    enable_task_failure_alerts: true\n"
    )
    stack = loads(text, now=NOW).stack
    # Not set anywhere: each job's own dlq_alarm_actions, after defaults are merged.
    assert stack.jobs["report"].task_failure_topics == [f"{TOPIC}alarms"]
    assert stack.jobs["own"].task_failure_topics == [f"{TOPIC}own-alarms"]
    assert stack.jobs["report"].enable_task_failure_alerts is False
    assert stack.jobs["own"].enable_task_failure_alerts is True


def test_set_in_defaults_it_wins_over_the_alarm_topics_until_a_job_says_null() -> None:
    header, jobs = BASE.split("jobs:\n")
    text = (
        f"{header}defaults:\n"
        f"  task_failure_actions: ['{TOPIC}failures']\n"
        f"jobs:\n{jobs}"
        f"    dlq_alarm_actions: ['{TOPIC}alarms']\n"
    )
    assert loads(text, now=NOW).stack.jobs["report"].task_failure_topics == [f"{TOPIC}failures"]
    unset = loads(text + "    task_failure_actions: null\n", now=NOW).stack.jobs["report"]
    assert unset.task_failure_topics == [f"{TOPIC}alarms"]
    silent = loads(text + "    task_failure_actions: []\n", now=NOW).stack.jobs["report"]
    assert silent.task_failure_topics == []


def test_task_failure_actions_are_held_to_the_topic_rules() -> None:
    topics = ", ".join(f"{TOPIC}t{n}" for n in range(6))
    cases = {
        f"    task_failure_actions: ['{TOPIC}a*']\n": "holds a wildcard",
        "    task_failure_actions: ['arn:aws:sqs:us-east-1:123456789012:q']\n": (
            "is not an SNS topic ARN"
        ),
        "    task_failure_actions: ['arn:aws:sns:eu-west-1:123456789012:ops']\n": (
            "is in region eu-west-1, but ecs_cluster_arn is in region us-east-1"
        ),
        f"    task_failure_actions: [{topics}]\n": "expected 0-5 SNS topic ARNs, got 6",
    }
    for lines, expected in cases.items():
        with pytest.raises(ConfigError) as raised:
            loads(appended(lines), now=NOW)
        [issue] = raised.value.issues
        assert issue.path.startswith("jobs.report.task_failure_actions"), lines
        assert expected in issue.message, lines
