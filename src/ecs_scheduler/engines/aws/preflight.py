"""Preflight: read-only checks that what a config refers to exists and fits, before any write.

Every value checked comes from the :class:`DesiredState` (the schedules' ``EcsParameters``,
``Input`` and ``KmsKeyArn``, the queues' ``KmsMasterKeyId``, the alarms' actions, the roles'
``PermissionsBoundary``, the jobs' task definitions, the schedule groups, the task-failure
rules' topics), so preflight checks
exactly what apply would send. Each finding is one sentence naming the job and the thing; jobs
are checked concurrently, and a lookup shared by several jobs (one cluster, one key) is made
once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import partial
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ecs_scheduler import policies
from ecs_scheduler.engines.aws import cloudwatch, events, iam, scheduler, sqs
from ecs_scheduler.engines.aws.clients import AwsClients
from ecs_scheduler.engines.aws.ecs import TaskDefinitions, unreadable
from ecs_scheduler.engines.aws.errors import AwsEngineError
from ecs_scheduler.engines.aws.service import GROUP, ROLE, SCHEDULE, Once
from ecs_scheduler.resources import DesiredState, Resource, TaskDefinitionRef
from ecs_scheduler.task_failures import PolicyFinding, key_policy_finding, topic_policy_finding

FARGATE_CAPACITY_PROVIDERS = frozenset({"FARGATE", "FARGATE_SPOT"})
MAX_WORKERS = 16
# EventBridge Scheduler's quota "Number of schedule groups" (L-A632CD40): 500 per account and
# Region (EventBridge Scheduler User Guide, "Quotas" and "Managing a schedule group").
SCHEDULE_GROUP_QUOTA = 500


@dataclass(frozen=True)
class PreflightReport:
    errors: tuple[str, ...]
    warnings: tuple[str, ...]
    # Task-failure alerts EventBridge would fail to deliver (a topic's or its key's policy
    # does not let it publish): errors, unless the user accepts them as warnings.
    unwired_alerts: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


def preflight(
    desired: DesiredState,
    clients: AwsClients,
    *,
    schedule_group_quota: int = SCHEDULE_GROUP_QUOTA,
    task_definitions: TaskDefinitions | None = None,
    schedule_groups: scheduler.ScheduleGroups | None = None,
) -> PreflightReport:
    """Check every job's references against the live account; never writes anything.

    ``task_definitions`` and ``schedule_groups`` are given to share their reads with the plan
    that follows.
    """
    lookups = _Lookups(clients, task_definitions or TaskDefinitions(clients))
    jobs = sorted({resource.job for resource in desired.resources.values()})
    with ThreadPoolExecutor(max_workers=max(1, min(MAX_WORKERS, len(jobs)))) as pool:
        findings = list(pool.map(partial(_check_job, desired=desired, lookups=lookups), jobs))
    groups = schedule_groups or scheduler.ScheduleGroups(clients)
    findings.insert(0, _check_schedule_group_quota(desired, groups, schedule_group_quota))
    return PreflightReport(
        errors=tuple(error for finding in findings for error in finding.errors),
        warnings=tuple(warning for finding in findings for warning in finding.warnings),
        unwired_alerts=tuple(alert for finding in findings for alert in finding.unwired_alerts),
    )


def _check_schedule_group_quota(
    desired: DesiredState, groups: scheduler.ScheduleGroups, quota: int
) -> _Findings:
    """The engine makes one schedule group per job: the new ones must fit under the quota.

    Every group ListScheduleGroups returns is counted, ``default`` and groups being deleted
    included, so the count never underestimates what AWS counts.
    """
    findings = _Findings()
    wanted = {
        resource.aws_name for resource in desired.resources.values() if resource.type == GROUP
    }
    if not wanted:
        return findings
    try:
        existing = {str(group["Name"]) for group in groups.every()}
    except ClientError as error:
        findings.errors.append(
            f"Could not count the account's schedule groups: {_error_code(error)}: "
            f"{error.response.get('Error', {}).get('Message', str(error))}"
        )
        return findings
    except BotoCoreError as error:
        raise AwsEngineError(
            f"Preflight could not reach AWS while counting schedule groups: {error}"
        ) from error
    new = wanted - existing
    region = groups.clients.region
    if len(existing) + len(new) > quota:
        findings.errors.append(
            f"This config needs {len(new)} new schedule group(s) (one per job), but the account "
            f"already has {len(existing)} in {region}: {len(existing) + len(new)} would "
            f"pass EventBridge Scheduler's quota of {quota} schedule groups per account and "
            "Region."
        )
    return findings


@dataclass
class _Findings:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unwired_alerts: list[str] = field(default_factory=list)


class _Lookups:
    """Read-only AWS lookups, each made once per run whichever job asks first."""

    def __init__(self, clients: AwsClients, task_definitions: TaskDefinitions) -> None:
        self.clients = clients
        self.task_definitions = task_definitions
        self.once = Once()


def _check_job(job: str, desired: DesiredState, lookups: _Lookups) -> _Findings:
    findings = _Findings()
    resources = [resource for resource in desired.resources.values() if resource.job == job]
    schedules = [resource for resource in resources if resource.type == SCHEDULE]
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
    key_users = _KeyUsers.of(resources)
    checks += [
        (f"KMS key {key_id}", partial(_check_kms_key, job, key_id, key_users, lookups, findings))
        for key_id in _distinct([*sqs.kms_keys(resources), *scheduler.kms_keys(resources)])
    ]
    checks += [
        (f"SNS topic {arn}", partial(_check_topic, job, arn, lookups, findings))
        for arn in _distinct(cloudwatch.alarm_topics(resources))
    ]
    checks += [
        (f"permissions boundary {arn}", partial(_check_boundary, job, arn, lookups, findings))
        for arn in _distinct(iam.permissions_boundaries(resources))
    ]
    checks += [
        (
            f"SNS topic {topic} of rule {rule.aws_name}",
            partial(_check_alert_topic, job, rule, topic, lookups, findings),
        )
        for rule, topic in events.rule_topics(resources)
    ]
    alerting = {rule.address for rule, _ in events.rule_topics(resources)}
    findings.warnings.extend(
        f"Job '{job}': task-failure rule {rule.aws_name} has no SNS topic (task_failure_actions "
        "or dlq_alarm_actions): a failed task is counted in its TriggeredRules metric, and "
        "nobody is told."
        for rule in events.rules(resources)
        if rule.address not in alerting
    )
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
    name = reference.identifier
    try:
        task_definition = lookups.task_definitions.describe(reference)
    except ClientError as error:
        findings.errors.append(unreadable(job, reference, error))
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


@dataclass(frozen=True)
class _KeyUsers:
    """Who uses a job's key, and how: the requests its key policy must let through."""

    role_arn: str | None  # the execution role
    schedule_arns: tuple[str, ...]  # schedules whose payload is encrypted with the key

    @classmethod
    def of(cls, resources: Iterable[Resource]) -> _KeyUsers:
        resources = list(resources)
        roles = [resource.arn for resource in resources if resource.type == ROLE]
        schedules = tuple(
            resource.arn
            for resource in resources
            if resource.type == SCHEDULE and resource.properties.get("KmsKeyArn")
        )
        return cls(role_arn=roles[0] if roles else None, schedule_arns=schedules)


