"""status: each job's task failures in the window, from its task-failure rule's metrics."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ecs_scheduler.engines.aws.status import read_status
from ecs_scheduler.loader import load
from ecs_scheduler.naming import NamingParts
from ecs_scheduler.operations.status import TaskFailures, task_failure_rules
from ecs_scheduler.task_failures import rule_name
from tests.conftest import EXAMPLES_DIR
from tests.operations.conftest import DeployFactory
from tests.operations.deployed import Deployed

JOB = "daily-report"


def put_rule_metrics(deployed: Deployed, rule: str, points: list[tuple[str, float, int]]) -> None:
    """Data points as EventBridge publishes a rule's: AWS/Events, dimension RuleName only."""
    now = datetime.now(UTC).replace(microsecond=0)
    deployed.put_metric_points("AWS/Events", ("RuleName", rule), points, now=now)


@pytest.mark.slow
def test_failed_tasks_and_undelivered_alerts_in_the_window(deploy: DeployFactory) -> None:
    deployed = deploy("daily-report")
    rule = deployed.task_failure_rules[JOB]
    assert rule is not None
    put_rule_metrics(
        deployed,
        rule,
        [
            ("TriggeredRules", 1, 1),
            ("TriggeredRules", 2, 3),
            ("TriggeredRules", 5, 30),  # outside the 24 h window
            ("FailedInvocations", 1, 1),
        ],
    )
    put_rule_metrics(deployed, f"{rule}-other", [("TriggeredRules", 7, 1)])  # another rule

    report = read_status(
        deployed.desired, deployed.clients, task_failure_rules=deployed.task_failure_rules
    )

    (job,) = report.jobs
    assert job.task_failures == TaskFailures(rule, failed_tasks=3.0, undelivered_alerts=1.0)
    assert report.to_json()["jobs"][0]["task_failures"] == {
        "alerts_enabled": True,
        "rule": rule,
        "failed_tasks": 3.0,
        "undelivered_alerts": 1.0,
    }
    assert job.task_failures.describe() == (
        f"task failures (rule {rule}): failed tasks 3, alerts not delivered 1"
    )


@pytest.mark.slow
def test_a_rule_without_data_points_reads_as_no_data(deploy: DeployFactory) -> None:
    # Until the rule is deployed, or while no task fails, EventBridge publishes nothing.
    deployed = deploy("daily-report")
    rule = deployed.task_failure_rules[JOB]
    (job,) = read_status(
        deployed.desired, deployed.clients, task_failure_rules=deployed.task_failure_rules
    ).jobs
    assert job.task_failures == TaskFailures(rule, failed_tasks=None, undelivered_alerts=None)
    assert job.task_failures.describe() == (
        f"task failures: no data from rule {rule} (no task failed in the window, "
        "or the rule is not deployed)"
    )


@pytest.mark.slow
def test_a_job_with_alerts_disabled_says_so_rather_than_zero(deploy: DeployFactory) -> None:
    deployed = deploy("daily-report")
    rule = deployed.task_failure_rules[JOB]
    assert rule is not None
    put_rule_metrics(deployed, rule, [("TriggeredRules", 4, 1)])  # a rule left from before
    (job,) = read_status(deployed.desired, deployed.clients, task_failure_rules={JOB: None}).jobs
    assert job.task_failures == TaskFailures(None)
    assert job.task_failures.to_json() == {
        "alerts_enabled": False,
        "rule": None,
        "failed_tasks": None,
        "undelivered_alerts": None,
    }
    assert job.task_failures.describe() == (
        "task failures: not watched (enable_task_failure_alerts is false)"
    )


def test_only_failed_invocations_has_no_data_when_every_alert_was_delivered() -> None:
    # EventBridge publishes FailedInvocations only when it is not zero.
    failures = TaskFailures("rule", failed_tasks=2.0, undelivered_alerts=None)
    assert failures.describe() == (
        "task failures (rule rule): failed tasks 2, alerts not delivered no data"
    )


def test_each_job_watches_its_own_rule_unless_its_alerts_are_disabled() -> None:
    stack = load(EXAMPLES_DIR / "multi-schedule.yaml").stack
    (key, job) = next(iter(stack.jobs.items()))
    assert task_failure_rules(stack) == {key: rule_name(NamingParts.of(stack.stack, key, job))}
    # The config field enable_task_failure_alerts: set as the loader sets a field.
    disabled = job.model_copy(update={"enable_task_failure_alerts": False})
    stack_disabled = stack.model_copy(update={"jobs": {key: disabled}})
    assert task_failure_rules(stack_disabled) == {key: None}
