"""The whole cycle on the embedded emulator: validate, plan, apply, outputs, next, plan, destroy.

``run_demo`` yields each step's result as it is made, so a front end shows it while the emulator
still runs; the steps are the library's own (``validate``, ``plan_stack``, ``apply_plan``, ...),
the same a user's commands run.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.resources import as_file
from pathlib import Path
from typing import Any, Literal

from ecs_scheduler.engines.aws import AwsClients, AwsEngineError, Change, read_outputs
from ecs_scheduler.engines.aws.applier import ApplyResult
from ecs_scheduler.engines.aws.workflow import PlannedStack, apply_plan, plan_stack
from ecs_scheduler.loader import load
from ecs_scheduler.local import (
    Emulator,
    provision_prerequisites,
    quickstart_example,
    write_demo_config,
)
from ecs_scheduler.operations.upcoming import UpcomingRuns, upcoming_runs
from ecs_scheduler.resources import build
from ecs_scheduler.validation import ValidationReport, validate

DEMO_REGION = "us-east-1"
UPCOMING_COUNT = 5
# Apply's progress, as the front end shows it: given the number of changes, it hears of each.
ApplyProgress = Callable[[int], AbstractContextManager[Callable[[Change], None]]]


@dataclass(frozen=True)
class Destroyed:
    """The stack was destroyed; a new plan would create this many resources again."""

    create_again: int


@dataclass(frozen=True)
class KeptStack:
    """``keep``: the stack stays applied while the front end holds the demo at this step."""

    endpoint_url: str
    config: Path


DemoResult = (
    str
    | ValidationReport
    | PlannedStack
    | ApplyResult
    | Mapping[str, Mapping[str, Any]]
    | list[UpcomingRuns]
    | Destroyed
    | KeptStack
)


@dataclass(frozen=True)
class DemoStep:
    """A step's heading (``None``: it continues the step before) and its result."""

    title: str | None
    result: DemoResult


def run_demo(*, keep: bool = False, progress: ApplyProgress | None = None) -> Iterator[DemoStep]:
    """Each step of the demo, in order; the emulator stops when the iteration ends or is closed.

    With ``keep``, the last step is a :class:`KeptStack` (no destroy): the emulator runs, the
    stack applied, until the caller resumes or closes the iteration.
    """
    with (
        Emulator() as emulator,
        tempfile.TemporaryDirectory(prefix="ecs-scheduler-demo-") as tmp,
        as_file(quickstart_example()) as quickstart,
    ):
        clients = AwsClients.create(region=DEMO_REGION, endpoint_url=emulator.endpoint_url)
        prerequisites = provision_prerequisites(clients)
        yield DemoStep(
            f"Embedded AWS emulator (moto) listening on {emulator.endpoint_url}",
            "Created what a real account would already have: VPC, subnets, security group, "
            "KMS key, ECS cluster, task definition with task and execution roles, SNS topic.",
        )
        config = write_demo_config(prerequisites, quickstart, Path(tmp) / "ecs-scheduler.yaml")
        yield DemoStep(None, f"Config written from the quickstart example: {config}")

        report = validate(config)
        yield DemoStep("1. ecs-scheduler validate", report)
        if report.failure is not None:
            raise report.failure
        loaded = load(config)
        desired = build(loaded.stack)

        first = plan_stack(desired, clients)
        yield DemoStep("2. ecs-scheduler plan", first)
        yield DemoStep(
            "3. ecs-scheduler apply --auto-approve",
            _apply(first, clients, progress),
        )
        yield DemoStep("4. ecs-scheduler outputs", read_outputs(desired, clients))
        upcoming = upcoming_runs(loaded.stack, after=datetime.now(UTC), count=UPCOMING_COUNT)
        yield DemoStep(f"5. ecs-scheduler next -n {UPCOMING_COUNT}", upcoming)

        second = plan_stack(desired, clients)
        yield DemoStep("6. ecs-scheduler plan (again: must show no changes)", second)
        if second.plan.changes:
            raise AwsEngineError(
                "the plan after apply is not empty: this is a bug, please report it"
            )
        if keep:
            yield DemoStep(
                "Kept: the stack stays applied in the emulator",
                KeptStack(emulator.endpoint_url, config),
            )
            return
        teardown = plan_stack(desired, clients, destroy_all=True)
        yield DemoStep("7. ecs-scheduler destroy --auto-approve", teardown)
        _apply(teardown, clients, progress, command="destroy")
        leftover = plan_stack(desired, clients).plan
        yield DemoStep(None, Destroyed(leftover.summary().get("create", 0)))


def _apply(
    planned: PlannedStack,
    clients: AwsClients,
    progress: ApplyProgress | None,
    *,
    command: Literal["apply", "destroy"] = "apply",
) -> ApplyResult:
    reporting = nullcontext(None) if progress is None else progress(len(planned.plan.changes))
    with reporting as advance:
        return apply_plan(planned.plan, clients, progress=advance, command=command)
