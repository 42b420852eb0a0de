"""The embedded AWS emulator: moto's server on 127.0.0.1, and the account it stands in for.

``Emulator`` runs moto's real HTTP server in a background thread, so every call goes through
boto3, botocore's signing and retries, and the wire protocol, exactly as against AWS.
``provision_prerequisites`` creates what a real account already has before anyone writes a
config (network, key, cluster, task definition, topic), and ``write_demo_config`` rewrites an
example config to use them. ``provision_for_config`` goes the other way: it creates what a
given config refers to, under the config's own names, and ``write_local_config`` writes the
config again with the ids the emulator generated.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import socket
import threading
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import ThreadedWSGIServer

from ecs_scheduler.config import SECURITY_GROUP_ID, SUBNET_ID
from ecs_scheduler.engines.aws.clients import AwsClients
from ecs_scheduler.errors import EcsSchedulerError
from ecs_scheduler.task_failures import policy_with_statement, topic_publish_statement

if TYPE_CHECKING:
    from ecs_scheduler.config import Job, Stack

LOOPBACK = "127.0.0.1"
# The emulator accepts any credentials; these are the ones it is given when none are set.
EMULATOR_ACCESS_KEY_ID = "emulator"
EMULATOR_SECRET_ACCESS_KEY = "emulator"
QUICKSTART_EXAMPLE = "daily-report.yaml"


def quickstart_example() -> Traversable:
    """The quickstart example the demo runs, shipped inside the package.

    It is package data so that an installed ``ecs-scheduler demo`` works from any directory;
    ``examples/daily-report.yaml`` is the same file (a test keeps the two identical).
    """
    return resources.files("ecs_scheduler").joinpath("data", QUICKSTART_EXAMPLE)


def emulator_environment(endpoint_url: str) -> dict[str, str]:
    """The variables that point boto3 (and so every ecs-scheduler command) at an emulator.

    botocore signs every request, so it needs credentials even though the emulator checks
    none; ``AWS_ENDPOINT_URL`` is the SDKs' service-wide endpoint variable (AWS SDKs and Tools
    reference guide, "Service-specific endpoints").
    """
    return {
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_ACCESS_KEY_ID": EMULATOR_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": EMULATOR_SECRET_ACCESS_KEY,
    }


class LocalEmulatorError(EcsSchedulerError):
    """The embedded emulator could not start, or the demo account could not be prepared."""


class Emulator:
    """moto's server on a free loopback port; use it as a context manager.

    The server is bound to 127.0.0.1 only: it accepts any credentials, so it must never be
    reachable from another machine.
    """

    def __init__(self, port: int = 0) -> None:
        """``port`` 0 takes a free port."""
        _report_redrive_allow_policy()
        _keep_action_after_completion_on_update()
        _list_response_methods_once()
        self._port = port
        self._server: _EmulatorServer | None = None
        self._thread: threading.Thread | None = None
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
        if self._port:
            # werkzeug's server prints why and exits the process when it cannot bind
            # (BaseWSGIServer.__init__); this says it in one line, naming the option.
            _check_port_is_free(self._port)
        try:
            server = _EmulatorServer(self._port)
        except SystemExit:  # werkzeug has printed why: the port was taken since the check
            raise LocalEmulatorError(
                f"The embedded emulator could not listen on {LOOPBACK}:{self._port}."
            ) from None
        # serve_forever looks for stop()'s shutdown request once per poll interval (0.5 s by
        # default: socketserver.BaseServer.serve_forever), which a Ctrl-C of `local` waits for.
        serve = functools.partial(server.serve_forever, poll_interval=0.05)
        thread = threading.Thread(target=serve, name="emulator", daemon=True)
        thread.start()
        host, port = server.server_address[:2]
        self._server, self._thread = server, thread
        self._endpoint_url = f"http://{host!s}:{port}"
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
            self._server = self._thread = self._endpoint_url = None

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


def _check_port_is_free(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the server binds (werkzeug's allow_reuse_address): the connections a stopped
        # emulator closed linger on its port (TCP TIME_WAIT) and must not keep a new emulator
        # off it, while a server still listening there does.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((LOOPBACK, port))
        except OSError as error:
            raise LocalEmulatorError(
                f"The embedded emulator cannot listen on {LOOPBACK}:{port}: {error.strerror}. "
                "Choose another --port, or omit it to take a free one."
            ) from error


class _Dispatcher(DomainDispatcherApplication):
    """moto's dispatcher of requests to its services' apps, remembering which serves a host.

    moto 5.2's ``DomainDispatcherApplication.get_backend_for_host`` lists moto's package
    directory (``moto.backends.list_of_moto_modules``: a ``stat`` of each of its ~180 entries)
    and then tries every service's URL patterns, on every request. The answer depends on the
    host and moto's installed files only, so each host's is looked up once; a host no service
    serves is looked up each time, as moto does.
    """

    def __init__(self) -> None:
        super().__init__(create_backend_app)
        self._backends: dict[str, Any] = {}

    def get_backend_for_host(self, host: str | None) -> Any:
        if host is None:
            return None
        backend = self._backends.get(host)
        if backend is None:
            backend = super().get_backend_for_host(host)
            if backend is not None:
                self._backends[host] = backend  # under the dispatcher's lock (get_application)
        return backend


class _EmulatorServer(ThreadedWSGIServer):
    """werkzeug's threaded server running moto, on 127.0.0.1 only, as moto's own
    ``ThreadedMotoServer`` makes it (moto/moto_server/threaded_moto_server.py), with the
    dispatcher above. Each answer closes its connection (werkzeug's ``run_wsgi``)."""

    def __init__(self, port: int) -> None:
        super().__init__(LOOPBACK, port, _Dispatcher(), handler=MotoRequestHandler)


def _list_response_methods_once() -> None:
    """Make moto list the methods of each of its services' response classes once.

    moto 5.2's ``BaseResponse.call_action`` calls ``method_names_from_class`` (an
    ``inspect.getmembers`` of the class and its bases, sorted: measured, 0.03 ms for SQS's and
    0.3 ms for EC2's 301 methods) on every request, to ask whether the action is one of them.
    A class's methods do not change while the server runs (the patches in this module replace
    methods, never add one), so the list of each class is made on its first request and kept.
    Patched in this process, where the emulator's server runs.
    """
    from moto.core import responses

    module: Any = responses  # the name is imported there, not exported
    if hasattr(module.method_names_from_class, "cache_info"):
        return
    module.method_names_from_class = functools.cache(module.method_names_from_class)


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


def _keep_action_after_completion_on_update() -> None:
    """Make moto's UpdateSchedule set ActionAfterCompletion, as Scheduler does.

    moto 5.2 takes ActionAfterCompletion in CreateSchedule only; UpdateSchedule accepts it
    (EventBridge Scheduler API Reference, UpdateSchedule: "ActionAfterCompletion") and the
    cut-over ends a replaced schedule with it. Patched in this process, where the server runs.
    """
    from moto.scheduler.models import Schedule
    from moto.scheduler.responses import EventBridgeSchedulerResponse

    original: Any = EventBridgeSchedulerResponse.update_schedule
    if getattr(original, "keeps_action_after_completion", False):
        return

    def update_schedule(response: Any) -> str:
        result: str = original(response)
        name = response.uri.split("?")[0].split("/")[-1]
        schedule: Schedule = response.scheduler_backend.get_schedule(
            response._get_param("GroupName"), name
        )
        schedule.action_after_completion = response._get_param("ActionAfterCompletion")
        return result

    update_schedule.keeps_action_after_completion = True  # type: ignore[attr-defined]
    EventBridgeSchedulerResponse.update_schedule = update_schedule  # type: ignore[method-assign,assignment]


def use_emulator_credentials() -> None:
    """Give botocore credentials to sign with when the environment holds none.

    The emulator accepts any credentials, but botocore refuses to sign without some, and a
    machine with no AWS setup at all must still run the demo. Credentials already in the
    environment are left as they are.
    """
    if not os.environ.get("AWS_ACCESS_KEY_ID"):
        os.environ["AWS_ACCESS_KEY_ID"] = EMULATOR_ACCESS_KEY_ID
        os.environ["AWS_SECRET_ACCESS_KEY"] = EMULATOR_SECRET_ACCESS_KEY


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
    # As in a default VPC; moto's RunTask also needs it to name the task's network interface.
    clients.ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
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
                # moto's RunTask adds up the containers' memory and fails without it.
                "memory": 512,
                "command": ["echo", "hello from ecs-scheduler"],
            }
        ],
    )["taskDefinition"]

    topic_arn = _create_topic(clients, f"{name}-alerts")

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
_SUBNET = re.compile(rf"\b{SUBNET_ID}\b")
_SECURITY_GROUP = re.compile(rf"\b{SECURITY_GROUP_ID}\b")
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


