"""``upcoming_runs``: what ``next`` shows, as values a library caller can use."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ecs_scheduler.loader import load
from ecs_scheduler.operations import OperationError
from ecs_scheduler.operations.upcoming import RATE_COUNTS_FROM_CREATION, upcoming_runs
from tests.conftest import EXAMPLES_DIR

AFTER = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)


def test_the_quickstart_fires_at_six_new_york_time_across_the_spring_change() -> None:
    stack = load(EXAMPLES_DIR / "daily-report.yaml", now=AFTER).stack

    (runs,) = upcoming_runs(stack, after=AFTER, count=3)

    assert runs.label == "daily-report"
    # 06:00 EST is 11:00Z; from 2026-03-08 (EDT) it is 10:00Z.
    assert runs.runs == (
        datetime(2026, 3, 8, 10, 0, tzinfo=UTC),
        datetime(2026, 3, 9, 10, 0, tzinfo=UTC),
        datetime(2026, 3, 10, 10, 0, tzinfo=UTC),
    )
    assert runs.to_json()["runs"] == [
        "2026-03-08T10:00:00Z",
        "2026-03-09T10:00:00Z",
        "2026-03-10T10:00:00Z",
    ]
    assert runs.notes == ()


def test_one_schedule_of_a_job_and_the_errors_that_name_what_exists() -> None:
    stack = load(EXAMPLES_DIR / "multi-schedule.yaml", now=AFTER).stack

    (weekend,) = upcoming_runs(stack, after=AFTER, count=2, target="sync-orders/weekend")
    assert weekend.label == "sync-orders/weekend"
    assert len(weekend.runs) == 2
    with pytest.raises(OperationError, match=r"^no job 'nightly' in stack orders-sync; jobs: "):
        upcoming_runs(stack, after=AFTER, count=1, target="nightly")
    with pytest.raises(OperationError, match=r"has no schedule 'nightly'; it has '', "):
        upcoming_runs(stack, after=AFTER, count=1, target="sync-orders/nightly")


def test_a_rate_without_a_start_date_notes_that_aws_counts_from_creation() -> None:
    stack = load(EXAMPLES_DIR / "multi-schedule.yaml", now=AFTER).stack
    rates = [
        runs
        for runs in upcoming_runs(stack, after=AFTER, count=1)
        if runs.expression.startswith("rate(")
    ]
    assert all(runs.notes == (RATE_COUNTS_FROM_CREATION,) for runs in rates)
