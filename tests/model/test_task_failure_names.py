"""Task groups, the rule's name and description, and the alert message, within AWS's limits."""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ecs_scheduler import config
from ecs_scheduler.naming import HASH_LENGTH, NamingParts, standard_prefix
from ecs_scheduler.task_failures import (
    EVENT_RULE_RULE,
    INPUT_PATH_KEY_PATTERN,
    INPUT_PATH_MAX_LENGTH,
    INPUT_PATHS_MAX,
    INPUT_TEMPLATE_MAX_LENGTH,
    RULE_DESCRIPTION_MAX_LENGTH,
    TARGET_ID_RULE,
    TARGETS_PER_RULE_MAX,
    TASK_GROUP_RULE,
    console_tasks_url,
    event_pattern,
    group_prefix,
    input_transformer,
    rule_arn,
    rule_description,
    rule_name,
    target_id,
    task_failure_rule,
    task_group,
)
from tests.model.ecs_task_events import stopped_event
from tests.model.factories import ACCOUNT, CLUSTER_ARN, REGION, make_stack

NAMES = st.from_regex(r"[a-z0-9-]{1,32}", fullmatch=True)
SCHEDULE_KEYS = st.just("") | st.from_regex(r"[0-9A-Za-z_.-]{1,64}", fullmatch=True)


def parts(stack: str = "reporting", job: str = "nightly", *, long: bool = False) -> NamingParts:
    filler = "x" * 60 if long else ""
    return NamingParts(
        billing_entity=f"acme{filler}",
        billing_domain=f"analytics{filler}",
        security_domain=f"internal{filler}",
        aws_region_short_code="euw1",
        stack=stack,
        job=job,
    )


def test_groups_name_stack_job_and_schedule() -> None:
    assert task_group("reporting", "nightly", "") == "ecs-scheduler:reporting:nightly:"
    assert (
        task_group("reporting", "nightly", "weekend") == "ecs-scheduler:reporting:nightly:weekend"
    )
    assert group_prefix("reporting", "nightly") == "ecs-scheduler:reporting:nightly:"


def test_the_config_keeps_colons_out_of_every_part_of_a_group() -> None:
    """The parts' patterns are what make groups unique and never shortened: check them."""
    for pattern in (config.NAME_PATTERN, config.SCHEDULE_NAME_PATTERN):
        assert ":" not in pattern
    longest = task_group("s" * 32, "j" * 32, "k" * 64)
    assert re.fullmatch(config.NAME_PATTERN, "s" * 32)
    assert not re.fullmatch(config.NAME_PATTERN, "s" * 33)
    assert TASK_GROUP_RULE.accepts(longest)


@settings(max_examples=300, deadline=None)
@given(stack=NAMES, job=NAMES, key=SCHEDULE_KEYS)
def test_a_group_is_valid_and_splits_back_into_its_parts(stack: str, job: str, key: str) -> None:
    group = task_group(stack, job, key)
    assert TASK_GROUP_RULE.accepts(group)
    assert group.split(":") == ["ecs-scheduler", stack, job, key]


def test_the_rule_name_follows_the_naming_standard() -> None:
    assert rule_name(parts()) == "acme-analytics-internal-euw1-reporting_nightly-task-failed"


@settings(max_examples=200, deadline=None)
@given(stack=NAMES, job=NAMES, long=st.booleans())
def test_rule_names_are_valid_and_keep_stack_and_job(stack: str, job: str, long: bool) -> None:
    name = rule_name(parts(stack, job, long=long))
    assert EVENT_RULE_RULE.accepts(name)
    tail = f"-{stack}_{job}-task-failed"
    unhashed = re.sub(rf"-[0-9a-f]{{{HASH_LENGTH}}}$", "", name)
    if len(tail) < EVENT_RULE_RULE.max_length - HASH_LENGTH - 1:
        assert unhashed.endswith(tail)  # only the naming-standard parts were cut, if anything
    else:
        full = standard_prefix(parts(stack, job, long=long)) + tail
        assert unhashed != name and full.startswith(unhashed)  # cut from the end, then hashed


@settings(max_examples=200, deadline=None)
@given(first=st.tuples(NAMES, NAMES), second=st.tuples(NAMES, NAMES))
def test_two_jobs_never_share_a_rule_name(first: tuple[str, str], second: tuple[str, str]) -> None:
    if first != second:
        assert rule_name(parts(*first, long=True)) != rule_name(parts(*second, long=True))


def test_rule_description_and_arn() -> None:
    description = rule_description("s" * 32, "j" * 32)
    assert len(description) <= RULE_DESCRIPTION_MAX_LENGTH
    assert "j" * 32 in description and "s" * 32 in description
    assert rule_arn("aws", "eu-west-1", "123456789012", "r") == (
        "arn:aws:events:eu-west-1:123456789012:rule/r"
    )


