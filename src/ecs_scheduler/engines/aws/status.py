"""The status of a stack's schedules, read from Scheduler, SQS and CloudWatch.

Metrics come from one GetMetricData pass: Scheduler's per schedule group, the age of each
queue's oldest message, and each job's task failures from its task-failure rule.

Drift is what ``plan`` would change: the same plan is made, nothing is written.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from botocore.exceptions import BotoCoreError, ClientError

from ecs_scheduler.engines.aws.clients import AwsClients
from ecs_scheduler.engines.aws.planner import Plan, plan
from ecs_scheduler.operations import OperationError
from ecs_scheduler.operations.status import (
    EVENTS_NAMESPACE,
    FAILED_TASKS_METRIC,
    NOT_DEPLOYED,
    RULE_NAME_DIMENSION,
    SCHEDULE_GROUP_DIMENSION,
    SCHEDULER_METRICS,
    SCHEDULER_NAMESPACE,
    TASK_FAILURE_METRICS,
    UNDELIVERED_ALERTS_METRIC,
    JobStatus,
    ScheduleStatus,
    StatusReport,
    TaskFailures,
    metric_period,
    next_fire_time,
)
from ecs_scheduler.resources import DesiredState, Resource

_DENIED: Final = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}
# The age of the oldest message is SQS's CloudWatch metric (SQS has no queue attribute for
# it); its latest value within this span counts (Amazon SQS Developer Guide, "Available
# CloudWatch metrics for Amazon SQS": ApproximateAgeOfOldestMessage, dimension QueueName).
_QUEUE_AGE_SPAN: Final = timedelta(minutes=15)


def read_status(
    desired: DesiredState,
    clients: AwsClients,
    *,
    job: str | None = None,
    schedule: str | None = None,
    task_failure_rules: Mapping[str, str | None],
    since: timedelta = timedelta(hours=24),
    now: datetime | None = None,
) -> StatusReport:
    """One entry per configured job (or the one asked for), one row per schedule.

    ``task_failure_rules`` gives each job's task-failure rule name, None for a job whose
    alerts are disabled (``operations.status.task_failure_rules`` of the stack's config).
    """
    end = (now or datetime.now(UTC)).astimezone(UTC)
    start = end - since
    jobs = sorted(desired.task_definitions)
    if job is not None:
        if job not in desired.task_definitions:
            raise OperationError(
                f"No job {job!r} in stack {desired.stack}; its jobs: {', '.join(jobs)}."
            )
        jobs = [job]
        desired = dataclasses.replace(
            desired,
            resources={k: r for k, r in desired.resources.items() if r.job == job},
            task_definitions={job: desired.task_definitions[job]},
        )
    try:
        the_plan = plan(desired, clients)
    except ClientError as error:
        raise OperationError(f"Reading stack {desired.stack} failed: {error}.") from error
    rules = {name: task_failure_rules[name] for name in jobs}
    metrics = _read_metrics(desired, clients, jobs, rules, start, end)
    statuses: list[JobStatus] = []
    for name in jobs:
        resources = [r for r in desired.resources.values() if r.job == name]
        schedules = [r for r in resources if r.type == "aws_scheduler_schedule"]
        if schedule is not None:
            schedules = [r for r in schedules if (r.key or "") == schedule]
            if not schedules:
                keys = ", ".join(
                    repr(r.key or "") for r in resources if r.type == "aws_scheduler_schedule"
                )
                raise OperationError(f"Job {name} has no schedule {schedule!r}; it has {keys}.")
        statuses.append(
            _job_status(name, resources, schedules, the_plan, clients, metrics, rules[name], end)
        )
    return StatusReport(desired.stack, start, end, tuple(statuses), clients.region, job)


def _job_status(
    job: str,
    resources: list[Resource],
    schedules: list[Resource],
    the_plan: Plan,
    clients: AwsClients,
    metrics: WindowMetrics,
    rule: str | None,
    now: datetime,
) -> JobStatus:
    group = next(r for r in resources if r.type == "aws_scheduler_schedule_group")
    queue = next(r for r in resources if r.type == "aws_sqs_queue")
    changes = [change for change in the_plan.changes if change.job == job]
    deployed = not any(
        change.address == group.address and change.action == "create" for change in changes
    )
    own = tuple(r.address for r in resources)
    return JobStatus(
        job=job,
        deployed=deployed,
        drift=tuple(f"{change.address}: {change.action} ({change.reason})" for change in changes)
        if deployed
        else (),
        blocked=tuple(line for line in the_plan.blocked if line.startswith(own)),
        schedule_group=group.aws_name,
        schedules=tuple(
            ScheduleStatus(
                key=resource.key or "",
                name=resource.aws_name,
                state=_live_state(clients, group.aws_name, resource.aws_name)
                if deployed
                else NOT_DEPLOYED,
                configured_state=str(resource.properties["State"]),
                expression=str(resource.properties["ScheduleExpression"]),
                timezone=str(resource.properties.get("ScheduleExpressionTimezone", "UTC")),
                next_fire_time=next_fire_time(resource.properties, now),
            )
            for resource in schedules
        ),
        metrics=metrics.scheduler.get(group.aws_name, {}),
        queue_name=queue.aws_name,
        visible_messages=_visible_messages(clients, queue.aws_name),
        oldest_message_age_seconds=metrics.queue_ages.get(queue.aws_name),
        alarms=_alarm_states(clients, resources),
        task_failures=_task_failures(rule, metrics),
    )


def _task_failures(rule: str | None, metrics: WindowMetrics) -> TaskFailures:
    if rule is None:
        return TaskFailures(rule_name=None)
    sums = metrics.rules.get(rule, {})
    return TaskFailures(
        rule_name=rule,
        failed_tasks=sums.get(FAILED_TASKS_METRIC),
        undelivered_alerts=sums.get(UNDELIVERED_ALERTS_METRIC),
    )


def _live_state(clients: AwsClients, group: str, name: str) -> str:
    try:
        found = clients.scheduler.get_schedule(GroupName=group, Name=name)
    except ClientError as error:
        if _code(error) == "ResourceNotFoundException":
            return NOT_DEPLOYED
        raise OperationError(f"Reading schedule {group}/{name} failed: {error}.") from error
    return str(found.get("State", NOT_DEPLOYED))


def _visible_messages(clients: AwsClients, queue: str) -> int | None:
    try:
        url = clients.sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        attributes = clients.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
    except ClientError as error:
        if _code(error) in {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"}:
            return None
        raise OperationError(f"Reading queue {queue} failed: {error}.") from error
    return int(attributes["ApproximateNumberOfMessages"])


def _alarm_states(clients: AwsClients, resources: list[Resource]) -> dict[str, str | None]:
    alarms = {r.aws_name: r.name for r in resources if r.type == "aws_cloudwatch_metric_alarm"}
    if not alarms:
        return {}
    try:
        found = clients.cloudwatch.describe_alarms(
            AlarmNames=sorted(alarms), AlarmTypes=["MetricAlarm"]
        )["MetricAlarms"]
    except ClientError as error:
        raise _metrics_error(error) from error
    states = {alarm["AlarmName"]: alarm.get("StateValue") for alarm in found}
    return {name: states.get(aws_name) for aws_name, name in sorted(alarms.items())}


@dataclass(frozen=True)
class WindowMetrics:
    """What CloudWatch holds for the window."""

    # schedule group -> Scheduler metric -> sum (0 without a data point)
    scheduler: dict[str, dict[str, float]] = field(default_factory=dict)
    # queue -> age of its oldest message, when recent
    queue_ages: dict[str, float] = field(default_factory=dict)
    # task-failure rule -> metric -> sum; a metric without a data point is absent
    rules: dict[str, dict[str, float]] = field(default_factory=dict)


def _read_metrics(
    desired: DesiredState,
    clients: AwsClients,
    jobs: list[str],
    rules: Mapping[str, str | None],
    start: datetime,
    end: datetime,
) -> WindowMetrics:
    """By schedule group, each Scheduler metric's sum over the window; by queue, its age;
    by task-failure rule, the sum of each of its metrics that has data."""
    queries: list[dict[str, Any]] = []
    wanted: dict[str, tuple[str, str]] = {}  # query id -> (group, queue or rule; metric)
    period = metric_period(end - start)
    for index, rule in enumerate(sorted(rule for rule in rules.values() if rule is not None)):
        for number, metric in enumerate(TASK_FAILURE_METRICS):
            query_id = f"r{index}x{number}"
            wanted[query_id] = (rule, metric)
            queries.append(
                _query(query_id, EVENTS_NAMESPACE, metric, RULE_NAME_DIMENSION, rule, period, "Sum")
            )
    for index, resource in enumerate(
        r
        for r in desired.resources.values()
        if r.job in jobs and r.type in {"aws_scheduler_schedule_group", "aws_sqs_queue"}
    ):
        if resource.type == "aws_sqs_queue":
            query_id = f"age{index}"
            wanted[query_id] = (resource.aws_name, "ApproximateAgeOfOldestMessage")
            queries.append(
                _query(
                    query_id,
                    "AWS/SQS",
                    "ApproximateAgeOfOldestMessage",
                    "QueueName",
                    resource.aws_name,
                    60,
                    "Maximum",
                )
            )
            continue
        for number, metric in enumerate(SCHEDULER_METRICS):
            query_id = f"m{index}x{number}"
            wanted[query_id] = (resource.aws_name, metric)
            queries.append(
                _query(
                    query_id,
                    SCHEDULER_NAMESPACE,
                    metric,
                    SCHEDULE_GROUP_DIMENSION,
                    resource.aws_name,
                    period,
                    "Sum",
                )
            )
    window = WindowMetrics()
    results: list[dict[str, Any]] = []
    try:
        # GetMetricData takes at most 500 queries per call (CloudWatch API reference).
        for first in range(0, len(queries), 500):
            batch = queries[first : first + 500]
            paginator = clients.cloudwatch.get_paginator("get_metric_data")
            for page in paginator.paginate(
                MetricDataQueries=batch, StartTime=start, EndTime=end, ScanBy="TimestampDescending"
            ):
                results.extend(page["MetricDataResults"])
    except (ClientError, BotoCoreError) as error:
        raise _metrics_error(error) from error
    for result in results:
        owner, metric = wanted[result["Id"]]
        values = [float(value) for value in result.get("Values", [])]
        if metric == "ApproximateAgeOfOldestMessage":
            if values and result["Timestamps"][0] >= end - _QUEUE_AGE_SPAN:
                window.queue_ages[owner] = values[0]
            continue
        if metric in TASK_FAILURE_METRICS:
            if values:
                rule_sums = window.rules.setdefault(owner, {})
                rule_sums[metric] = rule_sums.get(metric, 0.0) + sum(values)
            continue
        # No data point: Scheduler published nothing for the group in the window.
        sums = window.scheduler.setdefault(owner, {name: 0.0 for name in SCHEDULER_METRICS})
        sums[metric] += sum(values)
    return window


def _query(
    query_id: str,
    namespace: str,
    metric: str,
    dimension: str,
    value: str,
    period: int,
    stat: str,
) -> dict[str, Any]:
    return {
        "Id": query_id,
        "MetricStat": {
            "Metric": {
                "Namespace": namespace,
                "MetricName": metric,
                "Dimensions": [{"Name": dimension, "Value": value}],
            },
            "Period": period,
            "Stat": stat,
        },
        "ReturnData": True,
    }


def _metrics_error(error: Exception) -> OperationError:
    if isinstance(error, ClientError) and _code(error) in _DENIED:
        return OperationError(
            "No permission to read CloudWatch (cloudwatch:GetMetricData, "
            f"cloudwatch:DescribeAlarms): {error.response['Error'].get('Message', error)}."
        )
    return OperationError(f"Reading CloudWatch failed: {error}.")


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
