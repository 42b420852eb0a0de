"""The task-failure rule's pattern against "ECS Task State Change" events from AWS's docs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import botocore.session
from hypothesis import given, settings
from hypothesis import strategies as st

from ecs_scheduler import task_failures
from ecs_scheduler.task_failures import (
    EVENT_PATTERN_MAX_LENGTH,
    NOT_A_FAILURE_STOP_CODES,
    event_pattern,
    event_pattern_text,
    task_group,
)
from tests.model.ecs_task_events import CLUSTER_ARN, DOCUMENTED_EVENT, stopped_event
from tests.model.event_pattern import matches

STACK, JOB = "reporting", "nightly"
PATTERN = event_pattern(CLUSTER_ARN, STACK, JOB)
GROUP = task_group(STACK, JOB, "")
EXITED = "Essential container in task exited"
# Every stop code the ECS API knows, from botocore's model of it.
STOP_CODES: tuple[str, ...] = tuple(
    botocore.session.get_session().get_service_model("ecs").shape_for("TaskStopCode").enum
)


def exited(exit_codes: Sequence[int | None], group: str = GROUP, **changes: Any) -> dict[str, Any]:
    return stopped_event(
        group=group,
        stop_code="EssentialContainerExited",
        stopped_reason=EXITED,
        exit_codes=exit_codes,
        **changes,
    )


def test_a_task_whose_container_exited_1_matches() -> None:
    assert matches(PATTERN, exited([1]))


def test_a_task_whose_container_exited_0_does_not_match() -> None:
    assert not matches(PATTERN, exited([0]))


def test_out_of_memory_kill_matches() -> None:
    assert matches(PATTERN, exited([137]))


def test_an_additional_schedules_task_matches_too() -> None:
    assert matches(PATTERN, exited([2], group=task_group(STACK, JOB, "weekend")))


def test_another_jobs_task_on_the_same_cluster_does_not_match() -> None:
    for group in (
        task_group(STACK, "nightly-2", ""),  # a job whose key starts with this one's
        task_group("reporting-eu", JOB, ""),  # a stack whose name starts with this one's
        task_group(STACK, "weekly", "nightly"),
        "family:sample-fargate",  # a task run by hand
    ):
        assert not matches(PATTERN, exited([1], group=group)), group


def test_the_same_job_on_another_cluster_does_not_match() -> None:
    other = CLUSTER_ARN.replace("FargateCluster", "OtherCluster")
    assert not matches(PATTERN, exited([1], cluster_arn=other))


def test_a_task_that_failed_to_start_matches() -> None:
    event = stopped_event(
        group=GROUP,
        stop_code="TaskFailedToStart",
        stopped_reason="CannotPullContainerError: pull image manifest has been retried 5 times",
        exit_codes=[None],
        started=False,
    )
    assert matches(PATTERN, event)


def test_a_task_that_failed_to_start_without_containers_matches() -> None:
    event = stopped_event(
        group=GROUP,
        stop_code="TaskFailedToStart",
        stopped_reason="ResourceInitializationError: unable to pull secrets",
        exit_codes=[],
        started=False,
    )
    assert matches(PATTERN, event)


def test_an_essential_container_that_exited_without_an_exit_code_matches() -> None:
    assert matches(PATTERN, exited([None]))


def test_a_spot_interruption_matches_even_when_every_container_exited_0() -> None:
    event = stopped_event(
        group=GROUP,
        stop_code="SpotInterruption",
        stopped_reason="Your Spot Task was interrupted.",
        exit_codes=[0],
    )
    assert matches(PATTERN, event)


def test_a_task_stopped_by_a_person_matches_only_if_a_container_failed() -> None:
    def stopped_by_hand(exit_codes: Sequence[int | None]) -> dict[str, Any]:
        return stopped_event(
            group=GROUP,
            stop_code="UserInitiated",
            stopped_reason="Task stopped by user",
            exit_codes=exit_codes,
        )

    assert not matches(PATTERN, stopped_by_hand([0]))
    assert matches(PATTERN, stopped_by_hand([143]))


def test_a_non_essential_sidecar_exiting_1_matches() -> None:
    """Decided and documented (docs/task-failures.md): the event does not say which container
    is essential, so a sidecar's failure alerts as well."""
    assert matches(PATTERN, exited([0, 1]))


def test_a_sidecar_without_an_exit_code_beside_a_clean_exit_does_not_match() -> None:
    assert not matches(PATTERN, exited([0, None]))


def test_running_and_pending_tasks_never_match() -> None:
    running = {**DOCUMENTED_EVENT, "detail": {**DOCUMENTED_EVENT["detail"], "group": GROUP}}
    assert not matches(PATTERN, running)
    deprovisioning = exited([1])
    deprovisioning["detail"]["lastStatus"] = "DEPROVISIONING"
    assert not matches(PATTERN, deprovisioning)


def test_other_sources_and_detail_types_never_match() -> None:
    failed = exited([1])
    assert not matches(PATTERN, {**failed, "detail-type": "ECS Container Instance State Change"})
    assert not matches(PATTERN, {**failed, "source": "custom.ecs"})


def test_the_documented_event_does_not_match() -> None:
    assert not matches(PATTERN, DOCUMENTED_EVENT)


def test_the_pattern_fits_the_default_size_quota_for_the_longest_names() -> None:
    longest_arn = "arn:aws-us-gov:ecs:us-gov-west-1:123456789012:cluster/" + "c" * 255
    pattern = event_pattern(longest_arn, "s" * 32, "j" * 32)
    assert len(event_pattern_text(pattern)) <= EVENT_PATTERN_MAX_LENGTH


def failed(event: dict[str, Any]) -> bool:
    """What the pattern means, in plain Python, for a stopped task of this job."""
    detail = event["detail"]
    exit_codes = [c["exitCode"] for c in detail["containers"] if "exitCode" in c]
    stop_code = detail["stopCode"]
    return (
        any(code != 0 for code in exit_codes)
        or stop_code not in NOT_A_FAILURE_STOP_CODES
        or (stop_code == "EssentialContainerExited" and not exit_codes)
    )


@settings(max_examples=300, deadline=None)
@given(
    stop_code=st.sampled_from(STOP_CODES),
    exit_codes=st.lists(st.none() | st.sampled_from([0, 1, 2, 137, 143, 255]), max_size=4),
)
def test_the_pattern_matches_exactly_the_failures(
    stop_code: str, exit_codes: list[int | None]
) -> None:
    event = stopped_event(
        group=GROUP, stop_code=stop_code, stopped_reason="any", exit_codes=exit_codes
    )
    assert matches(PATTERN, event) == failed(event)


NAMES = st.from_regex(r"[a-z0-9-]{1,32}", fullmatch=True)
SCHEDULE_KEYS = st.just("") | st.from_regex(r"[0-9A-Za-z_.-]{1,64}", fullmatch=True)


@settings(max_examples=300, deadline=None)
@given(stack=NAMES, job=NAMES, other_stack=NAMES, other_job=NAMES, key=SCHEDULE_KEYS)
def test_a_job_pattern_matches_the_tasks_of_that_job_only(
    stack: str, job: str, other_stack: str, other_job: str, key: str
) -> None:
    pattern = event_pattern(CLUSTER_ARN, stack, job)
    event = exited([1], group=task_group(other_stack, other_job, key))
    assert matches(pattern, event) == ((other_stack, other_job) == (stack, job))


def test_the_failure_conditions_use_documented_stop_codes_only() -> None:
    assert "TaskFailedToStart" in STOP_CODES
    assert set(task_failures.NOT_A_FAILURE_STOP_CODES) <= set(STOP_CODES)
