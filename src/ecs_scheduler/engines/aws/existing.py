"""Which resources of a desired state already exist in AWS, for ``export terraform
--import-existing``: the live read ``plan`` makes (``live.read_live_state``), nothing written."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ecs_scheduler.engines.aws.clients import AwsClients
from ecs_scheduler.engines.aws.live import DEFAULT_JOB_READERS, read_live_state
from ecs_scheduler.engines.terraform_imports import ExistingResource
from ecs_scheduler.resources import DesiredState


def read_existing(
    desired: DesiredState, clients: AwsClients, *, max_workers: int = DEFAULT_JOB_READERS
) -> list[ExistingResource]:
    """Every resource of ``desired`` found in AWS under its name, owned or not."""
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        live = read_live_state(desired, clients, pool, job_workers=max_workers)
    return [
        ExistingResource(address, dict(resource.tags), resource.queue_url)
        for address, resource in live.resources.items()
        if address in desired.resources
    ]