@dataclass
class LocalAccount:
    """What ``provision_for_config`` created, and how the config's ids map to the emulator's.

    moto generates the ids of subnets, security groups and KMS keys, so the config's own ids
    cannot be created; everything with a name (cluster, task family, containers, topic, key
    alias, boundary policy) is created under the config's name.
    """

    account_id: str
    replacements: dict[str, str] = field(default_factory=dict)  # the config's id -> the emulator's
    created: dict[str, int] = field(default_factory=dict)  # kind -> how many were created

    def count(self, kind: str) -> None:
        self.created[kind] = self.created.get(kind, 0) + 1


def provision_for_config(stack: Stack, endpoint_url: str) -> LocalAccount:
    """Create in the emulator at ``endpoint_url`` what ``stack`` refers to but does not create.

    Per region of the jobs: one VPC holding a subnet for each subnet id and a security group
    for each security group id; a symmetric key for each ``kms_key_arn`` (an alias ARN gets a
    key carrying that alias); the clusters; each task family, awsvpc and compatible with
    FARGATE and EC2, with every container the overrides name (``app`` when none) and as many
    revisions as the highest pinned one; the SNS topics of the alarm actions and of the
    task-failure alerts, which EventBridge may publish to. Once: the
    permissions boundary policies.
    """
    jobs_by_region: dict[str, list[Job]] = {}
    for job in stack.jobs.values():
        jobs_by_region.setdefault(job.region, []).append(job)
    local: LocalAccount | None = None
    boundaries: set[str] = set()
    for region, jobs in sorted(jobs_by_region.items()):
        clients = AwsClients.create(region=region, endpoint_url=endpoint_url)
        if local is None:
            local = LocalAccount(account_id=clients.sts.get_caller_identity()["Account"])
        _create_network(clients, jobs, local, name=stack.stack)
        for key_arn in dict.fromkeys(job.kms_key_arn for job in jobs):
            _create_key(clients, key_arn, local, name=stack.stack)
        for cluster_name in dict.fromkeys(job.ecs_cluster_arn.split("/", 1)[1] for job in jobs):
            clients.ecs.create_cluster(clusterName=cluster_name)
            local.count("ECS cluster")
        _create_task_definitions(clients, jobs, local)
        topics = (
            arn
            for job in jobs
            for arn in (*job.dlq_alarm_actions, *job.dlq_ok_actions, *job.task_failure_topics)
        )
        for topic_arn in dict.fromkeys(arn for arn in topics if arn.split(":")[2:3] == ["sns"]):
            _create_topic(clients, topic_arn.rsplit(":", 1)[1])
            local.count("SNS topic")
        for boundary_arn in (job.permissions_boundary_arn for job in jobs):
            if boundary_arn is None or boundary_arn in boundaries:
                continue
            boundaries.add(boundary_arn)
            *path, policy_name = boundary_arn.split(":", 5)[5].split("/")[1:]
            clients.iam.create_policy(
                PolicyName=policy_name,
                Path="/" + "".join(f"{part}/" for part in path),
                Description="Permissions boundary named by the config.",
                PolicyDocument=json.dumps(_BOUNDARY_POLICY),
            )
            local.count("permissions boundary")
    if local is None:  # a Stack always has at least one job
        raise LocalEmulatorError("The config has no jobs: there is nothing to create.")
    return local


