"""status: state, next run, Scheduler metrics per group, the DLQ and its alarms, drift."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from ecs_scheduler.engines.aws.status import read_status
from ecs_scheduler.operations import OperationError
from ecs_scheduler.operations.status import SCHEDULER_METRICS
from tests.operations.conftest import DeployFactory

pytestmark = pytest.mark.slow

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def test_status_of_a_deployed_job(deploy: DeployFactory) -> None:
    deployed = deploy("multi-schedule")
    group = deployed.outputs("sync-orders")["schedule_group_name"]
    now = datetime.now(UTC).replace(microsecond=0)
    deployed.put_metric_points(
        "AWS/Scheduler",
        ("ScheduleGroup", group),
        [
            ("InvocationAttemptCount", 3, 1),
            ("InvocationAttemptCount", 2, 2),
            ("TargetErrorCount", 1, 1),
            ("InvocationsSentToDeadLetterCount", 1, 1),
            ("InvocationAttemptCount", 50, 30),  # outside the 24 h window
        ],
        now=now,
    )
    deployed.put_dead_letter("sync-orders")
    deployed.put_dead_letter("sync-orders", "weekend")
    alarms = deployed.outputs("sync-orders")["alarm_names"]
    deployed.clients.cloudwatch.set_alarm_state(
        AlarmName=alarms["dlq_messages_visible"], StateValue="ALARM", StateReason="test"
    )

    report = read_status(
        deployed.desired,
        deployed.clients,
        task_failure_rules=deployed.task_failure_rules,
        since=timedelta(hours=24),
    )

    (job,) = report.jobs
    assert job.deployed and job.drift == () and job.blocked == ()
    assert job.metrics == {
        "InvocationAttemptCount": 5.0,
        "TargetErrorCount": 1.0,
        "InvocationThrottleCount": 0.0,
        "InvocationsSentToDeadLetterCount": 1.0,
        "InvocationsFailedToBeSentToDeadLetterCount": 0.0,
    }
    assert set(job.metrics) == set(SCHEDULER_METRICS)
    assert job.visible_messages == 2
    assert job.alarms["dlq_messages_visible"] == "ALARM"
    assert set(job.alarms) == {"dlq_messages_visible", "dlq_oldest_message"}
    assert [(row.key, row.state) for row in job.schedules] == [
        ("", "ENABLED"),
        ("evening", "ENABLED"),
        ("weekend", "ENABLED"),
    ]
    document = report.to_json()
    assert document["jobs"][0]["dlq"]["visible_messages"] == 2


def test_next_fire_time_local_and_utc(deploy: DeployFactory) -> None:
    deployed = deploy("daily-report")
    report = read_status(
        deployed.desired, deployed.clients, task_failure_rules=deployed.task_failure_rules, now=NOW
    )
    (row,) = report.jobs[0].schedules
    # cron(0 6 * * ? *) in New York: 06:00 EST is 11:00 UTC.
    assert row.next_fire_time == datetime(2026, 11, 29, 11, 0, tzinfo=UTC)
    document = row.to_json()
    assert document["next_fire_time_utc"] == "2026-11-29T11:00:00Z"
    assert document["next_fire_time_local"] == "2026-11-29T06:00:00-05:00"
    assert report.to_json()["window"] == {
        "start": "2026-11-27T12:00:00Z",
        "end": "2026-11-28T12:00:00Z",
    }


def test_a_drifted_and_a_not_deployed_job_say_so(deploy: DeployFactory) -> None:
    deployed = deploy("daily-report")
    name = deployed.outputs("daily-report")["schedule_names"][""]
    group = deployed.outputs("daily-report")["schedule_group_name"]
    live = deployed.clients.scheduler.get_schedule(GroupName=group, Name=name)
    deployed.clients.scheduler.update_schedule(
        Name=name,
        GroupName=group,
        ScheduleExpression=live["ScheduleExpression"],
        FlexibleTimeWindow=live["FlexibleTimeWindow"],
        Target=live["Target"],
        State="DISABLED",
    )
    (job,) = read_status(
        deployed.desired, deployed.clients, task_failure_rules=deployed.task_failure_rules
    ).jobs
    assert job.schedules[0].state == "DISABLED"
    assert job.schedules[0].configured_state == "ENABLED"
    assert any(
        line.startswith("module.daily-report.aws_scheduler_schedule.ecs") for line in job.drift
    )

    deployed.clients.scheduler.delete_schedule(Name=name, GroupName=group)
    deployed.clients.scheduler.delete_schedule_group(Name=group)
    for url in [deployed.queue_url("daily-report")]:
        deployed.clients.sqs.delete_queue(QueueUrl=url)
    (gone,) = read_status(
        deployed.desired, deployed.clients, task_failure_rules=deployed.task_failure_rules
    ).jobs
    assert gone.deployed is False
    assert gone.schedules[0].state == "NOT DEPLOYED"
    assert gone.visible_messages is None


def test_unknown_job_or_schedule(deploy: DeployFactory) -> None:
    deployed = deploy("multi-schedule")
    with pytest.raises(OperationError, match="No job 'nope' in stack orders-sync"):
        read_status(
            deployed.desired,
            deployed.clients,
            task_failure_rules=deployed.task_failure_rules,
            job="nope",
        )
    with pytest.raises(OperationError, match="has no schedule 'nightly'"):
        read_status(
            deployed.desired,
            deployed.clients,
            task_failure_rules=deployed.task_failure_rules,
            job="sync-orders",
            schedule="nightly",
        )
    (job,) = read_status(
        deployed.desired,
        deployed.clients,
        task_failure_rules=deployed.task_failure_rules,
        job="sync-orders",
        schedule="weekend",
    ).jobs
    assert [row.key for row in job.schedules] == ["weekend"]


def test_no_permission_to_read_metrics_is_one_sentence(deploy: DeployFactory) -> None:
    deployed = deploy("daily-report")
    cloudwatch = deployed.clients.cloudwatch

    def denied(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        # What CloudWatch answers a caller without cloudwatch:GetMetricData.
        error = {
            "Error": {"Code": "AccessDenied", "Message": "not authorized to GetMetricData"},
            "ResponseMetadata": {"HTTPStatusCode": 403},
        }
        return AWSResponse("https://monitoring", 403, {}, None), error

    event = "before-call.cloudwatch.GetMetricData"
    cloudwatch.meta.events.register(event, denied)
    try:
        with pytest.raises(OperationError) as raised:
            read_status(
                deployed.desired, deployed.clients, task_failure_rules=deployed.task_failure_rules
            )
    finally:
        cloudwatch.meta.events.unregister(event, denied)
    assert str(raised.value).startswith(
        "No permission to read CloudWatch (cloudwatch:GetMetricData"
    )
