"""The embedded emulator and the demo account it is prepared with, over real HTTP."""

from __future__ import annotations

import json
import socket
import urllib.parse
from pathlib import Path

import pytest
import yaml

from ecs_scheduler.engines.aws.clients import AwsClients
from ecs_scheduler.local import (
    Emulator,
    LocalEmulatorError,
    Prerequisites,
    write_demo_config,
)
from tests.conftest import EXAMPLES_DIR, EmulatedAccount

EXAMPLE_IDS = (
    "subnet-0a1b2c3d4e5f60718",
    "sg-0123456789abcdef0",
    "1234abcd-12ab-34cd-56ef-1234567890ab",
    "cluster/reporting-cluster",
    "ops-alerts",
    "platform-boundary",
    "role/backfill-task",
)


def _listens(endpoint_url: str) -> bool:
    parsed = urllib.parse.urlsplit(endpoint_url)
    assert parsed.hostname is not None and parsed.port is not None
    try:
        with socket.create_connection((parsed.hostname, parsed.port), timeout=2):
            return True
    except OSError:
        return False


def test_emulator_listens_on_loopback_only_while_running() -> None:
    emulator = Emulator()
    with pytest.raises(LocalEmulatorError, match="not running"):
        _ = emulator.endpoint_url
    with emulator:
        endpoint_url = emulator.endpoint_url
        assert urllib.parse.urlsplit(endpoint_url).hostname == "127.0.0.1"
        assert _listens(endpoint_url)
        clients = AwsClients.create(region="us-east-1", endpoint_url=endpoint_url)
        assert clients.sts.get_caller_identity()["Account"] == "123456789012"
    assert not _listens(endpoint_url)


def test_reset_empties_the_emulator(emulator: Emulator, emulator_clients: AwsClients) -> None:
    clients = emulator_clients
    clients.ecs.create_cluster(clusterName="left-over")
    emulator.reset()
    assert clients.ecs.list_clusters()["clusterArns"] == []


