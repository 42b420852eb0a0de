"""Each job's outputs (names, ARNs, the DLQ's URL), read from live AWS, not computed."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from ecs_scheduler.engines.aws.clients import AwsClients
from ecs_scheduler.engines.aws.live import LiveResource, ReadProgress, read_live_state
from ecs_scheduler.engines.aws.region import require_stack_region
from ecs_scheduler.resources import DesiredState, Ref, replace_refs


def read_outputs(
    desired: DesiredState, clients: AwsClients, *, progress: ReadProgress | None = None
) -> dict[str, dict[str, Any]]:
    """Per configured job, its outputs as AWS reports them; ``None`` where nothing exists yet.

    The model's outputs name the resources (:class:`Ref`); each is read from the live one.
    ``progress`` hears of the live state's read, job by job.
    """
    require_stack_region(desired, clients)
    with ThreadPoolExecutor(max_workers=8) as pool:
        live = read_live_state(desired, clients, pool, progress=progress)
    outputs: dict[str, dict[str, Any]] = {}
    for job, job_outputs in desired.outputs.items():
        mine = {resource.address: resource for resource in live.of_job(job) if resource.owned}
        outputs[job] = {
            name: _present(replace_refs(value, partial(_live_value, live=mine)))
            for name, value in job_outputs.items()
        }
    return outputs


def _live_value(ref: Ref, live: Mapping[str, LiveResource]) -> str | None:
    found = live.get(ref.address)
    if found is None:
        return None
    return {"arn": found.arn, "name": found.aws_name, "url": found.queue_url}[ref.attribute]


def _present(value: Any) -> Any:
    """A map output lists only what exists, by key, so that its order is not the config's."""
    if isinstance(value, Mapping):
        return {key: item for key, item in sorted(value.items()) if item is not None}
    return value
