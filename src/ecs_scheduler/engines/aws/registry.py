"""Which service operations create, update and delete each resource kind.

Adding a kind means adding its :class:`ServiceOperations` to its service module's
``OPERATIONS``; apply finds it here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ecs_scheduler.engines.aws import cloudwatch, events, iam, scheduler, sqs
from ecs_scheduler.engines.aws.service import ServiceOperations
from ecs_scheduler.resources import ResourceType

OPERATIONS: Final[Mapping[ResourceType, ServiceOperations]] = {
    **scheduler.OPERATIONS,
    **iam.OPERATIONS,
    **sqs.OPERATIONS,
    **cloudwatch.OPERATIONS,
    **events.OPERATIONS,
}
