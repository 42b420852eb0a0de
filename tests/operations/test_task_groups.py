"""run and redrive start their tasks in the schedule's ECS task group, which the job's
task-failure rule matches: a task started by hand is watched like a scheduled one."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecs_scheduler.engines.aws.live import SCHEDULE
from ecs_scheduler.engines.aws.operations import redrive, run_schedule, run_task_request
from ecs_scheduler.loader import load
from ecs_scheduler.resources import DesiredState, address, build
from ecs_scheduler.task_failures import TASK_GROUP_RULE, task_group
from tests.conftest import EXAMPLES_DIR
from tests.operations.conftest import DeployFactory
from tests.operations.deployed import Deployed, poll_quickly

STACK = "orders-sync"
JOB = "sync-orders"


@pytest.fixture(autouse=True)
def _poll_quickly(monkeypatch: pytest.MonkeyPatch) -> None:
    """A redrive's read ends with an empty receive: a short poll, not a one-second long poll."""
    poll_quickly(monkeypatch)


@cache
def _multi_schedule() -> DesiredState:
    """Built once: hypothesis asks for a target in each of its examples."""
    return build(load(EXAMPLES_DIR / "multi-schedule.yaml").stack)


def model_target(key: str) -> dict[str, Any]:
    """The schedule's Target as the model builds it for the multi-schedule example."""
    target: dict[str, Any] = dict(
        _multi_schedule().resources[address(JOB, SCHEDULE, "ecs", key)].properties["Target"]
    )
    return target


def test_a_target_without_a_group_runs_in_the_schedules_group() -> None:
    # A schedule's target as it was before EcsParameters carried Group.
    target = model_target("weekend")
    target["EcsParameters"] = {
        field: value for field, value in target["EcsParameters"].items() if field != "Group"
    }
    request = run_task_request(
        target, target.get("Input"), schedule_task_group=task_group(STACK, JOB, "weekend")
    )
    assert request["group"] == "ecs-scheduler:orders-sync:sync-orders:weekend"


@given(st.from_regex(TASK_GROUP_RULE.pattern, fullmatch=True).filter(lambda g: len(g) <= 255))
def test_a_target_with_a_group_keeps_it(group: str) -> None:
    # Once the schedule's EcsParameters carry Group, RunTask gets exactly that group.
    target = model_target("")
    target["EcsParameters"] = {**target["EcsParameters"], "Group": group}
    request = run_task_request(
        target, target.get("Input"), schedule_task_group=task_group(STACK, JOB, "")
    )
    assert request["group"] == group


def _groups(deployed: Deployed, task_arns: list[str]) -> dict[str, str]:
    described = deployed.clients.ecs.describe_tasks(
        cluster=deployed.account.prereqs.cluster_name, tasks=task_arns
    )["tasks"]
    return {task["taskArn"]: task["group"] for task in described}


@pytest.mark.slow
def test_run_starts_the_task_in_the_schedules_group(deploy: DeployFactory) -> None:
    deployed = deploy("multi-schedule")
    for key in ("", "weekend"):
        result = run_schedule(deployed.desired, deployed.clients, JOB, key)
        groups = _groups(deployed, list(result.task_arns))
        assert set(groups.values()) == {task_group(deployed.desired.stack, JOB, key)}
        assert result.group == task_group(deployed.desired.stack, JOB, key)


@pytest.mark.slow
def test_redrive_starts_each_task_in_its_schedules_group(deploy: DeployFactory) -> None:
    deployed = deploy("multi-schedule")
    weekend = deployed.put_dead_letter(JOB, "weekend")
    primary = deployed.put_dead_letter(JOB, "")
    gone = deployed.put_dead_letter(
        JOB, schedule_arn=deployed.outputs(JOB)["schedule_arns"]["evening"] + "-removed"
    )

    dry = redrive(deployed.desired, deployed.clients, JOB, dry_run=True)
    would = {outcome.message_id: outcome.detail for outcome in dry.outcomes}
    weekend_group = task_group(deployed.desired.stack, JOB, "weekend")
    assert would[weekend].endswith(f" in group {weekend_group}")

    result = redrive(deployed.desired, deployed.clients, JOB)

    outcomes = {outcome.message_id: outcome for outcome in result.outcomes}
    for message, key in ((weekend, "weekend"), (primary, "")):
        assert outcomes[message].action == "started"
        groups = _groups(deployed, list(outcomes[message].task_arns))
        assert set(groups.values()) == {task_group(deployed.desired.stack, JOB, key)}
    # A letter whose schedule is no longer configured has no group to run in: it stays.
    assert outcomes[gone].action == "left"
    assert "no longer in the config" in outcomes[gone].detail
    assert sorted(deployed.running_tasks()) == sorted(
        [*outcomes[weekend].task_arns, *outcomes[primary].task_arns]
    )
