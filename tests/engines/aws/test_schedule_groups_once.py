"""A plan lists the account's schedule groups once: its preflight counts them against the
quota and its live read finds the stack's among them, from the same listing."""

from __future__ import annotations

from ecs_scheduler.engines.aws import AwsClients
from ecs_scheduler.engines.aws.preflight import preflight
from ecs_scheduler.engines.aws.scheduler import ScheduleGroups
from ecs_scheduler.engines.aws.workflow import plan_stack
from tests.engines.aws.conftest import DesiredFactory

JOB = "daily-report"
LIST = "scheduler.ListScheduleGroups"


def test_preflight_and_plan_list_the_schedule_groups_once(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    desired = desired_from(JOB)
    before = clients.api_calls.calls[LIST]

    planned = plan_stack(desired, clients)

    assert planned.plan.summary()["create"] > 0
    assert clients.api_calls.calls[LIST] - before == 1


def test_a_shared_listing_counts_every_group_for_the_quota_and_is_not_repeated(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    desired = desired_from(JOB)
    groups = ScheduleGroups(clients)
    before = clients.api_calls.calls[LIST]
    every = groups.every()

    # The one new group of the job would be one too many.
    report = preflight(desired, clients, schedule_groups=groups, schedule_group_quota=len(every))

    assert "default" in {group["Name"] for group in every}
    assert "default" not in {group["Name"] for group in groups.created()}
    assert any("quota of" in error for error in report.errors)
    assert clients.api_calls.calls[LIST] - before == 1