def _check_kms_key(
    job: str, key_id: str, users: _KeyUsers, lookups: _Lookups, findings: _Findings
) -> None:
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
            f"Job '{job}': KMS key {key_id} is {spec}; SQS and EventBridge Scheduler need a "
            "SYMMETRIC_DEFAULT key."
        )
    try:
        policy_text = lookups.once(
            ("kms-key-policy", key["KeyId"]),
            lambda: kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"],
        )
        caller = lookups.once(
            ("caller",), lambda: str(lookups.clients.sts.get_caller_identity()["Arn"])
        )
    except ClientError as error:
        findings.warnings.append(_could_not_check(job, f"the key policy of {key_id}", error))
        return
    key_policy = _KeyPolicy(json.loads(policy_text), str(key.get("Arn", key_id)))
    missing: dict[tuple[str, str], list[str]] = {}
    for principal, action, use in _key_requests(users, caller, lookups.clients.region):
        if not key_policy.allows(principal, action, use.context):
            missing.setdefault((principal.label, use.purpose), []).append(action)
    for (label, purpose), actions in missing.items():
        findings.errors.append(
            f"Job '{job}': the key policy of KMS key {key_id} does not let {label} use "
            f"{' or '.join(actions)} {purpose}; allow it through the account's IAM policies "
            "(the account root principal, as the default key policy does) or name it there."
        )


