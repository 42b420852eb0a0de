"""Preflight: read-only checks that what a config refers to exists and fits, before any write.

Every value checked comes from the :class:`DesiredState` (the schedules' ``EcsParameters`` and
``Input``, the queues' ``KmsMasterKeyId``, the alarms' actions, the roles'
``PermissionsBoundary``, the jobs' task definitions), so preflight checks exactly what apply
would send. Each finding is one sentence naming the job and the thing; jobs are checked
concurrently, and a lookup shared by several jobs (one cluster, one key) is made once.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import partial
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from ecs_scheduler.engines.aws.clients import AwsClients
from ecs_scheduler.engines.aws.errors import AwsEngineError
from ecs_scheduler.resources import DesiredState, Resource, TaskDefinitionRef

SCHEDULER_PRINCIPAL = "scheduler.amazonaws.com"
# What EventBridge Scheduler needs of the key to write to an SSE-KMS dead-letter queue.
SCHEDULER_KEY_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")
FARGATE_CAPACITY_PROVIDERS = frozenset({"FARGATE", "FARGATE_SPOT"})
MAX_WORKERS = 16


@dataclass(frozen=True)
class PreflightReport:
    errors: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


def preflight(desired: DesiredState, clients: AwsClients) -> PreflightReport:
    """Check every job's references against the live account; never writes anything."""
    lookups = _Lookups(clients)
    jobs = sorted({resource.job for resource in desired.resources.values()})
    with ThreadPoolExecutor(max_workers=max(1, min(MAX_WORKERS, len(jobs)))) as pool:
        findings = list(pool.map(partial(_check_job, desired=desired, lookups=lookups), jobs))
    return PreflightReport(
        errors=tuple(error for finding in findings for error in finding.errors),
        warnings=tuple(warning for finding in findings for warning in finding.warnings),
    )


@dataclass
class _Findings:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


_Value = TypeVar("_Value")


class _Lookups:
    """Read-only AWS lookups, each made once per run whichever job asks first.

    A job asking for a lookup already in flight waits for it rather than repeating it; an
    error (e.g. "not found") is remembered and raised to every job that asks.
    """

    def __init__(self, clients: AwsClients) -> None:
        self.clients = clients
        self._results: dict[tuple[str, ...], Future[Any]] = {}
        self._lock = threading.Lock()

    def once(self, key: tuple[str, ...], fetch: Callable[[], _Value]) -> _Value:
        with self._lock:
            pending = self._results.get(key)
            owner = pending is None
            if pending is None:
                pending = self._results[key] = Future()
        if owner:
            try:
                pending.set_result(fetch())
            except BaseException as error:
                pending.set_exception(error)
        result: _Value = pending.result()
        return result


def _check_job(job: str, desired: DesiredState, lookups: _Lookups) -> _Findings:
    findings = _Findings()
    resources = [resource for resource in desired.resources.values() if resource.job == job]
    schedules = [resource for resource in resources if resource.type == "aws_scheduler_schedule"]
    targets = [_mapping(schedule.properties.get("Target")) for schedule in schedules]
    ecs_parameters = [_mapping(target.get("EcsParameters")) for target in targets]
    task_definition = desired.task_definitions.get(job)
    checks: list[tuple[str, Callable[[], None]]] = [
        (f"ECS cluster {arn}", partial(_check_cluster, job, arn, lookups, findings))
        for arn in _distinct(str(target["Arn"]) for target in targets if "Arn" in target)
    ]
    if task_definition is not None:
        checks.append(
            (
                f"task definition family {task_definition.family}",
                partial(
                    _check_task_definition,
                    job,
                    task_definition,
                    ecs_parameters=ecs_parameters,
                    targets=targets,
                    lookups=lookups,
                    findings=findings,
                ),
            )
        )
    checks.append(
        (
            "subnets and security groups",
            partial(_check_network, job, ecs_parameters, lookups, findings),
        )
    )
    checks += [
        (f"KMS key {key_id}", partial(_check_kms_key, job, key_id, lookups, findings))
        for key_id in _distinct(_queue_keys(resources))
    ]
    checks += [
        (f"SNS topic {arn}", partial(_check_topic, job, arn, lookups, findings))
        for arn in _distinct(_alarm_topics(resources))
    ]
    checks += [
        (f"permissions boundary {arn}", partial(_check_boundary, job, arn, lookups, findings))
        for arn in _distinct(_boundaries(resources))
    ]
    for thing, check in checks:
        try:
            check()
        except ClientError as error:
            # Anything but the expected "not found" answers, e.g. AccessDenied on a lookup.
            findings.errors.append(_could_not_check(job, thing, error))
        except BotoCoreError as error:
            raise AwsEngineError(
                f"Preflight of job '{job}' could not reach AWS while checking {thing}: {error}"
            ) from error
    return findings


