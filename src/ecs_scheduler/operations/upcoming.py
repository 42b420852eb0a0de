"""The upcoming fire times of a stack's schedules, with what daylight saving time does to them.

This is what ``ecs-scheduler next`` shows; it needs no AWS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ecs_scheduler.config import Stack
from ecs_scheduler.expressions import (
    DstChange,
    RateExpression,
    describe,
    dst_changes,
    fire_times,
)
from ecs_scheduler.operations.results import OperationError

# A rate schedule without a StartDate "starts invoking the target immediately" on creation:
# https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#rate-based
RATE_COUNTS_FROM_CREATION = (
    "AWS counts rate() from when the schedule is created (it has no start_date); these times "
    "count from --from (default: now)"
)


@dataclass(frozen=True)
class UpcomingRuns:
    """One schedule's next fire times (UTC instants) and the DST changes among them."""

    job: str
    schedule: str  # "" for the job's primary schedule
    expression: str
    timezone: str
    enabled: bool
    description: str
    flexible_time_window_minutes: int | None
    runs: tuple[datetime, ...]
    dst_changes: tuple[DstChange, ...]
    notes: tuple[str, ...]

    @property
    def label(self) -> str:
        """``job`` or ``job/schedule``, as the command line names it."""
        return self.job + (f"/{self.schedule}" if self.schedule else "")

    def to_json(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "schedule": self.schedule,
            "expression": self.expression,
            "timezone": self.timezone,
            "enabled": self.enabled,
            "description": self.description,
            "flexible_time_window_minutes": self.flexible_time_window_minutes,
            "runs": [utc_text(run) for run in self.runs],
            "dst_changes": [
                {
                    "kind": change.kind,
                    "at": utc_text(change.instant),
                    "wall_time": change.wall_time.isoformat(),
                    "message": change.message,
                }
                for change in self.dst_changes
            ],
            "notes": list(self.notes),
        }


def utc_text(instant: datetime) -> str:
    """``instant`` in ISO 8601, UTC, with a ``Z``."""
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def upcoming_runs(
    stack: Stack, *, after: datetime, count: int, target: str | None = None
) -> list[UpcomingRuns]:
    """The next ``count`` fire times after ``after`` of every schedule, or of ``target``.

    ``target`` is ``JOB`` or ``JOB/SCHEDULE`` (``JOB/`` is the job's primary schedule).
    """
    job_filter, one_schedule, schedule_filter = (target or "").partition("/")
    if job_filter and job_filter not in stack.jobs:
        raise OperationError(
            f"no job {job_filter!r} in stack {stack.stack}; jobs: {', '.join(stack.jobs)}"
        )
    upcoming: list[UpcomingRuns] = []
    for job_name, job in stack.jobs.items():
        if job_filter and job_name != job_filter:
            continue
        schedules = [s for s in job.schedules if not one_schedule or s.key == schedule_filter]
        if not schedules:
            keys = ", ".join(repr(s.key) for s in job.schedules)
            raise OperationError(
                f"job {job_name!r} has no schedule {schedule_filter!r}; it has {keys}"
            )
        for spec in schedules:
            runs: list[datetime] = []
            for fire_time in fire_times(
                spec.expression,
                spec.timezone,
                after=after,
                start_date=spec.start_date,
                end_date=spec.end_date,
            ):
                runs.append(fire_time)
                if len(runs) == count:
                    break
            rate_without_start = (
                isinstance(spec.expression, RateExpression) and spec.start_date is None
            )
            upcoming.append(
                UpcomingRuns(
                    job=job_name,
                    schedule=spec.key,
                    expression=spec.expression_text,
                    timezone=spec.timezone,
                    enabled=spec.enabled,
                    description=describe(spec.expression, spec.timezone),
                    flexible_time_window_minutes=spec.flexible_time_window_minutes,
                    runs=tuple(runs),
                    dst_changes=tuple(
                        dst_changes(
                            spec.expression,
                            spec.timezone,
                            runs,
                            # Nothing before the schedule's start_date counts as skipped.
                            after=max(after, spec.start_date) if spec.start_date else after,
                        )
                    ),
                    notes=(RATE_COUNTS_FROM_CREATION,) if rate_without_start else (),
                )
            )
    return upcoming