@dataclass(frozen=True)
class _Principal:
    """An IAM principal as a key policy sees it."""

    label: str
    account: str
    partition: str
    arn: str | None  # its aws:PrincipalArn, when known exactly
    role_name: str | None  # for a role session: the role's name (its path is unknown)

    @classmethod
    def of_role(cls, role_arn: str, label: str) -> _Principal:
        partition, account = role_arn.split(":")[1], role_arn.split(":")[4]
        return cls(label, account, partition, role_arn, role_arn.rsplit("/", 1)[-1])

    @classmethod
    def of_caller(cls, caller_arn: str) -> _Principal:
        """The caller of GetCallerIdentity; a role session is matched by its role's name."""
        fields = caller_arn.split(":", 5)
        partition, account, resource = fields[1], fields[4], fields[5]
        label = f"the caller {caller_arn}"
        if fields[2] == "sts" and resource.startswith("assumed-role/"):
            return cls(label, account, partition, None, resource.split("/")[1])
        return cls(label, account, partition, caller_arn, None)

    def named_by(self, identity: str) -> bool:
        """Whether a key policy's ``{"AWS": identity}`` covers this principal."""
        if identity in ("*", self.account, f"arn:{self.partition}:iam::{self.account}:root"):
            return True
        if identity == self.arn:
            return True
        fields = identity.split(":", 5)
        return (
            self.role_name is not None
            and len(fields) == 6
            and fields[4] == self.account
            and fields[5].startswith("role/")
            and fields[5].rsplit("/", 1)[-1] == self.role_name
        )


@dataclass(frozen=True)
class _KeyUse:
    purpose: str
    context: Mapping[str, Any]


_SCHEDULE_CONTEXT_KEY = f"kms:EncryptionContext:{policies.SCHEDULE_ENCRYPTION_CONTEXT_KEY}"
# The condition keys whose presence in a request the key-policy reader knows.
_REQUEST_KEYS = ("kms:ViaService", _SCHEDULE_CONTEXT_KEY)


def _key_requests(
    users: _KeyUsers, caller_arn: str, region: str
) -> Iterable[tuple[_Principal, str, _KeyUse]]:
    """The KMS requests the job makes with its key, as (principal, action, context).

    The execution role writes the dead-letter queue through SQS (GenerateDataKey, Decrypt) and
    decrypts schedule payloads itself (Decrypt, context ``aws:scheduler:schedule:arn``); the
    caller of CreateSchedule/UpdateSchedule encrypts payloads through Scheduler (DescribeKey,
    GenerateDataKey, Decrypt): EventBridge Scheduler User Guide, "Encryption at rest".
    """
    if users.role_arn is not None:
        role = _Principal.of_role(users.role_arn, f"the execution role {users.role_arn}")
        suffix = policies.dns_suffix(role.partition)
        through_sqs = _KeyUse(
            "through SQS (for the dead-letter queue)",
            {"kms:ViaService": f"sqs.{region}.{suffix}"},
        )
        for action in ("kms:GenerateDataKey", "kms:Decrypt"):
            yield role, action, through_sqs
        if users.schedule_arns:
            payload = _KeyUse(
                "to decrypt schedule payloads", {_SCHEDULE_CONTEXT_KEY: users.schedule_arns[0]}
            )
            yield role, "kms:Decrypt", payload
    if users.schedule_arns:
        caller = _Principal.of_caller(caller_arn)
        via_scheduler = {
            "kms:ViaService": f"scheduler.{region}.{policies.dns_suffix(caller.partition)}"
        }
        purpose = "through EventBridge Scheduler (to encrypt schedule payloads)"
        # DescribeKey carries no encryption context; the data key is bound to the schedule.
        yield caller, "kms:DescribeKey", _KeyUse(purpose, via_scheduler)
        encrypting = _KeyUse(
            purpose, {**via_scheduler, _SCHEDULE_CONTEXT_KEY: users.schedule_arns[0]}
        )
        for action in ("kms:GenerateDataKey", "kms:Decrypt"):
            yield caller, action, encrypting


