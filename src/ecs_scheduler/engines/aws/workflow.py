"""The steps every AWS front end takes, in order: clients for the stack's region, preflight and
plan, then apply (or destroy) the plan as it is. The command line and the demo both run these.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Literal

from ecs_scheduler.engines.aws.applier import ApplyResult, apply
from ecs_scheduler.engines.aws.clients import AwsClients
from ecs_scheduler.engines.aws.ecs import TaskDefinitions
from ecs_scheduler.engines.aws.errors import ApplyInterruptedError, AwsEngineError
from ecs_scheduler.engines.aws.live import ReadProgress
from ecs_scheduler.engines.aws.planner import Change, Plan, plan
from ecs_scheduler.engines.aws.preflight import preflight
from ecs_scheduler.engines.aws.region import stack_region
from ecs_scheduler.engines.aws.retire import RetireChange
from ecs_scheduler.engines.aws.scheduler import ScheduleGroups
from ecs_scheduler.resources import DesiredState

DEFAULT_PARALLELISM = 16


def connect(
    desired: DesiredState,
    *,
    region: str | None = None,
    profile: str | None = None,
    endpoint_url: str | None = None,
    deadline_seconds: float | None = None,
    parallelism: int = DEFAULT_PARALLELISM,
) -> AwsClients:
    """Clients for the stack's region (``region``, when given, must be it)."""
    return AwsClients.create(
        region=stack_region(desired, region),
        profile=profile,
        endpoint_url=endpoint_url,
        deadline_seconds=deadline_seconds,
        # plan reads with two pools of ``parallelism`` threads each (jobs, and their reads).
        max_pool_connections=max(32, 2 * parallelism),
    )


@dataclass(frozen=True)
class PlannedStack:
    """A plan, and the warnings of the preflight that came before it (none for a destroy)."""

    plan: Plan
    warnings: tuple[str, ...]


def plan_stack(
    desired: DesiredState,
    clients: AwsClients,
    *,
    destroy_jobs: Collection[str] | None = None,
    destroy_all: bool = False,
    prune_foreign: bool = False,
    adopt: bool = False,
    parallelism: int = DEFAULT_PARALLELISM,
    progress: ReadProgress | None = None,
    allow_unwired_alerts: bool = False,
) -> PlannedStack:
    """Preflight (unless destroying: a destroy needs none of the config's references), then plan.

    ``destroy_jobs`` may name a job the config no longer has but the live stack still does:
    the planner decides which jobs can be destroyed. A task-failure alert EventBridge could
    not deliver stops the plan unless ``allow_unwired_alerts``, which makes it a warning.
    """
    warnings: tuple[str, ...] = ()
    # Preflight and plan read each task definition, and list the schedule groups, once
    # between them.
    task_definitions = TaskDefinitions(clients)
    schedule_groups = ScheduleGroups(clients)
    if not (destroy_jobs or destroy_all):
        report = preflight(
            desired,
            clients,
            task_definitions=task_definitions,
            schedule_groups=schedule_groups,
        )
        unwired = () if allow_unwired_alerts else report.unwired_alerts
        if report.errors or unwired:
            hint = (
                ["  (--allow-unwired-alerts applies anyway, with these alerts undelivered)"]
                if unwired
                else []
            )
            raise AwsEngineError(
                "preflight failed, nothing was written:\n"
                + "\n".join([*(f"  {error}" for error in (*report.errors, *unwired)), *hint])
            )
        warnings = tuple(str(warning) for warning in report.warnings)
        if allow_unwired_alerts:
            warnings += report.unwired_alerts
    the_plan = plan(
        desired,
        clients,
        destroy_jobs=destroy_jobs or None,
        destroy_all=destroy_all,
        max_workers=parallelism,
        prune_foreign=prune_foreign,
        adopt=adopt,
        progress=progress,
        task_definitions=task_definitions,
        schedule_groups=schedule_groups,
    )
    return PlannedStack(the_plan, warnings)


def apply_plan(
    the_plan: Plan,
    clients: AwsClients,
    *,
    force_delete_dlq_messages: bool = False,
    parallelism: int = DEFAULT_PARALLELISM,
    progress: Callable[[Change], None] | None = None,
    command: Literal["apply", "destroy"] = "apply",
    on_wait: Callable[[RetireChange], None] | None = None,
) -> ApplyResult:
    """Make the plan's changes; an interrupt says which ``command`` to run again to finish.
    ``on_wait`` hears of each wait for a replaced rule's hand-over instant."""
    try:
        return apply(
            the_plan,
            clients,
            force_delete_dlq_messages=force_delete_dlq_messages,
            max_workers=parallelism,
            progress=progress,
            on_wait=on_wait,
        )
    except ApplyInterruptedError as stopped:
        raise ApplyInterruptedError(stopped.applied, stopped.total, command=command) from None
