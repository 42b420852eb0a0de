"""Each resource kind's service: the operations that write it and the canonical form of its
properties, from the service modules that own them.

A kind is registered by its service module's ``OPERATIONS`` (and ``RECORDED``, if its job's
group records its name); a new service module is added to ``SERVICES``. Apply, the planner,
the canonical form and the live read find each kind here.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any, Final

from ecs_scheduler.engines.aws import cloudwatch, events, iam, scheduler, sqs
from ecs_scheduler.engines.aws.canonical import canonical_form
from ecs_scheduler.engines.aws.service import RecordedKind, ServiceOperations
from ecs_scheduler.kinds import DEPENDENCY_ORDER, KINDS
from ecs_scheduler.resources import ResourceType

SERVICES: Final[tuple[ModuleType, ...]] = (scheduler, iam, sqs, cloudwatch, events)


def _operations() -> dict[ResourceType, ServiceOperations]:
    """Every kind's operations: each kind of kinds.py in exactly one service module."""
    found: dict[ResourceType, ServiceOperations] = {}
    for service in SERVICES:
        for resource_type, operations in service.OPERATIONS.items():
            if resource_type in found:
                raise TypeError(f"{resource_type} is in two service modules")
            found[resource_type] = operations
    missing = set(KINDS) - set(found)
    if missing:
        raise TypeError(f"no service module writes {sorted(missing)}")
    return found


OPERATIONS: Final[Mapping[ResourceType, ServiceOperations]] = _operations()
# The kinds whose names a job's schedule group records, in dependency order (live.py).
RECORDED: Final[tuple[RecordedKind, ...]] = tuple(
    sorted(
        (recorded for service in SERVICES for recorded in service.RECORDED),
        key=lambda recorded: DEPENDENCY_ORDER.index(recorded.type),
    )
)


def canonical_properties(
    resource_type: ResourceType, properties: Mapping[str, Any]
) -> dict[str, Any]:
    """The canonical form of request-shaped ``properties`` of a resource of ``resource_type``
    (:mod:`~ecs_scheduler.engines.aws.canonical`, with the kind's service's own part)."""
    return canonical_form(resource_type, properties, OPERATIONS[resource_type].canonical)


def comparable_live_properties(
    resource_type: ResourceType, live: Mapping[str, Any], desired: Mapping[str, Any]
) -> dict[str, Any]:
    """``live`` without what the config has no say in (its service decides what that is)."""
    return OPERATIONS[resource_type].comparable(live, desired)
