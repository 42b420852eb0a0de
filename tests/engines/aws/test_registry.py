"""Every resource kind apply orders has its service's operations, each with its own codes
for "not found"."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from ecs_scheduler.engines.aws import AwsClients, cloudwatch, events, iam, scheduler, sqs
from ecs_scheduler.engines.aws.planner import DEPENDENCY_ORDER
from ecs_scheduler.engines.aws.registry import OPERATIONS
from ecs_scheduler.engines.aws.service import GROUP, LiveResource, error_code
from ecs_scheduler.resources import ResourceType


def test_every_ordered_kind_has_operations_of_exactly_one_service() -> None:
    services = [
        scheduler.OPERATIONS,
        iam.OPERATIONS,
        sqs.OPERATIONS,
        cloudwatch.OPERATIONS,
        events.OPERATIONS,
    ]

    assert set(OPERATIONS) == set(DEPENDENCY_ORDER)
    assert sum(len(kinds) for kinds in services) == len(OPERATIONS)


# moto's server fails DeleteScheduleGroup of a missing group with a KeyError (HTTP 500) where
# AWS answers ResourceNotFoundException, so that kind is not asked here.
@pytest.mark.parametrize("kind", [kind for kind in DEPENDENCY_ORDER if kind != GROUP])
def test_deleting_what_is_gone_answers_one_of_the_kinds_not_found_codes(
    clients: AwsClients, kind: ResourceType
) -> None:
    """What each service really answers for a missing resource is what apply takes as done."""
    account = clients.sts.get_caller_identity()["Account"]
    queue_url = f"{clients.endpoint_url}/{account}/missing-queue"
    gone = LiveResource(
        address=f"module.gone.{kind}.this",
        job="gone",
        type=kind,
        aws_name="missing",
        arn=f"arn:aws:iam::{account}:role/missing-role",
        properties={"GroupName": "default"},
        queue_url=queue_url,
    )
    operations = OPERATIONS[kind]

    try:
        operations.delete(clients, gone)
    except ClientError as error:
        assert error_code(error) in operations.not_found_codes