def _create_topic(clients: AwsClients, name: str) -> str:
    """A topic whose policy also lets EventBridge publish for the account's rules, so that the
    task-failure alerts pass preflight (docs/task-failures.md, "Permissions")."""
    arn: str = clients.sns.create_topic(Name=name)["TopicArn"]
    region, account = arn.split(":")[3:5]
    policy = clients.sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"]
    statement = topic_publish_statement(arn, f"arn:aws:events:{region}:{account}:rule/*")
    clients.sns.set_topic_attributes(
        TopicArn=arn,
        AttributeName="Policy",
        AttributeValue=json.dumps(policy_with_statement(policy, statement)),
    )
    return arn


def _create_network(
    clients: AwsClients, jobs: list[Job], local: LocalAccount, *, name: str
) -> None:
    subnets = list(dict.fromkeys(subnet for job in jobs for subnet in job.trusted_compute_subnets))
    groups = list(dict.fromkeys(group for job in jobs for group in job.security_group_ids))
    if len(subnets) > 256:
        raise LocalEmulatorError(
            f"The config names {len(subnets)} subnets in {clients.region}; the emulator's VPC "
            "holds at most 256."
        )
    tags = [{"Key": "Name", "Value": name}]
    vpc_id: str = clients.ec2.create_vpc(
        CidrBlock="10.42.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": tags}]
    )["Vpc"]["VpcId"]
    local.count("VPC")
    zones = [
        zone["ZoneName"] for zone in clients.ec2.describe_availability_zones()["AvailabilityZones"]
    ]
    for index, subnet in enumerate(subnets):
        local.replacements[subnet] = clients.ec2.create_subnet(
            VpcId=vpc_id,
            CidrBlock=f"10.42.{index}.0/24",
            AvailabilityZone=zones[index % len(zones)],
            TagSpecifications=[
                {"ResourceType": "subnet", "Tags": [{"Key": "Name", "Value": subnet}]}
            ],
        )["Subnet"]["SubnetId"]
        local.count("subnet")
    for group in groups:
        local.replacements[group] = clients.ec2.create_security_group(
            GroupName=f"{name}-{group}",
            Description=f"Stands in for {group} of the config",
            VpcId=vpc_id,
        )["GroupId"]
        local.count("security group")


