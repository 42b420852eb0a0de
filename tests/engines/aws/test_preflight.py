"""Preflight against moto's server over HTTP: one test per kind of failure, and clean examples."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from ecs_scheduler.engines.aws.preflight import PreflightReport, preflight
from ecs_scheduler.loader import loads
from ecs_scheduler.resources import DesiredState, build
from tests.conftest import EmulatedAccount

READ_ONLY_PREFIXES = ("Describe", "Get", "List")


def _desired(text: str) -> DesiredState:
    return build(loads(text).stack)


def _preflight(
    account: EmulatedAccount, example: str, edit: Callable[[str], str] = lambda text: text
) -> PreflightReport:
    text = edit(account.configs[example].read_text(encoding="utf-8"))
    return preflight(_desired(text), account.clients)


@pytest.mark.parametrize(
    "example", sorted(path.stem for path in Path("examples").resolve().glob("*.yaml"))
)
def test_every_example_passes_preflight_without_writing(
    emulated_account: EmulatedAccount, example: str
) -> None:
    before = Counter(emulated_account.clients.api_calls.calls)
    report = _preflight(emulated_account, example)
    assert report.errors == report.unwired_alerts == ()
    # The one warning: a job without a topic has a task-failure rule that tells nobody.
    desired = _desired(emulated_account.configs[example].read_text(encoding="utf-8"))
    alerting = {r.parent for r in desired.resources.values() if r.parent and "event" in r.type}
    silent = [
        r.aws_name
        for r in desired.resources.values()
        if r.type == "aws_cloudwatch_event_rule" and r.address not in alerting
    ]
    assert len(report.warnings) == len(silent)
    assert all(name in warning for name, warning in zip(silent, report.warnings, strict=True))
    assert report.ok
    made = Counter(emulated_account.clients.api_calls.calls) - before
    assert made, "preflight made no call at all"
    written = [call for call in made if not call.split(".")[1].startswith(READ_ONLY_PREFIXES)]
    assert written == []


def test_missing_cluster_is_named_once_per_job_and_looked_up_once(
    emulated_account: EmulatedAccount,
) -> None:
    prereqs = emulated_account.prereqs
    document = yaml.safe_load(emulated_account.configs["daily-report"].read_text(encoding="utf-8"))
    job = document["jobs"]["daily-report"]
    job["cluster_name"] = "gone"
    job["ecs_cluster_arn"] = prereqs.cluster_arn.replace(prereqs.cluster_name, "gone")
    document["jobs"]["weekly-report"] = job
    before = emulated_account.clients.api_calls.calls["ecs.DescribeClusters"]

    report = preflight(_desired(yaml.safe_dump(document)), emulated_account.clients)

    assert report.errors == tuple(
        f"Job '{name}': ECS cluster {job['ecs_cluster_arn']} does not exist."
        for name in ("daily-report", "weekly-report")
    )
    assert emulated_account.clients.api_calls.calls["ecs.DescribeClusters"] == before + 1


def test_inactive_cluster(emulated_account: EmulatedAccount) -> None:
    prereqs = emulated_account.prereqs
    emulated_account.clients.ecs.delete_cluster(cluster=prereqs.cluster_arn)
    assert _preflight(emulated_account, "daily-report").errors == (
        f"Job 'daily-report': ECS cluster {prereqs.cluster_arn} is INACTIVE, not ACTIVE.",
    )


def test_missing_task_definition_family(emulated_account: EmulatedAccount) -> None:
    family = emulated_account.prereqs.task_family
    report = _preflight(
        emulated_account,
        "daily-report",
        lambda text: text.replace(f"task_name: {family}", "task_name: no-such-task"),
    )
    assert report.errors == (
        "Job 'daily-report': task definition family 'no-such-task' has no ACTIVE revision.",
    )


def test_missing_pinned_revision(emulated_account: EmulatedAccount) -> None:
    family = emulated_account.prereqs.task_family
    report = _preflight(
        emulated_account,
        "one-time",
        lambda text: text.replace("task_definition_revision: 1", "task_definition_revision: 9"),
    )
    assert report.errors == (
        f"Job 'backfill-2030': revision 9 of task definition family '{family}' does not exist.",
    )


def _register_revision(
    account: EmulatedAccount, *, network_mode: str, compatibilities: list[str]
) -> str:
    prereqs = account.prereqs
    registered = account.clients.ecs.register_task_definition(
        family=prereqs.task_family,
        networkMode=network_mode,
        requiresCompatibilities=compatibilities,
        cpu="256",
        memory="512",
        containerDefinitions=[
            {"name": prereqs.container_name, "image": "busybox", "essential": True}
        ],
    )
    return f"{prereqs.task_family}:{registered['taskDefinition']['revision']}"


def test_fargate_needs_a_fargate_compatible_task_definition(
    emulated_account: EmulatedAccount,
) -> None:
    name = _register_revision(emulated_account, network_mode="awsvpc", compatibilities=["EC2"])
    assert name.endswith(":2")
    family = emulated_account.prereqs.task_family
    assert _preflight(emulated_account, "daily-report").errors == (
        f"Job 'daily-report': task definition {family} is not compatible with launch type "
        "FARGATE (it requires EC2).",
    )
    assert _preflight(emulated_account, "ec2-placement").errors == ()


def test_fargate_and_subnets_need_the_awsvpc_network_mode(
    emulated_account: EmulatedAccount,
) -> None:
    _register_revision(emulated_account, network_mode="bridge", compatibilities=["EC2"])
    family = emulated_account.prereqs.task_family
    bridge_with_subnets = (
        f"task definition {family} uses network mode 'bridge', but the schedule sends "
        "subnets and security groups, which only 'awsvpc' accepts."
    )
    assert _preflight(emulated_account, "daily-report").errors == (
        f"Job 'daily-report': task definition {family} is not compatible with launch type "
        "FARGATE (it requires EC2).",
        f"Job 'daily-report': task definition {family} uses network mode 'bridge', but "
        "FARGATE needs 'awsvpc'.",
        f"Job 'daily-report': {bridge_with_subnets}",
    )
    assert _preflight(emulated_account, "ec2-placement").errors == (
        f"Job 'nightly-vacuum': {bridge_with_subnets}",
    )


def test_container_named_in_overrides_must_exist(emulated_account: EmulatedAccount) -> None:
    prereqs = emulated_account.prereqs
    report = _preflight(
        emulated_account,
        "multi-schedule",
        lambda text: text.replace(f"- name: {prereqs.container_name}", "- name: ghost"),
    )
    assert report.errors == (
        f"Job 'sync-orders': overrides name container 'ghost', which task definition "
        f"{prereqs.task_family} does not have (it has {prereqs.container_name}).",
    )


def test_missing_subnet_and_security_group(emulated_account: EmulatedAccount) -> None:
    prereqs = emulated_account.prereqs
    ec2 = emulated_account.clients.ec2
    ec2.delete_subnet(SubnetId=prereqs.subnet_ids[1])
    ec2.delete_security_group(GroupId=prereqs.security_group_ids[0])
    assert _preflight(emulated_account, "daily-report").errors == (
        f"Job 'daily-report': subnet {prereqs.subnet_ids[1]} does not exist.",
        f"Job 'daily-report': security group {prereqs.security_group_ids[0]} does not exist.",
    )


def test_subnets_and_security_groups_must_share_one_vpc(emulated_account: EmulatedAccount) -> None:
    prereqs = emulated_account.prereqs
    ec2 = emulated_account.clients.ec2
    other_vpc = ec2.create_vpc(CidrBlock="10.99.0.0/16")["Vpc"]["VpcId"]
    stray = ec2.create_subnet(VpcId=other_vpc, CidrBlock="10.99.1.0/24")["Subnet"]["SubnetId"]
    report = _preflight(
        emulated_account,
        "daily-report",
        lambda text: text.replace(prereqs.subnet_ids[1], stray),
    )
    assert len(report.errors) == 1
    assert report.errors[0].startswith(
        "Job 'daily-report': subnets and security groups must all be in one VPC, but they span 2"
    )
    assert f"{other_vpc}: {stray}" in report.errors[0]


def test_missing_kms_key(emulated_account: EmulatedAccount) -> None:
    prereqs = emulated_account.prereqs
    gone = prereqs.kms_key_arn.rsplit("/", 1)[0] + "/00000000-0000-4000-8000-000000000000"
    report = _preflight(
        emulated_account, "daily-report", lambda text: text.replace(prereqs.kms_key_arn, gone)
    )
    assert report.errors == (f"Job 'daily-report': KMS key {gone} does not exist.",)


def test_disabled_kms_key(emulated_account: EmulatedAccount) -> None:
    prereqs = emulated_account.prereqs
    emulated_account.clients.kms.disable_key(KeyId=prereqs.kms_key_arn.rsplit("/", 1)[1])
    assert _preflight(emulated_account, "multi-schedule").errors == (
        f"Job 'sync-orders': KMS key {prereqs.kms_alias_arn} is Disabled, not Enabled.",
    )


def test_asymmetric_kms_key(emulated_account: EmulatedAccount) -> None:
    prereqs = emulated_account.prereqs
    asymmetric = emulated_account.clients.kms.create_key(
        KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT"
    )["KeyMetadata"]["Arn"]
    report = _preflight(
        emulated_account, "daily-report", lambda text: text.replace(prereqs.kms_key_arn, asymmetric)
    )
    assert report.errors == (
        f"Job 'daily-report': KMS key {asymmetric} is RSA_2048; SQS and EventBridge Scheduler "
        "need a SYMMETRIC_DEFAULT key.",
    )


def test_missing_sns_topic(emulated_account: EmulatedAccount) -> None:
    prereqs = emulated_account.prereqs
    emulated_account.clients.sns.delete_topic(TopicArn=prereqs.sns_topic_arn)
    assert _preflight(emulated_account, "ec2-placement").errors == (
        f"Job 'nightly-vacuum': SNS topic {prereqs.sns_topic_arn} does not exist.",
    )


def test_missing_permissions_boundary(emulated_account: EmulatedAccount) -> None:
    prereqs = emulated_account.prereqs
    emulated_account.clients.iam.delete_policy(PolicyArn=prereqs.permissions_boundary_arn)
    assert _preflight(emulated_account, "ec2-placement").errors == (
        f"Job 'nightly-vacuum': permissions boundary policy {prereqs.permissions_boundary_arn} "
        "does not exist.",
    )
