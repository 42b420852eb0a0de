"""One region per stack: the AWS engine reads and writes a stack through clients of one region.

A job's region is its cluster's (the config takes it from ``ecs_cluster_arn``), and every
regional ARN the model builds for the job carries it. Schedules, queues and alarms are regional,
so clients of another region would read none of them: a plan would create everything again and
``outputs`` would report nothing deployed. The entry points (plan, outputs, the operations)
check here first instead of answering that silently.
"""

from __future__ import annotations

from ecs_scheduler.engines.aws.clients import AwsClients
from ecs_scheduler.engines.aws.errors import AwsEngineError
from ecs_scheduler.resources import DesiredState

# arn:partition:service:region:account-id:resource; IAM's ARNs leave the region empty, IAM
# being global (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html).
_ARN_REGION_PART = 3


def job_regions(desired: DesiredState) -> dict[str, str]:
    """Each job's region, read from the regional ARNs of its resources."""
    regions: dict[str, str] = {}
    for resource in desired.resources.values():
        parts = resource.arn.split(":")
        if len(parts) > _ARN_REGION_PART and parts[_ARN_REGION_PART]:
            regions.setdefault(resource.job, parts[_ARN_REGION_PART])
    return regions


def stack_region(desired: DesiredState, requested: str | None = None) -> str:
    """The one region of the stack's jobs: the region to make its clients for.

    ``requested`` (``--region``) must agree with it: the jobs' regions come from their clusters.
    """
    by_region: dict[str, list[str]] = {}
    for job, region in sorted(job_regions(desired).items()):
        by_region.setdefault(region, []).append(job)
    if len(by_region) != 1:
        found = "; ".join(
            f"{region} ({', '.join(jobs)})" for region, jobs in sorted(by_region.items())
        )
        raise AwsEngineError(
            f"The jobs of stack {desired.stack} must share one region for the AWS engine; "
            f"found {found or 'no job'}."
        )
    (region,) = by_region
    if requested is not None and requested != region:
        raise AwsEngineError(
            f"--region {requested} disagrees with the clusters' region {region} "
            f"of stack {desired.stack}."
        )
    return region


def require_stack_region(desired: DesiredState, clients: AwsClients) -> None:
    """Refuse clients of another region than the stack's (see the module's docstring)."""
    region = stack_region(desired)
    if clients.region != region:
        raise AwsEngineError(
            f"The AWS clients are for {clients.region}, but the clusters of stack "
            f"{desired.stack} are in {region}: make the clients for {region}."
        )