def _create_key(clients: AwsClients, key_arn: str, local: LocalAccount, *, name: str) -> None:
    key = clients.kms.create_key(
        Description=f"{name}: stands in for {key_arn}",
        KeySpec="SYMMETRIC_DEFAULT",
        KeyUsage="ENCRYPT_DECRYPT",
        Policy=json.dumps(_key_policy(local.account_id)),
    )["KeyMetadata"]
    local.count("KMS key")
    resource = key_arn.split(":", 5)[5]
    if resource.startswith("alias/"):
        # The alias keeps its name, so only the account of its ARN changes.
        clients.kms.create_alias(AliasName=resource, TargetKeyId=key["KeyId"])
    else:
        local.replacements[key_arn] = key["Arn"]


def _create_task_definitions(clients: AwsClients, jobs: list[Job], local: LocalAccount) -> None:
    containers: dict[str, dict[str, None]] = {}
    revisions: dict[str, int] = {}
    for job in jobs:
        named = containers.setdefault(job.task_name, {})
        for overrides in (job.overrides, *(spec.overrides for spec in job.schedules)):
            for container in (overrides.containerOverrides or []) if overrides else []:
                named[container.name] = None
        revisions[job.task_name] = max(
            revisions.get(job.task_name, 1), job.task_definition_revision or 1
        )
    for family, named in containers.items():
        for _ in range(revisions[family]):
            clients.ecs.register_task_definition(
                family=family,
                networkMode="awsvpc",
                requiresCompatibilities=["FARGATE", "EC2"],
                cpu="256",
                memory="512",
                containerDefinitions=[
                    {
                        "name": container,
                        "image": "public.ecr.aws/docker/library/busybox:stable",
                        "essential": True,
                    }
                    for container in (named or {"app": None})
                ],
            )
        local.count("task definition")


# The account field of any ARN: arn:partition:service:region:ACCOUNT:resource.
_ARN_ACCOUNT = re.compile(r"(arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:)\d{12}(?=:)")


def write_local_config(source: Path, local: LocalAccount, target: Path) -> Path:
    """Write ``source`` to ``target`` with the ids ``local`` replaced and the emulator's account.

    The rewrite is textual, so comments, anchors and layout survive, and only ids change:
    every name of the config stays as it is.
    """
    text = source.read_text(encoding="utf-8")
    for old, new in local.replacements.items():
        text = re.sub(rf"(?<![\w-]){re.escape(old)}(?![\w-])", new, text)
    text = _ARN_ACCOUNT.sub(lambda match: match.group(1) + local.account_id, text)
    header = (
        f"# Written from {source.resolve()} for the embedded emulator: the ids moto generated\n"
        "# replace the config's subnet, security group and KMS key ids, and every ARN names\n"
        f"# the emulator's account {local.account_id}. Edit the original and restart instead.\n"
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(header + text, encoding="utf-8")
    return target