class _KeyPolicy:
    """Reads a key policy for one question: may this principal make this request?

    It answers "no" only when no Allow statement can apply, or a Deny surely does. A
    condition this reader cannot tell is assumed to hold for an Allow and not to hold for a
    Deny, so an unusual but valid key policy is never refused.
    """

    def __init__(self, document: Mapping[str, Any], key_arn: str) -> None:
        statements = document.get("Statement", [])
        self.statements = [statements] if isinstance(statements, Mapping) else list(statements)
        self.key_arn = key_arn

    def allows(self, principal: _Principal, action: str, context: Mapping[str, Any]) -> bool:
        known = {**context, "kms:CallerAccount": principal.account}
        determined = set(_REQUEST_KEYS) | {"kms:CallerAccount"}
        if principal.arn is not None:
            known["aws:PrincipalArn"] = principal.arn
            determined.add("aws:PrincipalArn")
        allowed = False
        for statement in self.statements:
            if not self._names(statement, principal, action):
                continue
            verdicts = [
                _condition_verdict(operator, key, expected, known, determined)
                for operator, block in _mapping(statement.get("Condition")).items()
                for key, expected in _mapping(block).items()
            ]
            if statement.get("Effect") == "Deny" and all(v is True for v in verdicts):
                return False
            if statement.get("Effect") == "Allow" and False not in verdicts:
                allowed = True
        return allowed

    def _names(self, statement: Mapping[str, Any], principal: _Principal, action: str) -> bool:
        if "NotPrincipal" in statement or "NotResource" in statement:
            return False
        named = statement.get("Principal")
        if named != "*" and not any(
            principal.named_by(str(identity)) for identity in _as_list(_mapping(named).get("AWS"))
        ):
            return False
        if "NotAction" in statement:
            matched = not _matches_any(statement["NotAction"], action)
        else:
            matched = _matches_any(statement.get("Action"), action)
        resources = _as_list(statement.get("Resource", "*"))
        return matched and any(fnmatchcase(self.key_arn, str(r)) for r in resources)


def _matches_any(patterns: Any, action: str) -> bool:
    return any(fnmatchcase(action.lower(), str(pattern).lower()) for pattern in _as_list(patterns))


_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}


def _condition_verdict(
    operator: str, key: str, expected: Any, known: Mapping[str, Any], determined: set[str]
) -> bool | None:
    """Whether one condition holds for the request, or None when this reader cannot tell.

    Told are the string and ARN operators (and their negations) on the keys whose presence
    the request ``determined``: such a key absent from ``known`` is absent from the request,
    which fails a plain operator and satisfies ``...IfExists`` and a negated one, as in IAM.
    """
    if ":" in operator or key not in determined:  # ForAnyValue:/ForAllValues:, or unknown
        return None
    base = operator.removesuffix("IfExists")
    negated = base in _NEGATED
    base = _NEGATED.get(base, base)
    if base not in ("StringEquals", "StringLike", "ArnLike", "ArnEquals"):
        return None
    if key not in known:
        return negated or operator.endswith("IfExists")
    value = str(known[key])
    patterns = [str(item) for item in _as_list(expected)]
    if base == "StringEquals":
        matched = value in patterns
    else:
        matched = any(fnmatchcase(value, pattern) for pattern in patterns)
    return not matched if negated else matched


