"""The embedded AWS emulator: moto's server on 127.0.0.1, and the account it stands in for.

``Emulator`` runs moto's real HTTP server in a background thread, so every call goes through
boto3, botocore's signing and retries, and the wire protocol, exactly as against AWS.
``provision_prerequisites`` creates what a real account already has before anyone writes a
config (network, key, cluster, task definition, topic), and ``write_demo_config`` rewrites an
example config to use them.
"""

from __future__ import annotations

import json
import logging
import os
import re
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from ecs_scheduler.engines.aws.clients import AwsClients
from ecs_scheduler.errors import EcsSchedulerError

LOOPBACK = "127.0.0.1"


class LocalEmulatorError(EcsSchedulerError):
    """The embedded emulator could not start, or the demo account could not be prepared."""


class Emulator:
    """moto's server on a free loopback port; use it as a context manager.

    The server is bound to 127.0.0.1 only: it accepts any credentials, so it must never be
    reachable from another machine.
    """

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        _report_redrive_allow_policy()
        self._server = ThreadedMotoServer(ip_address=LOOPBACK, port=0, verbose=False)
        self._endpoint_url: str | None = None

    @property
    def endpoint_url(self) -> str:
        if self._endpoint_url is None:
            raise LocalEmulatorError("The embedded emulator is not running; start it first.")
        return self._endpoint_url

    def start(self) -> Emulator:
        # werkzeug logs every request at INFO; the demo and the tests only want real problems.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        use_emulator_credentials()
        try:
            self._server.start()
        except OSError as error:
            raise LocalEmulatorError(
                f"The embedded emulator could not listen on {LOOPBACK}: {error}."
            ) from error
        host, port = self._server.get_host_and_port()
        self._endpoint_url = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        if self._endpoint_url is not None:
            self._server.stop()
            self._endpoint_url = None

    def reset(self) -> None:
        """Empty every service of the emulator, as if it had just started."""
        reset_emulator(self.endpoint_url)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _report_redrive_allow_policy() -> None:
    """Make moto report a queue's RedriveAllowPolicy in GetQueueAttributes, as SQS does.

    moto 5.2 keeps the attribute that CreateQueue and SetQueueAttributes set but leaves it out
    of GetQueueAttributes; AWS reports it once set (GetQueueAttributes, SQS API Reference), and
    plan compares it. Patched in this process, where the emulator's server runs.
    """
    from moto.sqs.models import Queue

    reported: Any = Queue.attributes
    if getattr(reported.fget, "reports_redrive_allow_policy", False):
        return

    def attributes(queue: Any) -> dict[str, Any]:
        result: dict[str, Any] = reported.fget(queue)
        value = getattr(queue, "redrive_allow_policy", None)
        if value:
            result["RedriveAllowPolicy"] = value
        return result

    attributes.reports_redrive_allow_policy = True  # type: ignore[attr-defined]
    Queue.attributes = property(attributes)  # type: ignore[method-assign,assignment]


def use_emulator_credentials() -> None:
    """Give botocore credentials to sign with when the environment holds none.

    The emulator accepts any credentials, but botocore refuses to sign without some, and a
    machine with no AWS setup at all must still run the demo. Credentials already in the
    environment are left as they are.
    """
    if not os.environ.get("AWS_ACCESS_KEY_ID"):
        os.environ["AWS_ACCESS_KEY_ID"] = "emulator"
        os.environ["AWS_SECRET_ACCESS_KEY"] = "emulator"


def reset_emulator(endpoint_url: str) -> None:
    """Empty every service of the moto server at ``endpoint_url`` (in this process or not)."""
    request = urllib.request.Request(f"{endpoint_url}/moto-api/reset", method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30):
            pass
    except OSError as error:
        raise LocalEmulatorError(
            f"Could not reset the emulator at {endpoint_url}: {error}."
        ) from error


