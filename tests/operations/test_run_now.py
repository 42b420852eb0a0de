"""run JOB[/SCHEDULE]: the schedule's task, started now with the schedule's parameters."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import yaml

from ecs_scheduler.engines.aws.operations import locate_job, run_schedule, schedule_target
from ecs_scheduler.loader import load
from ecs_scheduler.operations import ContainerExit, OperationError, RunResult, TaskExit
from ecs_scheduler.resources import build
from tests.operations.conftest import DeployFactory

pytestmark = pytest.mark.slow


def test_the_task_gets_exactly_the_schedules_parameters(deploy: DeployFactory) -> None:
    deployed = deploy("multi-schedule")
    result = run_schedule(deployed.desired, deployed.clients, "sync-orders", "weekend")

    assert result.enabled is True
    assert len(result.task_arns) == 1
    target = schedule_target(
        locate_job(deployed.desired, deployed.clients, "sync-orders"), deployed.clients, "weekend"
    )
    task = deployed.clients.ecs.describe_tasks(
        cluster=deployed.account.prereqs.cluster_name, tasks=list(result.task_arns)
    )["tasks"][0]
    assert task["taskDefinitionArn"] == target["EcsParameters"]["TaskDefinitionArn"]
    assert task["taskDefinitionArn"] == deployed.account.prereqs.task_definition_arn
    assert task["launchType"] == target["EcsParameters"]["LaunchType"] == "FARGATE"
    # The weekend schedule's own override, from the config, as Scheduler would send it.
    assert task["overrides"]["containerOverrides"] == target["Input"]["containerOverrides"]
    assert task["overrides"]["containerOverrides"][0]["command"] == ["sync", "--since", "1d"]
    assert task["startedBy"] == "ecs-scheduler"
    attachment = {d["name"]: d["value"] for d in task["attachments"][0]["details"]}
    subnets = target["EcsParameters"]["NetworkConfiguration"]["awsvpcConfiguration"]["Subnets"]
    assert attachment["subnetId"] == subnets[0]


def test_a_disabled_schedule_can_still_be_run(
    emulated_account: object, deploy: DeployFactory, tmp_path: Path
) -> None:
    deployed = deploy("daily-report")
    document = yaml.safe_load(deployed.account.configs["daily-report"].read_text())
    document["jobs"]["daily-report"]["enabled"] = False
    config = tmp_path / "disabled.yaml"
    config.write_text(yaml.safe_dump(document))
    desired = build(load(config).stack)
    result = run_schedule(desired, deployed.clients, "daily-report")
    assert result.enabled is False
    assert deployed.running_tasks() == list(result.task_arns)


def test_wait_reports_each_container_once_the_task_stopped(deploy: DeployFactory) -> None:
    deployed = deploy("daily-report")
    cluster = deployed.account.prereqs.cluster_name
    results: list[RunResult] = []
    still_running = threading.Semaphore(0)  # released at each poll that finds the task running

    def between_polls(seconds: float) -> None:
        still_running.release()
        time.sleep(seconds)

    waiting = threading.Thread(
        target=lambda: results.append(
            run_schedule(
                deployed.desired,
                deployed.clients,
                "daily-report",
                wait=True,
                timeout_seconds=60,
                poll_seconds=0.05,
                sleep=between_polls,
            )
        )
    )
    waiting.start()
    for _ in range(2):
        assert still_running.acquire(timeout=30)
    (task_arn,) = deployed.running_tasks()
    assert waiting.is_alive()  # moto's tasks never stop by themselves: still waiting
    deployed.clients.ecs.stop_task(cluster=cluster, task=task_arn, reason="stopped by the test")
    waiting.join(timeout=30)

    (result,) = results
    (stopped,) = result.tasks
    assert stopped.task_arn == task_arn
    assert stopped.last_status == "STOPPED"
    assert stopped.stopped_reason == "stopped by the test"
    assert [(c.name, c.essential, c.exit_code) for c in stopped.containers] == [("app", True, 0)]
    assert result.succeeded


def test_wait_gives_up_after_the_timeout(deploy: DeployFactory) -> None:
    deployed = deploy("daily-report")
    with pytest.raises(OperationError, match=r"1 of 1 task\(s\) still running after 0.5s"):
        run_schedule(
            deployed.desired,
            deployed.clients,
            "daily-report",
            wait=True,
            timeout_seconds=0.5,
            poll_seconds=0.1,
        )


def test_refuses_a_job_blocked_by_a_foreign_resource(deploy: DeployFactory) -> None:
    deployed = deploy("daily-report")
    role = deployed.outputs("daily-report")["role_name"]
    deployed.clients.iam.untag_role(RoleName=role, TagKeys=["ecs-scheduler:stack"])
    with pytest.raises(OperationError, match="does not own"):
        run_schedule(deployed.desired, deployed.clients, "daily-report")
    assert deployed.running_tasks() == []


def test_an_unknown_schedule_is_named(deploy: DeployFactory) -> None:
    deployed = deploy("multi-schedule")
    with pytest.raises(OperationError, match="has no schedule 'nightly'; it has '', 'evening'"):
        run_schedule(deployed.desired, deployed.clients, "sync-orders", "nightly")


def task(*containers: ContainerExit, status: str = "STOPPED") -> TaskExit:
    return TaskExit("arn:task", status, "EssentialContainerExited", None, containers)


@pytest.mark.parametrize(
    ("exit_task", "succeeded"),
    [
        (task(ContainerExit("app", True, 0, None)), True),
        (task(ContainerExit("app", True, 1, None)), False),
        (task(ContainerExit("app", True, None, "CannotPullContainerError")), False),
        (task(ContainerExit("app", True, 0, None), ContainerExit("log", False, 137, None)), True),
        (task(), False),
        (task(ContainerExit("app", True, 0, None), status="RUNNING"), False),
    ],
)
def test_only_essential_containers_exiting_0_is_success(
    exit_task: TaskExit, succeeded: bool
) -> None:
    assert exit_task.succeeded is succeeded
    run = RunResult("job", "", True, ("arn:task",), "ecs-scheduler:stack:job:", (exit_task,))
    assert run.succeeded is succeeded
    assert run.to_json()["tasks"][0]["succeeded"] is succeeded