def _check_topic(job: str, topic_arn: str, lookups: _Lookups, findings: _Findings) -> None:
    try:
        lookups.once(
            ("sns-topic", topic_arn),
            lambda: lookups.clients.sns.get_topic_attributes(TopicArn=topic_arn),
        )
    except ClientError as error:
        if _error_code(error) in _TOPIC_NOT_FOUND_CODES:
            _missing_topic(job, topic_arn, findings)
        else:
            findings.errors.append(_could_not_check(job, f"SNS topic {topic_arn}", error))


def _check_alert_topic(
    job: str, rule: Resource, topic_arn: str, lookups: _Lookups, findings: _Findings
) -> None:
    """Whether EventBridge may publish the rule's alerts to the topic, and use its KMS key.

    The topic's ``Policy`` and ``KmsMasterKeyId`` are GetTopicAttributes' (SNS API Reference);
    the policies are judged by ``task_failures``' checks, which give the statement to add.
    """
    try:
        attributes = lookups.once(
            ("sns-topic", topic_arn),
            lambda: lookups.clients.sns.get_topic_attributes(TopicArn=topic_arn),
        )["Attributes"]
    except ClientError as error:
        if _error_code(error) not in _TOPIC_NOT_FOUND_CODES:
            raise
        _missing_topic(job, topic_arn, findings)
        return
    account = rule.arn.split(":")[4]
    topic = topic_policy_finding(
        attributes.get("Policy"), topic_arn=topic_arn, rule_arn=rule.arn, account=account
    )
    _report_unwired(job, f"the policy of SNS topic {topic_arn}", rule, topic, findings)
    key_id = attributes.get("KmsMasterKeyId")
    if not key_id:
        return
    kms = lookups.clients.kms
    key = lookups.once(("kms-key", key_id), lambda: kms.describe_key(KeyId=key_id)["KeyMetadata"])
    if key.get("KeyManager") == "AWS":
        # An AWS managed key's policy cannot be changed, and it does not let EventBridge in
        # (Amazon SNS Developer Guide, "Data encryption", event sources and encrypted topics).
        findings.unwired_alerts.append(
            f"Job '{job}': SNS topic {topic_arn} is encrypted with the AWS managed key "
            f"{key_id}, which EventBridge cannot use: rule {rule.aws_name}'s alerts would not "
            "be delivered; encrypt the topic with a customer managed key."
        )
        return
    policy = lookups.once(
        ("kms-key-policy", key["KeyId"]),
        lambda: kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"],
    )
    finding = key_policy_finding(policy, key_arn=str(key["Arn"]))
    _report_unwired(job, f"the key policy of KMS key {key['Arn']}", rule, finding, findings)


def _report_unwired(
    job: str, policy: str, rule: Resource, finding: PolicyFinding, findings: _Findings
) -> None:
    if finding.allowed:
        return
    findings.unwired_alerts.append(
        f"Job '{job}': {policy} does not let EventBridge deliver the alerts of rule "
        f"{rule.aws_name}; add this statement to it: "
        f"{json.dumps(finding.statement_to_add, separators=(',', ':'))}"
    )


# GetTopicAttributes answers a missing topic with NotFound (SNS API Reference, "Errors").
_TOPIC_NOT_FOUND_CODES = frozenset({"NotFound", "NotFoundException"})


def _missing_topic(job: str, topic_arn: str, findings: _Findings) -> None:
    """Said once per job, whether its alarms, its task-failure rule or both notify it."""
    missing = f"Job '{job}': SNS topic {topic_arn} does not exist."
    if missing not in findings.errors:
        findings.errors.append(missing)


def _check_boundary(job: str, policy_arn: str, lookups: _Lookups, findings: _Findings) -> None:
    try:
        lookups.once(
            ("iam-policy", policy_arn),
            lambda: lookups.clients.iam.get_policy(PolicyArn=policy_arn),
        )
    except ClientError as error:
        if _error_code(error) in iam.NOT_FOUND_CODES:
            findings.errors.append(
                f"Job '{job}': permissions boundary policy {policy_arn} does not exist."
            )
        else:
            findings.errors.append(
                _could_not_check(job, f"permissions boundary {policy_arn}", error)
            )


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