@dataclass(frozen=True)
class Prerequisites:
    """The ids and ARNs of what a config refers to but ecs-scheduler does not create."""

    region: str
    account_id: str
    vpc_id: str
    subnet_ids: tuple[str, ...]
    security_group_ids: tuple[str, ...]
    kms_key_arn: str
    kms_alias_arn: str
    cluster_name: str
    cluster_arn: str
    task_family: str
    task_definition_arn: str
    task_definition_revision: int
    container_name: str
    task_role_arn: str
    execution_role_arn: str
    sns_topic_arn: str
    permissions_boundary_arn: str


_SUBNET_COUNT = 3
_SECURITY_GROUP_COUNT = 2


def provision_prerequisites(clients: AwsClients, *, name: str = "demo") -> Prerequisites:
    """Create, in the account ``clients`` point at, what a real account would already have.

    The task definition is awsvpc and compatible with both FARGATE and EC2, so every example
    (including the EC2 one) passes preflight against it.
    """
    account_id: str = clients.sts.get_caller_identity()["Account"]
    region = clients.region
    tags = [{"Key": "Name", "Value": name}]

    vpc_id: str = clients.ec2.create_vpc(
        CidrBlock="10.42.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": tags}],
    )["Vpc"]["VpcId"]
    zones = [
        zone["ZoneName"] for zone in clients.ec2.describe_availability_zones()["AvailabilityZones"]
    ]
    subnet_ids = tuple(
        clients.ec2.create_subnet(
            VpcId=vpc_id,
            CidrBlock=f"10.42.{index}.0/24",
            AvailabilityZone=zones[index % len(zones)],
            TagSpecifications=[{"ResourceType": "subnet", "Tags": tags}],
        )["Subnet"]["SubnetId"]
        for index in range(_SUBNET_COUNT)
    )
    security_group_ids = tuple(
        clients.ec2.create_security_group(
            GroupName=f"{name}-tasks-{index}",
            Description=f"{name}: ECS tasks started by EventBridge Scheduler",
            VpcId=vpc_id,
        )["GroupId"]
        for index in range(_SECURITY_GROUP_COUNT)
    )

    key = clients.kms.create_key(
        Description=f"{name}: dead-letter queues of scheduled ECS tasks",
        KeySpec="SYMMETRIC_DEFAULT",
        KeyUsage="ENCRYPT_DECRYPT",
        Policy=json.dumps(_key_policy(account_id)),
        Tags=[{"TagKey": "Name", "TagValue": name}],
    )["KeyMetadata"]
    alias_name = f"alias/{name}"
    clients.kms.create_alias(AliasName=alias_name, TargetKeyId=key["KeyId"])

    cluster_name = f"{name}-cluster"
    cluster_arn: str = clients.ecs.create_cluster(clusterName=cluster_name)["cluster"]["clusterArn"]

    task_role_arn = _create_role(
        clients,
        f"{name}-task",
        "The task's own permissions (none needed by the demo).",
        inline_policy=None,
    )
    execution_role_arn = _create_role(
        clients,
        f"{name}-task-execution",
        "Lets ECS pull the image and write the task's logs.",
        inline_policy=_EXECUTION_ROLE_POLICY,
    )
    boundary_arn: str = clients.iam.create_policy(
        PolicyName=f"{name}-boundary",
        Description="Permissions boundary for roles created by ecs-scheduler.",
        PolicyDocument=json.dumps(_BOUNDARY_POLICY),
    )["Policy"]["Arn"]

    container_name = "app"
    task_definition = clients.ecs.register_task_definition(
        family=f"{name}-task",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE", "EC2"],
        cpu="256",
        memory="512",
        taskRoleArn=task_role_arn,
        executionRoleArn=execution_role_arn,
        containerDefinitions=[
            {
                "name": container_name,
                "image": "public.ecr.aws/docker/library/busybox:stable",
                "essential": True,
                "command": ["echo", "hello from ecs-scheduler"],
            }
        ],
    )["taskDefinition"]

    topic_arn: str = clients.sns.create_topic(Name=f"{name}-alerts")["TopicArn"]

    return Prerequisites(
        region=region,
        account_id=account_id,
        vpc_id=vpc_id,
        subnet_ids=subnet_ids,
        security_group_ids=security_group_ids,
        kms_key_arn=key["Arn"],
        kms_alias_arn=f"arn:aws:kms:{region}:{account_id}:{alias_name}",
        cluster_name=cluster_name,
        cluster_arn=cluster_arn,
        task_family=task_definition["family"],
        task_definition_arn=task_definition["taskDefinitionArn"],
        task_definition_revision=task_definition["revision"],
        container_name=container_name,
        task_role_arn=task_role_arn,
        execution_role_arn=execution_role_arn,
        sns_topic_arn=topic_arn,
        permissions_boundary_arn=boundary_arn,
    )