def test_prerequisites_are_what_a_real_account_would_have(
    emulated_account: EmulatedAccount,
) -> None:
    clients, prereqs = emulated_account.clients, emulated_account.prereqs

    subnets = clients.ec2.describe_subnets(SubnetIds=list(prereqs.subnet_ids))["Subnets"]
    assert {subnet["VpcId"] for subnet in subnets} == {prereqs.vpc_id}
    assert len({subnet["AvailabilityZone"] for subnet in subnets}) == len(subnets)
    groups = clients.ec2.describe_security_groups(GroupIds=list(prereqs.security_group_ids))
    assert {group["VpcId"] for group in groups["SecurityGroups"]} == {prereqs.vpc_id}

    key = clients.kms.describe_key(KeyId=prereqs.kms_alias_arn)["KeyMetadata"]
    assert (key["Arn"], key["KeyState"], key["KeySpec"]) == (
        prereqs.kms_key_arn,
        "Enabled",
        "SYMMETRIC_DEFAULT",
    )
    policy = json.loads(
        clients.kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"]
    )
    # The execution roles use the key through IAM: the key policy delegates to the account,
    # and names no service principal (no service uses the key on its own behalf).
    assert policy["Statement"] == [
        {
            "Sid": "EnableIamPolicies",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{prereqs.account_id}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]

    cluster = clients.ecs.describe_clusters(clusters=[prereqs.cluster_arn])["clusters"][0]
    assert (cluster["clusterName"], cluster["status"]) == (prereqs.cluster_name, "ACTIVE")

    task = clients.ecs.describe_task_definition(taskDefinition=prereqs.task_family)[
        "taskDefinition"
    ]
    assert task["taskDefinitionArn"] == prereqs.task_definition_arn
    assert task["networkMode"] == "awsvpc"
    assert {"FARGATE", "EC2"} <= set(task["requiresCompatibilities"])
    assert [container["name"] for container in task["containerDefinitions"]] == [
        prereqs.container_name
    ]
    assert (task["taskRoleArn"], task["executionRoleArn"]) == (
        prereqs.task_role_arn,
        prereqs.execution_role_arn,
    )
    for role_arn in (prereqs.task_role_arn, prereqs.execution_role_arn):
        role = clients.iam.get_role(RoleName=role_arn.rsplit("/", 1)[1])["Role"]
        assert "ecs-tasks.amazonaws.com" in json.dumps(role["AssumeRolePolicyDocument"])

    attributes = clients.sns.get_topic_attributes(TopicArn=prereqs.sns_topic_arn)
    assert attributes["Attributes"]["TopicArn"] == prereqs.sns_topic_arn
    boundary = clients.iam.get_policy(PolicyArn=prereqs.permissions_boundary_arn)
    assert boundary["Policy"]["Arn"] == prereqs.permissions_boundary_arn


def test_every_example_is_rewritten_to_the_prerequisites(
    emulated_account: EmulatedAccount,
) -> None:
    prereqs = emulated_account.prereqs
    assert set(emulated_account.configs) == {path.stem for path in EXAMPLES_DIR.glob("*.yaml")}
    for stem, path in emulated_account.configs.items():
        text = path.read_text(encoding="utf-8")
        for example_id in EXAMPLE_IDS:
            assert example_id not in text, f"{stem} still names {example_id}"
        original = (EXAMPLES_DIR / f"{stem}.yaml").read_text(encoding="utf-8")
        original_comments = [line for line in original.splitlines() if line.startswith("#")]
        assert set(original_comments) <= set(text.splitlines())

        document = yaml.safe_load(text)
        for job in document["jobs"].values():
            merged = {**document.get("defaults", {}), **job}
            assert merged["cluster_name"] == prereqs.cluster_name
            assert merged["ecs_cluster_arn"] == prereqs.cluster_arn
            assert merged["task_name"] == prereqs.task_family
            assert set(merged["trusted_compute_subnets"]) <= set(prereqs.subnet_ids)
            assert set(merged["security_group_ids"]) <= set(prereqs.security_group_ids)
            assert merged["kms_key_arn"] in (prereqs.kms_key_arn, prereqs.kms_alias_arn)
            for topic in merged.get("dlq_alarm_actions", []) + merged.get("dlq_ok_actions", []):
                assert topic == prereqs.sns_topic_arn


def test_distinct_ids_stay_distinct_and_containers_are_renamed_at_item_level(
    emulated_account: EmulatedAccount, tmp_path: Path
) -> None:
    prereqs = emulated_account.prereqs
    source = tmp_path / "source.yaml"
    source.write_text(
        """\
stack: s
jobs:
  j:
    trusted_compute_subnets: [subnet-0a1b2c3d4e5f60718, subnet-0f9e8d7c6b5a40312]
    security_group_ids:
      - sg-0123456789abcdef0
    overrides:
      containerOverrides:
        - name: worker
          environment:
            - name: MODE
              value: light
        - name: sidecar
    additional_schedules:
      - name: evening
        schedule_expression: rate(1 day)
""",
        encoding="utf-8",
    )
    document = yaml.safe_load(write_demo_config(prereqs, source, tmp_path / "out.yaml").read_text())
    job = document["jobs"]["j"]
    assert job["trusted_compute_subnets"] == list(prereqs.subnet_ids[:2])
    overrides = job["overrides"]["containerOverrides"]
    assert [override["name"] for override in overrides] == [prereqs.container_name] * 2
    assert overrides[0]["environment"] == [{"name": "MODE", "value": "light"}]
    assert job["additional_schedules"][0]["name"] == "evening"


def test_more_distinct_ids_than_prerequisites_is_a_clear_error(
    emulated_account: EmulatedAccount, tmp_path: Path
) -> None:
    prereqs: Prerequisites = emulated_account.prereqs
    groups = [f"sg-{index:017x}" for index in range(len(prereqs.security_group_ids) + 1)]
    source = tmp_path / "source.yaml"
    source.write_text(f"security_group_ids: [{', '.join(groups)}]\n", encoding="utf-8")
    with pytest.raises(LocalEmulatorError, match="distinct sg ids"):
        write_demo_config(prereqs, source, tmp_path / "out.yaml")
