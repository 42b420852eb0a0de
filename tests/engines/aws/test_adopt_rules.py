"""Who may be adopted, as a property of tags alone: never a resource another owner tagged."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ecs_scheduler.engines.aws.adoption import other_owner
from ecs_scheduler.loader import loads
from ecs_scheduler.naming import TAG_JOB, TAG_RESOURCE_OWNER, TAG_STACK
from ecs_scheduler.resources import Resource, build
from tests.conftest import EXAMPLES_DIR

EXAMPLE = EXAMPLES_DIR / "multi-schedule.yaml"
DESIRED = build(loads(EXAMPLE.read_text(encoding="utf-8"), EXAMPLE.name).stack)
TAGGED = [resource for resource in DESIRED.resources.values() if resource.tags]
OWNERSHIP_KEYS = [TAG_STACK, TAG_JOB, TAG_RESOURCE_OWNER]

resources = st.sampled_from(TAGGED)
names = st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=12)
other_tags = st.dictionaries(st.sampled_from([*OWNERSHIP_KEYS, "Team", "ManagedBy"]), names)


@given(resources, st.lists(st.sampled_from(OWNERSHIP_KEYS), unique=True))
def test_any_part_of_the_resources_own_tags_is_adoptable(
    resource: Resource, kept: list[str]
) -> None:
    tags = {key: value for key, value in resource.tags.items() if key in kept}
    assert other_owner(tags, resource, DESIRED.stack) is None


@given(resources, other_tags, names)
def test_another_stack_is_never_adopted_whatever_else_is_tagged(
    resource: Resource, tags: dict[str, str], stack: str
) -> None:
    if stack == DESIRED.stack:
        stack += "x"
    reason = other_owner({**tags, TAG_STACK: stack}, resource, DESIRED.stack)
    assert reason is not None
    assert f"stack {stack} owns it" in reason


@given(resources, other_tags, names)
def test_another_resource_owner_is_never_adopted(
    resource: Resource, tags: dict[str, str], owner: str
) -> None:
    if owner == resource.tags[TAG_RESOURCE_OWNER]:
        owner += "x"
    tags = {**tags, TAG_RESOURCE_OWNER: owner}
    assert other_owner(tags, resource, DESIRED.stack) is not None
