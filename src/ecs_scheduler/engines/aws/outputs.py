"""Each job's outputs (names, ARNs, the DLQ's URL), read from live AWS, not computed."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ecs_scheduler.engines.aws.clients import AwsClients
from ecs_scheduler.engines.aws.live import (
    ALARM,
    GROUP,
    QUEUE,
    ROLE,
    SCHEDULE,
    LiveResource,
    ReadProgress,
    read_live_state,
)
from ecs_scheduler.engines.aws.region import require_stack_region
from ecs_scheduler.resources import DesiredState


def read_outputs(
    desired: DesiredState, clients: AwsClients, *, progress: ReadProgress | None = None
) -> dict[str, dict[str, Any]]:
    """Per configured job, its outputs as AWS reports them; ``None`` where nothing exists yet.

    ``progress`` hears of the live state's read, job by job.
    """
    require_stack_region(desired, clients)
    with ThreadPoolExecutor(max_workers=8) as pool:
        live = read_live_state(desired, clients, pool, progress=progress)
    outputs: dict[str, dict[str, Any]] = {}
    for job in desired.outputs:
        mine = {resource.address: resource for resource in live.of_job(job) if resource.owned}
        by_type: dict[str, list[tuple[str, LiveResource]]] = {}
        for resource in desired.resources.values():
            if resource.job == job and resource.address in mine:
                by_type.setdefault(resource.type, []).append(
                    (
                        resource.name if resource.key is None else resource.key,
                        mine[resource.address],
                    )
                )

        schedules = sorted(by_type.get(SCHEDULE, []), key=lambda item: item[0])
        alarms = sorted(by_type.get(ALARM, []), key=lambda item: item[0])
        outputs[job] = {
            "schedule_group_name": _single(by_type, GROUP, "aws_name"),
            "schedule_group_arn": _single(by_type, GROUP, "arn"),
            "schedule_names": {key: found.aws_name for key, found in schedules},
            "schedule_arns": {key: found.arn for key, found in schedules},
            "role_name": _single(by_type, ROLE, "aws_name"),
            "role_arn": _single(by_type, ROLE, "arn"),
            "dlq_name": _single(by_type, QUEUE, "aws_name"),
            "dlq_arn": _single(by_type, QUEUE, "arn"),
            "dlq_url": _single(by_type, QUEUE, "queue_url"),
            "alarm_names": {key: found.aws_name for key, found in alarms},
            "alarm_arns": {key: found.arn for key, found in alarms},
        }
    return outputs


def _single(
    by_type: dict[str, list[tuple[str, LiveResource]]], resource_type: str, attribute: str
) -> Any:
    found = by_type.get(resource_type)
    return getattr(found[0][1], attribute) if found else None
