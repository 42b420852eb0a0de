"""A resource names the resource it lives inside as a value (``Resource.parent``): a schedule
its group, a policy its role or queue, a target its rule. The exports and apply follow it,
never a search of the dependencies by type."""

from __future__ import annotations

import dataclasses

from ecs_scheduler.engines.cloudformation import build_template
from ecs_scheduler.engines.cloudformation_yaml import Ref as CfnRef
from ecs_scheduler.engines.terraform_imports import ExistingResource, import_ids
from ecs_scheduler.kinds import KINDS
from ecs_scheduler.resources import DesiredState, address, build
from tests.model.factories import make_stack


def _without_dependencies() -> DesiredState:
    """Job ``a`` with every ``depends_on`` dropped: only ``parent`` says where a resource is."""
    desired = build(make_stack({"a": {}}))
    resources = {
        key: dataclasses.replace(resource, depends_on=())
        for key, resource in desired.resources.items()
    }
    return dataclasses.replace(desired, resources=resources)


def test_each_kind_that_lives_inside_another_names_its_parent_of_that_kind() -> None:
    desired = build(make_stack({"a": {}}))
    for resource in desired.resources.values():
        parent_kind = KINDS[resource.type].parent
        if parent_kind is None:
            assert resource.parent is None
        else:
            assert resource.parent is not None
            assert desired.resources[resource.parent].type == parent_kind


def test_cloudformation_finds_a_schedules_group_and_a_policys_role_and_queue_by_parent() -> None:
    """The export looked for them among the dependencies, and failed without them."""
    resources = build_template(_without_dependencies())["Resources"]
    assert resources["ASchedule"]["Properties"]["GroupName"] == CfnRef("AScheduleGroup")
    assert resources["ASchedulerRolePolicy"]["Properties"]["RoleName"] == CfnRef("ASchedulerRole")
    assert resources["ADeadLetterQueuePolicy"]["Properties"]["Queues"] == [
        CfnRef("ADeadLetterQueue")
    ]


def test_terraform_import_ids_name_the_parent() -> None:
    desired = _without_dependencies()
    group = desired.resources[address("a", "aws_scheduler_schedule_group", "ecs")]
    role = desired.resources[address("a", "aws_iam_role", "scheduler")]
    schedule = desired.resources[address("a", "aws_scheduler_schedule", "ecs", "")]
    policy = desired.resources[address("a", "aws_iam_role_policy", "scheduler")]
    ids = import_ids(
        desired, [ExistingResource(schedule.address), ExistingResource(policy.address)]
    ).ids
    assert ids[schedule.address] == f"{group.aws_name}/{schedule.aws_name}"
    assert ids[policy.address] == f"{role.aws_name}:{policy.aws_name}"
