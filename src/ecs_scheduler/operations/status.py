"""The status of a stack's schedules: the report object, and the parts that need no AWS.

The metrics are EventBridge Scheduler's, in CloudWatch namespace ``AWS/Scheduler``, one
series per schedule group (dimension ``ScheduleGroup``): EventBridge Scheduler User Guide,
"Monitoring Amazon EventBridge Scheduler with Amazon CloudWatch"
(https://docs.aws.amazon.com/scheduler/latest/UserGuide/monitoring-cloudwatch.html), and the
same names and dimension in the AWS CDK's ``ScheduleGroup.metric*`` methods.

A job's task failures are its task-failure rule's EventBridge metrics (see
:class:`TaskFailures`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from ecs_scheduler.config import Stack
from ecs_scheduler.expressions import fire_times, parse
from ecs_scheduler.naming import NamingParts
from ecs_scheduler.operations.results import OperationError
from ecs_scheduler.task_failures import rule_name

SCHEDULER_NAMESPACE: Final = "AWS/Scheduler"
SCHEDULE_GROUP_DIMENSION: Final = "ScheduleGroup"
SCHEDULER_METRICS: Final = (
    "InvocationAttemptCount",
    "TargetErrorCount",
    "InvocationThrottleCount",
    "InvocationsSentToDeadLetterCount",
    "InvocationsFailedToBeSentToDeadLetterCount",
)
NOT_DEPLOYED: Final = "NOT DEPLOYED"

# A rule's metrics on the default event bus: namespace AWS/Events, dimension RuleName alone,
# statistic Sum for these counts. TriggeredRules counts the rule's matches, and the rule
# matches only failed tasks; FailedInvocations counts deliveries to a target (the alert) that
# failed permanently. EventBridge publishes TriggeredRules only once the rule has matched, and
# FailedInvocations only when it is not zero: no data point is "no data", never an error
# (EventBridge User Guide, "Monitoring Amazon EventBridge", EventBridge metrics:
# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html).
EVENTS_NAMESPACE: Final = "AWS/Events"
RULE_NAME_DIMENSION: Final = "RuleName"
FAILED_TASKS_METRIC: Final = "TriggeredRules"
UNDELIVERED_ALERTS_METRIC: Final = "FailedInvocations"
TASK_FAILURE_METRICS: Final = (FAILED_TASKS_METRIC, UNDELIVERED_ALERTS_METRIC)


@dataclass(frozen=True)
class ScheduleStatus:
    key: str  # "" for the job's primary schedule
    name: str
    state: str  # the live State (ENABLED, DISABLED), or NOT DEPLOYED
    configured_state: str
    expression: str
    timezone: str
    next_fire_time: datetime | None  # UTC; None: it never fires again

    def to_json(self) -> dict[str, Any]:
        local = (
            None
            if self.next_fire_time is None
            else self.next_fire_time.astimezone(ZoneInfo(self.timezone)).isoformat()
        )
        return {
            "schedule": self.key,
            "name": self.name,
            "state": self.state,
            "configured_state": self.configured_state,
            "expression": self.expression,
            "timezone": self.timezone,
            "next_fire_time_utc": _utc(self.next_fire_time),
            "next_fire_time_local": local,
        }


@dataclass(frozen=True)
class TaskFailures:
    """A job's failed tasks in the window, from its task-failure rule's metrics."""

    rule_name: str | None  # None: the job's task-failure alerts are disabled
    failed_tasks: float | None = None  # TriggeredRules' sum; None: no data point
    undelivered_alerts: float | None = None  # FailedInvocations' sum; None: no data point

    @property
    def alerts_enabled(self) -> bool:
        return self.rule_name is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "alerts_enabled": self.alerts_enabled,
            "rule": self.rule_name,
            "failed_tasks": self.failed_tasks,
            "undelivered_alerts": self.undelivered_alerts,
        }

    def describe(self) -> str:
        """One line for the text output."""
        if self.rule_name is None:
            return "task failures: not watched (enable_task_failure_alerts is false)"
        if self.failed_tasks is None and self.undelivered_alerts is None:
            return (
                f"task failures: no data from rule {self.rule_name} (no task failed in the "
                "window, or the rule is not deployed)"
            )
        return (
            f"task failures (rule {self.rule_name}): failed tasks {_count(self.failed_tasks)}, "
            f"alerts not delivered {_count(self.undelivered_alerts)}"
        )


def task_failure_rules(stack: Stack) -> dict[str, str | None]:
    """By job, its task-failure rule's name; None for a job whose alerts are disabled."""
    return {
        key: rule_name(NamingParts.of(stack.stack, key, job))
        if job.enable_task_failure_alerts
        else None
        for key, job in stack.jobs.items()
    }


