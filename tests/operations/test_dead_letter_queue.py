"""dlq list/show/redrive/purge in the library, against the emulator over HTTP."""

from __future__ import annotations

import pytest

from ecs_scheduler.engines.aws.operations import purge, read_dead_letters, redrive
from ecs_scheduler.operations import OperationError
from tests.operations.conftest import DeployFactory
from tests.operations.deployed import poll_quickly

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _poll_quickly(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each read ends with an empty receive: a short poll, not a one-second long poll."""
    poll_quickly(monkeypatch)


def test_listing_decodes_every_attribute_and_leaves_messages_visible(
    deploy: DeployFactory,
) -> None:
    deployed = deploy("multi-schedule")
    first = deployed.put_dead_letter("sync-orders", "weekend", error_code="ECS.AccessDenied")
    second = deployed.put_dead_letter("sync-orders", "")
    third = deployed.put_dead_letter("sync-orders", "evening")

    listing = read_dead_letters(deployed.desired, deployed.clients, "sync-orders")

    assert {letter.message_id for letter in listing.messages} == {first, second, third}
    by_id = {letter.message_id: letter for letter in listing.messages}
    letter = by_id[first]
    assert letter.error_code == "ECS.AccessDenied"
    assert letter.retry_attempts == 5
    assert letter.exhausted_retry_condition == "MaximumRetryAttempts"
    assert letter.scheduled_time is not None and letter.scheduled_time.isoformat() == (
        "2026-11-28T06:00:00+00:00"
    )
    assert letter.execution_id == "d32c5kddcf5bb8c3"
    assert letter.payload_truncated is False
    assert listing.schedules == {first: "weekend", second: "", third: "evening"}
    document = listing.to_json()
    assert document["by_error"] == {
        "ECS.ThrottlingException": sorted([second, third]),
        "ECS.AccessDenied": [first],
    }
    assert list(document["by_error"]) == ["ECS.ThrottlingException", "ECS.AccessDenied"]
    # Not consumed: every message is visible again at once, and a second read sees them all.
    assert deployed.visible_messages("sync-orders") == 3
    again = read_dead_letters(deployed.desired, deployed.clients, "sync-orders")
    assert len(again.messages) == 3


def test_redrive_starts_each_task_and_deletes_only_those_started(deploy: DeployFactory) -> None:
    deployed = deploy("multi-schedule")
    kept_payload = {"containerOverrides": [{"name": "app", "command": ["sync", "--since", "2d"]}]}
    started = deployed.put_dead_letter("sync-orders", "weekend", payload=kept_payload)
    orphan = deployed.put_dead_letter(
        "sync-orders",
        schedule_arn=deployed.outputs("sync-orders")["schedule_arns"][""] + "-gone",
    )

    dry = redrive(deployed.desired, deployed.clients, "sync-orders", dry_run=True)
    assert {o.message_id: o.action for o in dry.outcomes} == {
        started: "would start",
        orphan: "left",
    }
    assert deployed.running_tasks() == []
    assert deployed.visible_messages("sync-orders") == 2

    result = redrive(deployed.desired, deployed.clients, "sync-orders")

    outcomes = {outcome.message_id: outcome for outcome in result.outcomes}
    assert outcomes[started].action == "started"
    assert outcomes[started].schedule == "weekend"
    assert len(outcomes[started].task_arns) == 1
    assert outcomes[orphan].action == "left"
    assert "no longer in the config" in outcomes[orphan].detail
    assert deployed.running_tasks() == list(outcomes[started].task_arns)
    task = deployed.clients.ecs.describe_tasks(
        cluster=deployed.account.prereqs.cluster_name, tasks=list(outcomes[started].task_arns)
    )["tasks"][0]
    # The payload Scheduler kept on the message is what the task gets.
    assert task["overrides"]["containerOverrides"][0]["command"] == ["sync", "--since", "2d"]
    assert task["startedBy"] == "ecs-scheduler"
    # Only the started message is gone; the orphan stays, visible.
    remaining = read_dead_letters(deployed.desired, deployed.clients, "sync-orders")
    assert [letter.message_id for letter in remaining.messages] == [orphan]


def test_redrive_max_limits_how_many_messages_run(deploy: DeployFactory) -> None:
    deployed = deploy("daily-report")
    for _ in range(3):
        deployed.put_dead_letter("daily-report")
    result = redrive(deployed.desired, deployed.clients, "daily-report", max_messages=2)
    assert [outcome.action for outcome in result.outcomes] == ["started", "started"]
    assert len(deployed.running_tasks()) == 2
    assert deployed.visible_messages("daily-report") == 1


def test_a_crash_after_run_task_leaves_the_message_in_the_queue(deploy: DeployFactory) -> None:
    deployed = deploy("daily-report")
    message = deployed.put_dead_letter("daily-report")
    sqs = deployed.clients.sqs
    original = sqs.delete_message

    def killed(**_: object) -> None:
        raise KeyboardInterrupt

    object.__setattr__(sqs, "delete_message", killed)
    try:
        with pytest.raises(KeyboardInterrupt):
            redrive(deployed.desired, deployed.clients, "daily-report")
    finally:
        object.__setattr__(sqs, "delete_message", original)
    # Its task started, and the message is still there (visible again): one duplicate at most.
    assert len(deployed.running_tasks()) == 1
    listing = read_dead_letters(deployed.desired, deployed.clients, "daily-report")
    assert [letter.message_id for letter in listing.messages] == [message]


def test_purge_empties_the_queue(deploy: DeployFactory) -> None:
    deployed = deploy("daily-report")
    deployed.put_dead_letter("daily-report")
    deployed.put_dead_letter("daily-report")
    result = purge(deployed.desired, deployed.clients, "daily-report")
    assert result.messages == 2
    assert deployed.visible_messages("daily-report") == 0


def test_a_queue_the_stack_does_not_own_is_never_touched(deploy: DeployFactory) -> None:
    deployed = deploy("daily-report")
    deployed.put_dead_letter("daily-report")
    url = deployed.queue_url("daily-report")
    deployed.clients.sqs.untag_queue(QueueUrl=url, TagKeys=["ecs-scheduler:stack"])
    for operation in (read_dead_letters, redrive, purge):
        with pytest.raises(OperationError, match="does not own"):
            operation(deployed.desired, deployed.clients, "daily-report")
    assert deployed.visible_messages("daily-report") == 1
    assert deployed.running_tasks() == []


def test_unknown_job_undeployed_stack_and_missing_queue(
    deploy: DeployFactory,
) -> None:
    deployed = deploy("daily-report")
    with pytest.raises(OperationError, match="No job 'nope'"):
        read_dead_letters(deployed.desired, deployed.clients, "nope")
    deployed.clients.sqs.delete_queue(QueueUrl=deployed.queue_url("daily-report"))
    with pytest.raises(OperationError, match="has no dead-letter queue"):
        read_dead_letters(deployed.desired, deployed.clients, "daily-report")


def test_a_stack_not_deployed(emulated_account: object, deploy: DeployFactory) -> None:
    from ecs_scheduler.loader import load
    from ecs_scheduler.resources import build
    from tests.conftest import EmulatedAccount

    assert isinstance(emulated_account, EmulatedAccount)
    desired = build(load(emulated_account.configs["daily-report"]).stack)
    with pytest.raises(OperationError, match="is not deployed"):
        redrive(desired, emulated_account.clients, "daily-report")