def _check_cluster(job: str, cluster_arn: str, lookups: _Lookups, findings: _Findings) -> None:
    response = lookups.once(
        ("cluster", cluster_arn),
        lambda: lookups.clients.ecs.describe_clusters(clusters=[cluster_arn]),
    )
    clusters = response.get("clusters", [])
    if not clusters:
        findings.errors.append(f"Job '{job}': ECS cluster {cluster_arn} does not exist.")
    elif clusters[0].get("status") != "ACTIVE":
        findings.errors.append(
            f"Job '{job}': ECS cluster {cluster_arn} is {clusters[0].get('status')}, not ACTIVE."
        )


def _check_task_definition(
    job: str,
    reference: TaskDefinitionRef,
    *,
    ecs_parameters: list[Mapping[str, Any]],
    targets: list[Mapping[str, Any]],
    lookups: _Lookups,
    findings: _Findings,
) -> None:
    name = (
        reference.family
        if reference.revision is None
        else (f"{reference.family}:{reference.revision}")
    )
    try:
        task_definition: Mapping[str, Any] = lookups.once(
            ("task-definition", name),
            lambda: lookups.clients.ecs.describe_task_definition(taskDefinition=name)[
                "taskDefinition"
            ],
        )
    except ClientError as error:
        if _error_code(error) not in {"ClientException", "InvalidParameterException"}:
            findings.errors.append(_could_not_check(job, f"task definition {name}", error))
        elif reference.revision is None:
            findings.errors.append(
                f"Job '{job}': task definition family '{reference.family}' has no ACTIVE revision."
            )
        else:
            findings.errors.append(
                f"Job '{job}': revision {reference.revision} of task definition family "
                f"'{reference.family}' does not exist."
            )
        return
    if task_definition.get("status") != "ACTIVE":
        findings.errors.append(
            f"Job '{job}': task definition {name} is {task_definition.get('status')}; "
            "ECS runs no new task from it."
        )
    mode = task_definition.get("networkMode", "bridge")
    required = list(task_definition.get("requiresCompatibilities", []))
    for launch_type in _distinct(_launch_type(parameters) for parameters in ecs_parameters):
        if not _supports(task_definition, launch_type):
            findings.errors.append(
                f"Job '{job}': task definition {name} is not compatible with launch type "
                f"{launch_type} (it requires {', '.join(required) or 'no launch type'})."
            )
        if launch_type == "FARGATE" and mode != "awsvpc":
            findings.errors.append(
                f"Job '{job}': task definition {name} uses network mode '{mode}', but "
                "FARGATE needs 'awsvpc'."
            )
    if mode != "awsvpc" and any("NetworkConfiguration" in p for p in ecs_parameters):
        findings.errors.append(
            f"Job '{job}': task definition {name} uses network mode '{mode}', but the schedule "
            "sends subnets and security groups, which only 'awsvpc' accepts."
        )
    containers = {
        container.get("name") for container in task_definition.get("containerDefinitions", [])
    }
    for container in _distinct(_override_containers(targets)):
        if container not in containers:
            findings.errors.append(
                f"Job '{job}': overrides name container '{container}', which task definition "
                f"{name} does not have (it has {', '.join(sorted(map(str, containers)))})."
            )


