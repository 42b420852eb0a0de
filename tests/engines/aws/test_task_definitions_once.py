"""A plan reads each task definition once, its preflight included, and says one thing when
the task definition cannot be read."""

from __future__ import annotations

from typing import Any

import pytest

from ecs_scheduler.engines.aws import AwsClients, AwsEngineError, plan
from ecs_scheduler.engines.aws.ecs import TaskDefinitions
from ecs_scheduler.engines.aws.preflight import preflight
from tests.engines.aws.conftest import DesiredFactory

JOB = "daily-report"
DESCRIBE = "ecs.DescribeTaskDefinition"


def test_preflight_and_plan_share_one_describe_per_task_definition(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    desired = desired_from(JOB)
    task_definitions = TaskDefinitions(clients)
    before = clients.api_calls.calls[DESCRIBE]

    assert preflight(desired, clients, task_definitions=task_definitions).ok
    result = plan(desired, clients, task_definitions=task_definitions)

    assert result.summary()["create"] > 0
    assert clients.api_calls.calls[DESCRIBE] - before == len(desired.task_definitions) == 1


def test_plan_and_preflight_describe_a_missing_family_alike(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    def missing_family(document: dict[str, Any]) -> None:
        document["jobs"][JOB]["task_name"] = "no-such-task"

    desired = desired_from(JOB, missing_family)
    expected = "Job 'daily-report': task definition family 'no-such-task' has no ACTIVE revision."

    assert preflight(desired, clients).errors == (expected,)
    with pytest.raises(AwsEngineError) as raised:
        plan(desired, clients)
    assert str(raised.value) == expected