def _count(value: float | None) -> str:
    return "no data" if value is None else f"{value:g}"


@dataclass(frozen=True)
class JobStatus:
    job: str
    deployed: bool
    drift: tuple[str, ...]  # what plan would change, one line each; empty: in sync
    blocked: tuple[str, ...]  # resources plan leaves alone (not owned by the stack)
    schedule_group: str
    schedules: tuple[ScheduleStatus, ...]
    metrics: Mapping[str, float]  # Scheduler metric -> sum over the window (per group)
    queue_name: str
    visible_messages: int | None  # None: the queue does not exist
    oldest_message_age_seconds: float | None  # None: CloudWatch has no recent value
    alarms: Mapping[str, str | None]  # alarm resource name -> StateValue (None: missing)
    task_failures: TaskFailures

    def to_json(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "deployed": self.deployed,
            "drift": list(self.drift),
            "blocked": list(self.blocked),
            "schedule_group": self.schedule_group,
            "metrics": dict(self.metrics),
            "dlq": {
                "name": self.queue_name,
                "visible_messages": self.visible_messages,
                "oldest_message_age_seconds": self.oldest_message_age_seconds,
            },
            "alarms": dict(self.alarms),
            "task_failures": self.task_failures.to_json(),
            "schedules": [schedule.to_json() for schedule in self.schedules],
        }


@dataclass(frozen=True)
class StatusReport:
    stack: str
    window_start: datetime
    window_end: datetime
    jobs: tuple[JobStatus, ...]
    region: str = ""
    job: str | None = None  # the one job asked for; None: every job of the stack

    def check_deployed(self) -> None:
        """Raise when nothing asked for is deployed, or a deployed job's DLQ is missing: the
        schedules cannot run, or their failures would be lost."""
        if not any(status.deployed for status in self.jobs):
            what = f"Job {self.job} of stack" if self.job else "Stack"
            raise OperationError(
                f"{what} {self.stack} is not deployed in {self.region}: run apply first."
            )
        missing = [s.queue_name for s in self.jobs if s.deployed and s.visible_messages is None]
        if missing:
            raise OperationError(
                f"Dead-letter queue {', '.join(missing)} is missing: run plan to see what to "
                "repair."
            )

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "window": {"start": _utc(self.window_start), "end": _utc(self.window_end)},
            "jobs": [job.to_json() for job in self.jobs],
        }


def next_fire_time(properties: Mapping[str, Any], after: datetime) -> datetime | None:
    """The next fire time of a schedule, from its CreateSchedule request in the model."""
    expression = parse(str(properties["ScheduleExpression"]))
    upcoming = fire_times(
        expression,
        str(properties.get("ScheduleExpressionTimezone", "UTC")),
        after=after,
        start_date=properties.get("StartDate"),
        end_date=properties.get("EndDate"),
    )
    return next(upcoming, None)


def metric_period(window: timedelta) -> int:
    """One CloudWatch period covering the window: whole minutes, at least one."""
    return max(60, int(window.total_seconds()) // 60 * 60)


def _utc(instant: datetime | None) -> str | None:
    if instant is None:
        return None
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")
