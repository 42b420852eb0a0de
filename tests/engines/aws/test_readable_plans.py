"""Plans name resources by their config addresses, even when AWS names are shortened or change;
the live read reports its progress."""

from __future__ import annotations

from typing import Any

from ecs_scheduler.engines.aws import AwsClients, apply, plan
from tests.engines.aws.conftest import DesiredFactory

JOB = "sync-orders"
ALARMS = {
    f"module.{JOB}.aws_cloudwatch_metric_alarm.dlq_messages_visible",
    f"module.{JOB}.aws_cloudwatch_metric_alarm.dlq_oldest_message",
}


def long_names(document: dict[str, Any]) -> None:
    """Naming parts long enough that every name is shortened with a hash."""
    document["defaults"]["billing_domain"] = "commerce-and-fulfilment-operations"


def renamed(document: dict[str, Any]) -> None:
    long_names(document)
    document["defaults"]["security_domain"] = "confidential"


def test_every_renamed_resource_is_one_replacement_at_its_config_address(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    before = desired_from("multi-schedule", long_names)
    assert all(
        name.endswith(("_evening", "_weekend")) is False
        for name in (resource.aws_name for resource in before.resources.values())
    )
    apply(plan(before, clients), clients)

    after = desired_from("multi-schedule", renamed)
    changed = plan(after, clients)

    by_address = {change.address: change for change in changed.changes}
    # Exactly the addresses of the Terraform module, each once, each a replacement.
    assert set(by_address) == set(after.resources)
    assert {change.action for change in changed.changes} == {"replace"}
    assert set(by_address) >= ALARMS
    for key in ("", "evening", "weekend"):
        address = f'module.{JOB}.aws_scheduler_schedule.ecs["{key}"]'
        old, new = by_address[address].diff["name"]
        assert (old, new) == (before.resources[address].aws_name, after.resources[address].aws_name)

    apply(changed, clients)
    assert plan(after, clients).changes == ()


def test_a_removed_schedule_with_a_shortened_name_is_deleted_under_its_key(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    before = desired_from("multi-schedule", long_names)
    weekend = f'module.{JOB}.aws_scheduler_schedule.ecs["weekend"]'
    assert not before.resources[weekend].aws_name.endswith("weekend")  # shortened
    apply(plan(before, clients), clients)

    def without_weekend(document: dict[str, Any]) -> None:
        long_names(document)
        schedules = document["jobs"][JOB]["additional_schedules"]
        document["jobs"][JOB]["additional_schedules"] = [
            schedule for schedule in schedules if schedule["name"] != "weekend"
        ]

    changed = plan(desired_from("multi-schedule", without_weekend), clients)
    assert [(change.address, change.action) for change in changed.changes] == [(weekend, "delete")]


def test_the_live_read_reports_each_job_read(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    desired = desired_from("multi-schedule")
    jobs = len({resource.job for resource in desired.resources.values()})
    heard: list[tuple[int, int]] = []

    plan(desired, clients, progress=lambda done, total: heard.append((done, total)))

    assert heard == [(done, jobs) for done in range(jobs + 1)]