def _check_network(
    job: str, ecs_parameters: list[Mapping[str, Any]], lookups: _Lookups, findings: _Findings
) -> None:
    awsvpc = [
        _mapping(_mapping(parameters.get("NetworkConfiguration")).get("awsvpcConfiguration"))
        for parameters in ecs_parameters
    ]
    subnet_ids = sorted({subnet for config in awsvpc for subnet in config.get("Subnets", [])})
    group_ids = sorted({group for config in awsvpc for group in config.get("SecurityGroups", [])})
    vpc_of: dict[str, str] = {}
    if subnet_ids:
        subnets = lookups.once(
            ("subnets", *subnet_ids),
            lambda: lookups.clients.ec2.describe_subnets(
                Filters=[{"Name": "subnet-id", "Values": subnet_ids}]
            )["Subnets"],
        )
        vpc_of.update({subnet["SubnetId"]: subnet["VpcId"] for subnet in subnets})
    if group_ids:
        groups = lookups.once(
            ("security-groups", *group_ids),
            lambda: lookups.clients.ec2.describe_security_groups(
                Filters=[{"Name": "group-id", "Values": group_ids}]
            )["SecurityGroups"],
        )
        vpc_of.update({group["GroupId"]: group["VpcId"] for group in groups})
    for missing in (name for name in (*subnet_ids, *group_ids) if name not in vpc_of):
        kind = "subnet" if missing.startswith("subnet-") else "security group"
        findings.errors.append(f"Job '{job}': {kind} {missing} does not exist.")
    vpcs = sorted(set(vpc_of.values()))
    if len(vpcs) > 1:
        by_vpc = "; ".join(
            f"{vpc}: {', '.join(sorted(name for name, of in vpc_of.items() if of == vpc))}"
            for vpc in vpcs
        )
        findings.errors.append(
            f"Job '{job}': subnets and security groups must all be in one VPC, but they span "
            f"{len(vpcs)} ({by_vpc})."
        )


def _check_kms_key(job: str, key_id: str, lookups: _Lookups, findings: _Findings) -> None:
    kms = lookups.clients.kms
    try:
        key = lookups.once(
            ("kms-key", key_id), lambda: kms.describe_key(KeyId=key_id)["KeyMetadata"]
        )
    except ClientError as error:
        if _error_code(error) == "NotFoundException":
            findings.errors.append(f"Job '{job}': KMS key {key_id} does not exist.")
        else:
            findings.errors.append(_could_not_check(job, f"KMS key {key_id}", error))
        return
    if key.get("KeyState") != "Enabled":
        findings.errors.append(
            f"Job '{job}': KMS key {key_id} is {key.get('KeyState')}, not Enabled."
        )
    spec = key.get("KeySpec", key.get("CustomerMasterKeySpec"))
    if spec != "SYMMETRIC_DEFAULT":
        findings.errors.append(
            f"Job '{job}': KMS key {key_id} is {spec}; SQS encryption needs a "
            "SYMMETRIC_DEFAULT key."
        )
    try:
        policy_text = lookups.once(
            ("kms-key-policy", key["KeyId"]),
            lambda: kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"],
        )
    except ClientError as error:
        findings.warnings.append(_could_not_check(job, f"the key policy of {key_id}", error))
        return
    missing = [
        action
        for action in SCHEDULER_KEY_ACTIONS
        if not _policy_allows_service(json.loads(policy_text), SCHEDULER_PRINCIPAL, action)
    ]
    if missing:
        findings.warnings.append(
            f"Job '{job}': the key policy of KMS key {key_id} does not let "
            f"{SCHEDULER_PRINCIPAL} use {' or '.join(missing)}, so EventBridge Scheduler may "
            "fail to write failed invocations to the encrypted dead-letter queue."
        )


def _check_topic(job: str, topic_arn: str, lookups: _Lookups, findings: _Findings) -> None:
    try:
        lookups.once(
            ("sns-topic", topic_arn),
            lambda: lookups.clients.sns.get_topic_attributes(TopicArn=topic_arn),
        )
    except ClientError as error:
        if _error_code(error) in {"NotFound", "NotFoundException"}:
            findings.errors.append(f"Job '{job}': SNS topic {topic_arn} does not exist.")
        else:
            findings.errors.append(_could_not_check(job, f"SNS topic {topic_arn}", error))


