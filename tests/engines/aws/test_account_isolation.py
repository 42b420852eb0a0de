"""Each test gets the emulated account as pristine as a reset and a fresh provisioning made it.

The prerequisites are created once per test process and put back from a snapshot before each
test (tests/emulator_snapshot.py). A test here fills the account with one of each kind of
resource ecs-scheduler writes and changes or deletes prerequisites; the test after it, and the
same test after the fixture's reset and restore, must find none of it.
"""

from __future__ import annotations

import json
from typing import Any

import boto3

from ecs_scheduler.engines.aws import AwsClients, apply, plan
from ecs_scheduler.local import Emulator, Prerequisites
from tests.conftest import EmulatedAccount, ProvisionedAccount
from tests.engines.aws.conftest import DesiredFactory

OTHER_REGION = "eu-west-1"


def _contents(clients: AwsClients, prereqs: Prerequisites) -> dict[str, Any]:
    """What the account holds, for every kind ecs-scheduler writes and every prerequisite."""
    execution_role = prereqs.execution_role_arn.rsplit("/", 1)[1]
    [vpc] = clients.ec2.describe_vpcs(VpcIds=[prereqs.vpc_id])["Vpcs"]
    groups = clients.ec2.describe_security_groups(GroupIds=list(prereqs.security_group_ids))
    return {
        "schedule groups": sorted(
            group["Name"] for group in clients.scheduler.list_schedule_groups()["ScheduleGroups"]
        ),
        "schedules": [s["Name"] for s in clients.scheduler.list_schedules()["Schedules"]],
        "queues": clients.sqs.list_queues().get("QueueUrls", []),
        "queues elsewhere": _other_region_sqs(clients).list_queues().get("QueueUrls", []),
        "alarms": [a["AlarmName"] for a in clients.cloudwatch.describe_alarms()["MetricAlarms"]],
        "metrics": clients.cloudwatch.list_metrics()["Metrics"],
        "roles": sorted(role["RoleName"] for role in clients.iam.list_roles()["Roles"]),
        "execution role's policies": clients.iam.list_role_policies(RoleName=execution_role)[
            "PolicyNames"
        ],
        "policies": [p["Arn"] for p in clients.iam.list_policies(Scope="Local")["Policies"]],
        "rules": [rule["Name"] for rule in clients.events.list_rules()["Rules"]],
        "tasks": clients.ecs.list_tasks(cluster=prereqs.cluster_name)["taskArns"],
        "task definitions": clients.ecs.list_task_definitions(familyPrefix=prereqs.task_family)[
            "taskDefinitionArns"
        ],
        "topics": [topic["TopicArn"] for topic in clients.sns.list_topics()["Topics"]],
        "key policy": json.loads(
            clients.kms.get_key_policy(KeyId=prereqs.kms_key_arn, PolicyName="default")["Policy"]
        ),
        "vpc tags": vpc.get("Tags", []),
        "ingress": [group["IpPermissions"] for group in groups["SecurityGroups"]],
    }


def _other_region_sqs(clients: AwsClients) -> Any:
    return boto3.client("sqs", region_name=OTHER_REGION, endpoint_url=clients.sqs.meta.endpoint_url)


def _pristine(prereqs: Prerequisites) -> dict[str, Any]:
    """What ``provision_prerequisites`` leaves in an emptied emulator."""
    return {
        "schedule groups": ["default"],
        "schedules": [],
        "queues": [],
        "queues elsewhere": [],
        "alarms": [],
        "metrics": [],
        "roles": sorted(
            arn.rsplit("/", 1)[1] for arn in (prereqs.task_role_arn, prereqs.execution_role_arn)
        ),
        "execution role's policies": ["task-execution"],
        "policies": [prereqs.permissions_boundary_arn],
        "rules": [],
        "tasks": [],
        "task definitions": [prereqs.task_definition_arn],
        "topics": [prereqs.sns_topic_arn],
        "key policy": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "EnableIamPolicies",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{prereqs.account_id}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ],
        },
        "vpc tags": [{"Key": "Name", "Value": "demo"}],
        "ingress": [[], []],
    }


def _fill(clients: AwsClients, prereqs: Prerequisites, desired_from: DesiredFactory) -> None:
    """One of each kind ecs-scheduler writes, and a change to each kind of prerequisite."""
    topic = prereqs.sns_topic_arn

    def alerting(document: dict[str, Any]) -> None:
        document["jobs"]["daily-report"]["task_failure_actions"] = [topic]

    # Schedule group, schedule, dead-letter queue, alarms, execution role, task-failure rule.
    apply(plan(desired_from("daily-report", alerting), clients), clients)
    [queue_url] = clients.sqs.list_queues()["QueueUrls"]
    clients.sqs.send_message(QueueUrl=queue_url, MessageBody="{}")
    _other_region_sqs(clients).create_queue(QueueName="elsewhere")
    clients.cloudwatch.put_metric_data(
        Namespace="Isolation", MetricData=[{"MetricName": "Probe", "Value": 1.0}]
    )
    clients.ecs.run_task(
        cluster=prereqs.cluster_name,
        taskDefinition=prereqs.task_definition_arn,
        launchType="FARGATE",
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": [prereqs.subnet_ids[0]],
                "securityGroups": [prereqs.security_group_ids[0]],
            }
        },
    )
    # The prerequisites, changed or deleted as some tests do.
    clients.kms.put_key_policy(
        KeyId=prereqs.kms_key_arn,
        PolicyName="default",
        Policy=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )
    clients.sns.delete_topic(TopicArn=topic)
    clients.ecs.deregister_task_definition(taskDefinition=prereqs.task_definition_arn)
    clients.iam.delete_role_policy(
        RoleName=prereqs.execution_role_arn.rsplit("/", 1)[1], PolicyName="task-execution"
    )
    clients.iam.delete_policy(PolicyArn=prereqs.permissions_boundary_arn)
    clients.ec2.create_tags(Resources=[prereqs.vpc_id], Tags=[{"Key": "Name", "Value": "changed"}])
    for group_id in prereqs.security_group_ids:
        clients.ec2.authorize_security_group_ingress(
            GroupId=group_id, IpProtocol="tcp", FromPort=443, ToPort=443, CidrIp="10.0.0.0/8"
        )


def test_a_test_starts_with_the_pristine_account(emulated_account: EmulatedAccount) -> None:
    assert _contents(emulated_account.clients, emulated_account.prereqs) == _pristine(
        emulated_account.prereqs
    )


def test_what_a_test_writes_or_changes_is_gone_for_the_next(
    emulated_account: EmulatedAccount,
    desired_from: DesiredFactory,
    emulator: Emulator,
    provisioned_account: ProvisionedAccount,
) -> None:
    clients, prereqs = emulated_account.clients, emulated_account.prereqs
    pristine = _contents(clients, prereqs)

    _fill(clients, prereqs, desired_from)
    filled = _contents(clients, prereqs)
    assert [kind for kind in pristine if filled[kind] == pristine[kind]] == []

    # What the fixture does before the next test.
    emulator.reset()
    provisioned_account.snapshot.restore()
    assert _contents(clients, prereqs) == pristine == _pristine(prereqs)


def test_the_next_test_finds_the_pristine_account_again(
    emulated_account: EmulatedAccount,
) -> None:
    """Runs after the test above in the same process (pytest keeps a file's order)."""
    test_a_test_starts_with_the_pristine_account(emulated_account)