def _key_policy(account_id: str) -> dict[str, Any]:
    """The default key policy: the account's IAM policies decide who uses the key.

    The execution roles then use it through their own policies (SQS for the dead-letter queue,
    Scheduler's decryption of schedule payloads), and so does whoever runs the demo.
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EnableIamPolicies",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }


_ECS_TASKS_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}

# What AWS's AmazonECSTaskExecutionRolePolicy grants; moto does not ship AWS managed policies.
_EXECUTION_ROLE_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "ecr:GetAuthorizationToken",
                "ecr:BatchCheckLayerAvailability",
                "ecr:GetDownloadUrlForLayer",
                "ecr:BatchGetImage",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
            ],
            "Resource": "*",
        }
    ],
}

_BOUNDARY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["ecs:RunTask", "ecs:TagResource", "iam:PassRole", "sqs:SendMessage"],
            "Resource": "*",
        },
        {
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
            "Resource": "*",
        },
    ],
}


def _create_role(
    clients: AwsClients, role_name: str, description: str, *, inline_policy: dict[str, Any] | None
) -> str:
    role_arn: str = clients.iam.create_role(
        RoleName=role_name,
        Description=description,
        AssumeRolePolicyDocument=json.dumps(_ECS_TASKS_TRUST),
    )["Role"]["Arn"]
    if inline_policy is not None:
        clients.iam.put_role_policy(
            RoleName=role_name,
            PolicyName="task-execution",
            PolicyDocument=json.dumps(inline_policy),
        )
    return role_arn


# An ARN ends at whitespace, a quote, or YAML flow punctuation.
_ARN_TAIL = r"[^\s\"',\]}]+"
_SUBNET = re.compile(r"\bsubnet-[0-9a-f]{8,17}\b")
_SECURITY_GROUP = re.compile(r"\bsg-[0-9a-f]{8,17}\b")
_CLUSTER_ARN = re.compile(rf"arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{{12}}:cluster/{_ARN_TAIL}")
_KMS_ARN = re.compile(rf"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{{12}}:(?:key|alias)/{_ARN_TAIL}")
_SNS_ARN = re.compile(rf"arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{{12}}:{_ARN_TAIL}")
_POLICY_ARN = re.compile(rf"arn:aws[a-z-]*:iam::\d{{12}}:policy/{_ARN_TAIL}")
_TASK_ROLE = re.compile(
    rf"((?:task_role_arn|taskRoleArn):\s*[\"']?)arn:aws[a-z-]*:iam::{_ARN_TAIL}"
)
_EXECUTION_ROLE = re.compile(
    rf"((?:execution_role_arn|executionRoleArn):\s*[\"']?)arn:aws[a-z-]*:iam::{_ARN_TAIL}"
)
_CLUSTER_NAME = re.compile(r"^(\s*cluster_name:\s*)\S.*$", re.MULTILINE)
_TASK_NAME = re.compile(r"^(\s*task_name:\s*)\S.*$", re.MULTILINE)
_REVISION = re.compile(r"^(\s*task_definition_revision:\s*)\d+", re.MULTILINE)
_KEY_LINE = re.compile(r"^(\s*)(?:-\s+)?[A-Za-z_]+:")
_CONTAINER_NAME_ITEM = re.compile(r"^(\s*-\s+name:\s*)\S.*$")


def write_demo_config(prereqs: Prerequisites, source: Path, target: Path) -> Path:
    """Write ``source`` to ``target`` with its example ids replaced by the ones of ``prereqs``.

    The rewrite is textual, so the example's comments and layout survive: every cluster,
    subnet, security group, key, topic, role, boundary, task family and container named in
    overrides is replaced by the prerequisite of its kind (distinct subnets and security
    groups map to distinct ones), and a pinned revision becomes the registered one.
    """
    text = source.read_text(encoding="utf-8")
    text = _replace_distinct(_SUBNET, text, prereqs.subnet_ids)
    text = _replace_distinct(_SECURITY_GROUP, text, prereqs.security_group_ids)
    text = _CLUSTER_ARN.sub(prereqs.cluster_arn, text)
    text = _KMS_ARN.sub(_same_kind_of_kms_arn(prereqs), text)
    text = _SNS_ARN.sub(prereqs.sns_topic_arn, text)
    text = _POLICY_ARN.sub(prereqs.permissions_boundary_arn, text)
    text = _TASK_ROLE.sub(lambda match: match.group(1) + prereqs.task_role_arn, text)
    text = _EXECUTION_ROLE.sub(lambda match: match.group(1) + prereqs.execution_role_arn, text)
    text = _CLUSTER_NAME.sub(lambda match: match.group(1) + prereqs.cluster_name, text)
    text = _TASK_NAME.sub(lambda match: match.group(1) + prereqs.task_family, text)
    text = _REVISION.sub(lambda match: match.group(1) + str(prereqs.task_definition_revision), text)
    text = _rename_override_containers(text, prereqs.container_name)
    header = (
        f"# Written from {source.name} for the embedded emulator: the example's ids are replaced\n"
        "# by those of the prerequisites created there (network, key, cluster, task, topic).\n"
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(header + text, encoding="utf-8")
    return target


def _replace_distinct(pattern: re.Pattern[str], text: str, replacements: tuple[str, ...]) -> str:
    """Map each distinct match, in order of first appearance, to the next replacement."""
    mapping: dict[str, str] = {}

    def substitute(match: re.Match[str]) -> str:
        found = match.group(0)
        if found not in mapping:
            if len(mapping) >= len(replacements):
                raise LocalEmulatorError(
                    f"The example names more than {len(replacements)} distinct "
                    f"{found.split('-')[0]} ids; the emulator's prerequisites have only "
                    f"{len(replacements)}."
                )
            mapping[found] = replacements[len(mapping)]
        return mapping[found]

    return pattern.sub(substitute, text)


def _same_kind_of_kms_arn(prereqs: Prerequisites) -> Callable[[re.Match[str]], str]:
    def substitute(match: re.Match[str]) -> str:
        return prereqs.kms_alias_arn if ":alias/" in match.group(0) else prereqs.kms_key_arn

    return substitute


def _rename_override_containers(text: str, container_name: str) -> str:
    """Rename the items of every ``containerOverrides`` list, and nothing nested in them."""
    lines = text.splitlines(keepends=True)
    block_indent: int | None = None
    item_indent: int | None = None
    for index, line in enumerate(lines):
        key = _KEY_LINE.match(line)
        if key is None:
            continue
        indent = len(key.group(1))
        is_item = line.lstrip().startswith("-")
        if block_indent is not None and (
            indent < block_indent or (indent == block_indent and not is_item)
        ):
            block_indent = item_indent = None
        if line.strip().startswith("containerOverrides:"):
            block_indent, item_indent = indent, None
            continue
        if block_indent is None:
            continue
        item = _CONTAINER_NAME_ITEM.match(line)
        if item is None:
            continue
        if item_indent is None:
            item_indent = indent
        if indent == item_indent:
            ending = "\n" if line.endswith("\n") else ""
            lines[index] = item.group(1) + container_name + ending
    return "".join(lines)