def _check_boundary(job: str, policy_arn: str, lookups: _Lookups, findings: _Findings) -> None:
    try:
        lookups.once(
            ("iam-policy", policy_arn),
            lambda: lookups.clients.iam.get_policy(PolicyArn=policy_arn),
        )
    except ClientError as error:
        if _error_code(error) == "NoSuchEntity":
            findings.errors.append(
                f"Job '{job}': permissions boundary policy {policy_arn} does not exist."
            )
        else:
            findings.errors.append(
                _could_not_check(job, f"permissions boundary {policy_arn}", error)
            )


def _policy_allows_service(policy: Mapping[str, Any], service: str, action: str) -> bool:
    """Whether an Allow statement names ``service`` (or everyone) for ``action`` on any key."""
    statements = policy.get("Statement", [])
    for statement in [statements] if isinstance(statements, dict) else statements:
        if statement.get("Effect") != "Allow" or "NotAction" in statement:
            continue
        principal = statement.get("Principal", {})
        if principal == "*":
            named = True
        else:
            principal = _mapping(principal)
            named = service in _as_list(principal.get("Service")) or "*" in _as_list(
                principal.get("AWS")
            )
        actions = _as_list(statement.get("Action"))
        if named and any(fnmatchcase(action.lower(), pattern.lower()) for pattern in actions):
            return True
    return False


def _supports(task_definition: Mapping[str, Any], launch_type: str) -> bool:
    """Whether ECS runs the task definition with ``launch_type``.

    FARGATE must be asked for at registration; EC2 is ECS's default, and ``compatibilities``
    is what ECS computed the definition can run on.
    """
    required = set(task_definition.get("requiresCompatibilities", []))
    supported = required | set(task_definition.get("compatibilities", []))
    if launch_type == "FARGATE":
        return "FARGATE" in required
    if launch_type == "EC2":
        return "EC2" in supported or not supported
    return launch_type in supported


def _launch_type(parameters: Mapping[str, Any]) -> str:
    if "LaunchType" in parameters:
        return str(parameters["LaunchType"])
    strategy = parameters.get("CapacityProviderStrategy") or []
    providers = {str(_mapping(item).get("capacityProvider", "")) for item in strategy}
    if providers and providers <= FARGATE_CAPACITY_PROVIDERS:
        return "FARGATE"
    # ECS's own default when a target names neither a launch type nor a capacity provider.
    return "EC2"


def _override_containers(targets: Iterable[Mapping[str, Any]]) -> Iterable[str]:
    for target in targets:
        task_input = target.get("Input")
        if isinstance(task_input, str):
            task_input = json.loads(task_input)
        for override in _mapping(task_input).get("containerOverrides") or []:
            if "name" in override:
                yield str(override["name"])


def _queue_keys(resources: Iterable[Resource]) -> Iterable[str]:
    for resource in resources:
        if resource.type == "aws_sqs_queue":
            attributes = _mapping(resource.properties.get("Attributes", resource.properties))
            if attributes.get("KmsMasterKeyId"):
                yield str(attributes["KmsMasterKeyId"])


def _alarm_topics(resources: Iterable[Resource]) -> Iterable[str]:
    for resource in resources:
        if resource.type == "aws_cloudwatch_metric_alarm":
            for name in ("AlarmActions", "OKActions", "InsufficientDataActions"):
                for action in resource.properties.get(name) or []:
                    if str(action).split(":")[2:3] == ["sns"]:
                        yield str(action)


def _boundaries(resources: Iterable[Resource]) -> Iterable[str]:
    for resource in resources:
        if resource.type == "aws_iam_role" and resource.properties.get("PermissionsBoundary"):
            yield str(resource.properties["PermissionsBoundary"])


def _could_not_check(job: str, thing: str, error: ClientError) -> str:
    message = error.response.get("Error", {}).get("Message", str(error))
    return f"Job '{job}': could not check {thing}: {_error_code(error)}: {message}"


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _distinct(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