def test_the_console_link_goes_to_the_clusters_stopped_tasks() -> None:
    assert console_tasks_url("aws", "eu-west-1", "jobs") == (
        "https://eu-west-1.console.aws.amazon.com/ecs/v2/clusters/jobs/tasks"
        "?status=STOPPED&region=eu-west-1"
    )
    assert ".console.amazonaws.cn/" in console_tasks_url("aws-cn", "cn-north-1", "jobs")


def test_the_input_transformer_is_within_eventbridges_limits() -> None:
    transformer = input_transformer(
        stack="s" * 32, job="j" * 32, cluster_name="c" * 255, partition="aws", region="eu-west-1"
    )
    paths = transformer.input_paths_map
    assert len(paths) <= INPUT_PATHS_MAX
    for key, path in paths.items():
        assert INPUT_PATH_KEY_PATTERN.fullmatch(key) and not key.startswith("AWS.")
        assert len(path) <= INPUT_PATH_MAX_LENGTH and "[" not in path
    assert len(transformer.input_template) <= INPUT_TEMPLATE_MAX_LENGTH
    placeholders = set(re.findall(r"<([A-Za-z0-9_-]+)>", transformer.input_template))
    assert placeholders == set(paths)
    assert transformer.as_api() == {
        "InputPathsMap": dict(paths),
        "InputTemplate": transformer.input_template,
    }


def at_path(event: dict[str, Any], path: str) -> Any:
    value: Any = event
    for part in path.removeprefix("$.").split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def test_the_message_of_a_failed_task_is_json_a_person_can_act_on() -> None:
    """EventBridge puts each value, as JSON, where its unquoted placeholder is (EventBridge
    API Reference, InputTransformer); done here by hand on a documented event."""
    event = stopped_event(
        group=task_group("reporting", "nightly", "weekend"),
        stop_code="EssentialContainerExited",
        stopped_reason="Essential container in task exited",
        exit_codes=[1],
    )
    transformer = input_transformer(
        stack="reporting", job="nightly", cluster_name="jobs", partition="aws", region="us-west-2"
    )
    message = transformer.input_template
    for key, path in transformer.input_paths_map.items():
        message = message.replace(f"<{key}>", json.dumps(at_path(event, path)))
    fields = json.loads(message)
    detail = event["detail"]
    assert (
        fields["summary"] == "An ECS task of job nightly in stack reporting failed on cluster jobs."
    )
    assert (fields["stack"], fields["job"]) == ("reporting", "nightly")
    assert fields["schedule_group"] == "ecs-scheduler:reporting:nightly:weekend"
    assert fields["task_arn"] == detail["taskArn"]
    assert [c["exitCode"] for c in fields["containers"]] == [1]
    assert (fields["stop_code"], fields["stopped_reason"]) == (
        "EssentialContainerExited",
        "Essential container in task exited",
    )
    assert (fields["started_at"], fields["stopped_at"]) == (
        detail["startedAt"],
        detail["stoppedAt"],
    )
    assert fields["console"] == console_tasks_url("aws", "us-west-2", "jobs")


TOPIC = "arn:aws:sns:eu-west-1:123456789012:job-alerts"


def test_target_ids_are_valid_stable_and_distinct_per_topic() -> None:
    same_name_elsewhere = TOPIC.replace("eu-west-1", "us-east-1")
    long_fifo = f"arn:aws:sns:eu-west-1:123456789012:{'t' * 251}.fifo"
    ids = [target_id(arn) for arn in (TOPIC, same_name_elsewhere, long_fifo)]
    assert all(TARGET_ID_RULE.accepts(ident) for ident in ids)
    assert len(set(ids)) == 3
    assert ids[0].startswith("sns-job-alerts-") and target_id(TOPIC) == ids[0]


def test_a_jobs_rule_gathers_name_pattern_targets_and_message() -> None:
    stack = make_stack({"nightly": {}})
    job = stack.jobs["nightly"]
    rule = task_failure_rule("reporting", "nightly", job, [TOPIC, TOPIC])
    assert rule.name == "acme-analytics-internal-euw1-reporting_nightly-task-failed"
    assert rule.arn == f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{rule.name}"
    assert rule.event_pattern == event_pattern(CLUSTER_ARN, "reporting", "nightly")
    assert rule.targets == {target_id(TOPIC): TOPIC}
    assert len(rule.targets) <= TARGETS_PER_RULE_MAX
    assert rule.input_transformer == input_transformer(
        stack="reporting", job="nightly", cluster_name="jobs", partition="aws", region=REGION
    )
    assert task_failure_rule("reporting", "nightly", job, []).targets == {}
