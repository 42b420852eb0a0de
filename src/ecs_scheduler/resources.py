"""Stack -> DesiredState: every resource of every job, by address (docs/architecture.md).

Conventions every engine relies on:

- ``Resource.properties`` are shaped like the AWS API request that creates the resource
  (boto3 parameter names, PascalCase), without the name and tags, which have fields of
  their own. Policy documents are dicts, never JSON strings; the schedule target's ``Input``
  is a dict too (engines serialise it).
- A value that cannot be known offline (the task definition revision, the task and execution
  roles looked up from it) is a :class:`Lookup` placed where the value goes. The AWS engine
  resolves it from DescribeTaskDefinition, Terraform from ``data "aws_ecs_task_definition"``,
  CloudFormation from a parameter.
- Another resource's ARN, name or URL is a :class:`Ref` to it, never the string: the AWS
  engine resolves it (:func:`resolve_refs`), Terraform writes ``aws_x.y.attr``, CloudFormation
  ``!GetAtt``/``!Ref``. The outputs are Refs too.
- ``DesiredState.resources`` is ordered so that every resource comes after its dependencies.

Shapes, per type (optional values are omitted when unset, booleans always present):

- ``aws_scheduler_schedule_group``: ``{}`` (a group has only a name and tags).
- ``aws_scheduler_schedule``: CreateSchedule without ``Name``/``GroupName``:
  ScheduleExpression, ScheduleExpressionTimezone, StartDate/EndDate (aware datetimes), State,
  Description, FlexibleTimeWindow, ActionAfterCompletion, KmsKeyArn (the job's key: the
  target payload is encrypted with it) and Target (Arn, RoleArn,
  DeadLetterConfig, RetryPolicy, Input, EcsParameters). The group is the job's
  ``aws_scheduler_schedule_group``, its ``parent``; schedules cannot carry tags.
- ``aws_iam_role``: CreateRole: AssumeRolePolicyDocument, Description, PermissionsBoundary.
- ``aws_iam_role_policy``: PutRolePolicy: PolicyName, PolicyDocument (role: the job's role).
- ``aws_sqs_queue``: CreateQueue: ``{"Attributes": {...}}``, every value a string.
- ``aws_sqs_queue_policy``: ``{"Policy": document}``.
- ``aws_cloudwatch_metric_alarm``: PutMetricAlarm without AlarmName.
- ``aws_cloudwatch_event_rule``: PutRule without Name: EventPattern (a dict; engines
  serialise it), State, Description. The job's task-failure rule on the default event bus.
- ``aws_cloudwatch_event_target``: one target of PutTargets: Id, Arn (the SNS topic),
  InputTransformer; keyed by its Id, inside the job's rule.

``Resource.parent`` is the address of the resource it lives inside: a schedule's group, a
policy's role or queue, a target's rule. A policy has no ARN of its own: ``Resource.arn`` of
the inline policy is its role's ARN, that of the queue policy its queue's. The
inline policy's ``aws_name`` is the policy name; the queue policy's is its queue's name. A
rule's target has no ARN either: its ``arn`` is its rule's, its ``aws_name`` its Id.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal

from ecs_scheduler import policies
from ecs_scheduler.config import Job, ScheduleSpec, Stack
from ecs_scheduler.errors import EcsSchedulerError
from ecs_scheduler.kinds import KINDS, RefAttribute
from ecs_scheduler.kinds import ResourceType as ResourceType  # noqa: PLC0414 (the engines' import)
from ecs_scheduler.naming import (
    JobNames,
    NamingParts,
    job_tags,
    names_for_job,
    schedule_group_tags,
)
from ecs_scheduler.task_failures import rule_name, task_failure_rule, task_group

LookupAttribute = Literal["task_definition_arn", "task_role_arn", "execution_role_arn"]

ALARM_PERIOD_SECONDS: Final = 300
# How long SQS reuses a data key before asking KMS again: the maximum, to keep KMS calls
# (and their cost) low for a queue that is written to rarely.
KMS_DATA_KEY_REUSE_SECONDS: Final = 86400
# The dead-letter queue's largest message. AWS raised both SQS's maximum and its default from
# 262,144 to 1,048,576 bytes in August 2025 (SetQueueAttributes in the SQS API Reference;
# https://aws.amazon.com/about-aws/whats-new/2025/08/amazon-sqs-max-payload-size-1mib/), so the
# default depends on when a queue was made; hashicorp/aws up to 6.x still rejects more than
# 262,144 (hashicorp/terraform-provider-aws#45152) and defaults to it, and cfn-lint's schema
# caps it there too (aws-cloudformation/cfn-lint#4241). Every engine can write 262,144, and a
# failed Scheduler event (the schedule's target request and the error) is far smaller.
DLQ_MAXIMUM_MESSAGE_SIZE: Final = 262144
# No SQS queue may name the dead-letter queue as its own dead-letter queue: only Scheduler
# writes to it (SetQueueAttributes, RedriveAllowPolicy "denyAll", SQS API Reference).
DLQ_REDRIVE_ALLOW_POLICY: Final = json.dumps(
    {"redrivePermission": "denyAll"}, separators=(",", ":")
)
# IAM and AWS STS quotas: "Role policy size cannot exceed 10,240 characters" (the sum of a
# role's inline policies), and "IAM does not count white space" (IAM User Guide,
# reference_iam-quotas.html).
ROLE_POLICY_MAX_CHARACTERS: Final = 10_240


class ModelError(EcsSchedulerError):
    """The desired state cannot be built or resolved."""


@dataclass(frozen=True)
class Lookup:
    """A value of a job's task definition that is resolved by the engine, not known offline."""

    job: str
    attribute: LookupAttribute


@dataclass(frozen=True)
class Ref:
    """Another resource's ARN, name or URL, placed where the value goes.

    The AWS engine resolves it to the string (:func:`resolve_refs`); the exports write a
    reference to the resource, so no export ever has to recognise a resource by its string.
    """

    address: str
    attribute: RefAttribute


@dataclass(frozen=True)
class Resource:
    address: str  # module.<job>.<type>.<name>[key]
    job: str
    type: ResourceType
    name: str  # the Terraform resource name: ecs, scheduler, dlq, dlq_messages_visible, ...
    key: str | None  # for_each key ("" is the primary schedule); None when not keyed
    aws_name: str
    arn: str
    properties: Mapping[str, Any]
    tags: Mapping[str, str] = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()
    parent: str | None = None  # the address of the resource it lives inside (Kind.parent)
    url: str | None = None  # a queue's URL

    def ref(self, attribute: RefAttribute) -> Ref:
        return Ref(self.address, attribute)


@dataclass(frozen=True)
class TaskDefinitionRef:
    """Which task definition a job runs; the engines resolve it to an ARN and roles."""

    family: str
    revision: int | None  # None: the latest ACTIVE revision
    task_role_arn: str | None  # set when the config names it; otherwise looked up
    execution_role_arn: str | None

    @property
    def identifier(self) -> str:
        """``family:revision``, or the family alone for its latest ACTIVE revision: what
        DescribeTaskDefinition takes and a task definition ARN ends in."""
        return self.family if self.revision is None else f"{self.family}:{self.revision}"


@dataclass(frozen=True)
class DesiredState:
    stack: str
    resources: Mapping[str, Resource]
    task_definitions: Mapping[str, TaskDefinitionRef]  # by job
    outputs: Mapping[str, Mapping[str, Any]]  # job -> output name -> value
    # job -> the schedule and rule ARNs it replaces (config field replaces)
    replaces: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def module_name(job: str) -> str:
    """The Terraform module name of a job: its key, or ``job_<key>`` for a key that does not
    start with a letter (a Terraform name must). Job keys hold no ``_``, so the two never meet."""
    return job if job[:1].isalpha() else f"job_{job}"


def address(job: str, resource_type: ResourceType, name: str, key: str | None = None) -> str:
    """``module.<module>.<type>.<name>``, plus ``["<key>"]`` for a keyed (for_each) resource."""
    base = f"module.{module_name(job)}.{resource_type}.{name}"
    return base if key is None else f"{base}[{json.dumps(key)}]"


@dataclass(frozen=True)
class JobArns:
    """The ARNs and URL of a job's resources, computed from partition, region, account, names."""

    schedule_group: str
    schedules: Mapping[str, str]
    role: str
    queue: str
    queue_url: str
    alarm_messages_visible: str
    alarm_oldest_message: str

    @classmethod
    def of(cls, job: Job, names: JobNames) -> JobArns:
        partition, region, account = job.partition, job.region, job.account
        alarm = f"arn:{partition}:cloudwatch:{region}:{account}:alarm:"
        return cls(
            schedule_group=policies.schedule_group_arn(
                partition, region, account, names.schedule_group
            ),
            schedules={
                key: policies.schedule_arn(partition, region, account, names.schedule_group, name)
                for key, name in names.schedules.items()
            },
            role=f"arn:{partition}:iam::{account}:role/{names.role}",
            queue=f"arn:{partition}:sqs:{region}:{account}:{names.queue}",
            queue_url=policies.queue_url(partition, region, account, names.queue),
            alarm_messages_visible=alarm + names.alarm_messages_visible,
            alarm_oldest_message=alarm + names.alarm_oldest_message,
        )


def task_definition_ref(job: Job) -> TaskDefinitionRef:
    return TaskDefinitionRef(
        family=job.task_name,
        revision=job.task_definition_revision,
        task_role_arn=job.task_role_arn,
        execution_role_arn=job.execution_role_arn,
    )


def task_definition_arn(job_key: str, job: Job) -> str | Lookup:
    """The pinned revision's ARN, or the latest ACTIVE revision to be looked up."""
    if job.task_definition_revision is None:
        return Lookup(job_key, "task_definition_arn")
    return (
        f"arn:{job.partition}:ecs:{job.region}:{job.account}:task-definition/"
        f"{task_definition_ref(job).identifier}"
    )


def passed_roles(job_key: str, job: Job) -> list[str | Lookup]:
    """Task role, execution role (looked up when not configured), then every override's roles."""
    roles: list[str | Lookup] = [
        job.task_role_arn or Lookup(job_key, "task_role_arn"),
        job.execution_role_arn or Lookup(job_key, "execution_role_arn"),
    ]
    roles.extend(job.passed_role_arns)
    return list(dict.fromkeys(roles))


def _ecs_parameters(stack: str, job_key: str, job: Job, spec: ScheduleSpec) -> dict[str, Any]:
    parameters: dict[str, Any] = {
        "TaskDefinitionArn": task_definition_arn(job_key, job),
        "TaskCount": spec.task_count,
    }
    launch_type = job.effective_launch_type
    if launch_type is not None:
        parameters["LaunchType"] = launch_type
    else:
        parameters["CapacityProviderStrategy"] = [
            {"capacityProvider": item.capacity_provider, "weight": item.weight, "base": item.base}
            for item in job.capacity_provider_strategy
        ]
    if job.platform_version is not None:
        parameters["PlatformVersion"] = job.platform_version
    parameters["NetworkConfiguration"] = {
        "awsvpcConfiguration": {
            "Subnets": list(job.trusted_compute_subnets),
            "SecurityGroups": list(job.security_group_ids),
            "AssignPublicIp": "ENABLED" if job.assign_public_ip else "DISABLED",
        }
    }
    if job.placement_constraints:
        parameters["PlacementConstraints"] = [
            constraint.model_dump(exclude_none=True) for constraint in job.placement_constraints
        ]
    if job.placement_strategy:
        parameters["PlacementStrategy"] = [
            strategy.model_dump(exclude_none=True) for strategy in job.placement_strategy
        ]
    if job.propagate_tags:
        parameters["PropagateTags"] = "TASK_DEFINITION"
    parameters["EnableECSManagedTags"] = job.enable_ecs_managed_tags
    parameters["EnableExecuteCommand"] = job.enable_execute_command
    if job.task_tags:
        parameters["Tags"] = [{key: value} for key, value in job.task_tags.items()]
    # The task group names stack, job and schedule; ECS copies it into the task's state-change
    # events, which is how the job's task-failure rule knows its tasks (task_failures.py).
    parameters["Group"] = task_group(stack, job_key, spec.key)
    return parameters


def schedule_properties(
    stack: str, job_key: str, job: Job, spec: ScheduleSpec, role: Resource, queue: Resource
) -> dict[str, Any]:
    """The CreateSchedule request of one schedule, without its name and group: it runs as the
    job's ``role`` and sends what fails to the job's dead-letter ``queue``."""
    properties: dict[str, Any] = {
        "ScheduleExpression": spec.expression_text,
        "ScheduleExpressionTimezone": spec.timezone,
    }
    if spec.start_date is not None:
        properties["StartDate"] = spec.start_date
    if spec.end_date is not None:
        properties["EndDate"] = spec.end_date
    properties["State"] = "ENABLED" if spec.enabled else "DISABLED"
    properties["Description"] = spec.description
    properties["FlexibleTimeWindow"] = (
        {"Mode": "OFF"}
        if spec.flexible_time_window_minutes is None
        else {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": spec.flexible_time_window_minutes}
    )
    properties["ActionAfterCompletion"] = spec.action_after_completion
    properties["KmsKeyArn"] = job.kms_key_arn
    target: dict[str, Any] = {
        "Arn": job.ecs_cluster_arn,
        "RoleArn": role.ref("arn"),
        "DeadLetterConfig": {"Arn": queue.ref("arn")},
        "RetryPolicy": {
            "MaximumRetryAttempts": spec.maximum_retry_attempts,
            "MaximumEventAgeInSeconds": spec.maximum_event_age_in_seconds,
        },
    }
    if spec.overrides is not None:
        target["Input"] = spec.overrides.model_dump(mode="json", exclude_none=True)
    target["EcsParameters"] = _ecs_parameters(stack, job_key, job, spec)
    properties["Target"] = target
    return properties


def _alarm_properties(
    job: Job, queue: Resource, metric: str, threshold: float, description: str
) -> dict[str, Any]:
    return {
        "AlarmDescription": description,
        "Namespace": "AWS/SQS",
        "MetricName": metric,
        "Dimensions": [{"Name": "QueueName", "Value": queue.ref("name")}],
        "Statistic": "Maximum",
        "Period": ALARM_PERIOD_SECONDS,
        "EvaluationPeriods": 1,
        "Threshold": threshold,
        "ComparisonOperator": "GreaterThanThreshold",
        "TreatMissingData": "notBreaching",
        "AlarmActions": list(job.dlq_alarm_actions),
        "OKActions": list(job.dlq_ok_actions),
    }


def job_resources(stack: str, job_key: str, job: Job) -> list[Resource]:
    """Every resource of one job, each after its dependencies."""
    names = names_for_job(stack, job_key, job)
    arns = JobArns.of(job, names)
    tags = job_tags(stack, job_key, job)
    partition, region, account = job.partition, job.region, job.account

    def make(
        resource_type: ResourceType,
        name: str,
        aws_name: str,
        arn: str,
        properties: Mapping[str, Any],
        *,
        depends_on: tuple[str, ...] = (),
        key: str | None = None,
        parent: Resource | None = None,
        url: str | None = None,
    ) -> Resource:
        return Resource(
            address=address(job_key, resource_type, name, key),
            job=job_key,
            type=resource_type,
            name=name,
            key=key,
            aws_name=aws_name,
            arn=arn,
            properties=properties,
            tags=dict(tags) if KINDS[resource_type].taggable else {},
            depends_on=depends_on,
            parent=None if parent is None else parent.address,
            url=url,
        )

    group = dataclasses.replace(
        make("aws_scheduler_schedule_group", "ecs", names.schedule_group, arns.schedule_group, {}),
        # The rule's name is recorded even with alerts off, so that a rule left from when
        # they were on is found and removed.
        tags=schedule_group_tags(tags, names, rule_name(NamingParts.of(stack, job_key, job))),
    )
    role_properties: dict[str, Any] = {
        "AssumeRolePolicyDocument": policies.trust_policy(
            account=account, group_arn=group.ref("arn")
        ),
        "Description": (
            f"EventBridge Scheduler execution role of ecs-scheduler job {job_key} "
            f"(stack {stack}): runs task family {job.task_name}"
        ),
    }
    if job.permissions_boundary_arn is not None:
        role_properties["PermissionsBoundary"] = job.permissions_boundary_arn
    role = make("aws_iam_role", "scheduler", names.role, arns.role, role_properties)
    queue = make(
        "aws_sqs_queue",
        "dlq",
        names.queue,
        arns.queue,
        {
            "Attributes": {
                "KmsMasterKeyId": job.kms_key_arn,
                "KmsDataKeyReusePeriodSeconds": str(KMS_DATA_KEY_REUSE_SECONDS),
                "MessageRetentionPeriod": str(job.dlq_message_retention_seconds),
                "MaximumMessageSize": str(DLQ_MAXIMUM_MESSAGE_SIZE),
                "RedriveAllowPolicy": DLQ_REDRIVE_ALLOW_POLICY,
            }
        },
        url=arns.queue_url,
    )
    policy_document = policies.execution_role_policy(
        partition=partition,
        region=region,
        account=account,
        cluster_arn=job.ecs_cluster_arn,
        cluster_name=job.cluster_name,
        task_family=job.task_name,
        task_revision=job.task_definition_revision,
        group=names.schedule_group,
        queue_arn=queue.ref("arn"),
        kms_key_arn=job.kms_key_arn,
        passed_roles=passed_roles(job_key, job),
    )
    _check_policy_size(job_key, resolve_refs(policy_document, {queue.address: queue}))
    role_policy = make(
        "aws_iam_role_policy",
        "scheduler",
        names.role_policy,
        arns.role,
        {"PolicyName": names.role_policy, "PolicyDocument": policy_document},
        depends_on=(role.address,),
        parent=role,
    )
    queue_policy = make(
        "aws_sqs_queue_policy",
        "dlq",
        names.queue,
        arns.queue,
        {
            "Policy": policies.dead_letter_queue_policy(
                queue_arn=queue.ref("arn"), role_arn=role.ref("arn")
            )
        },
        # The policy names the role as a principal, which AWS accepts only once it exists.
        depends_on=(queue.address, role.address),
        parent=queue,
    )
    resources = [group, role, role_policy, queue, queue_policy]
    if job.enable_dlq_alarm:
        resources.append(
            make(
                "aws_cloudwatch_metric_alarm",
                "dlq_messages_visible",
                names.alarm_messages_visible,
                arns.alarm_messages_visible,
                _alarm_properties(
                    job,
                    queue,
                    "ApproximateNumberOfMessagesVisible",
                    0.0,
                    f"Schedules of ecs-scheduler job {job_key} (stack {stack}) failed to start "
                    f"task {job.task_name}: their events are in dead-letter queue {names.queue}.",
                ),
                depends_on=(queue.address,),
            )
        )
        resources.append(
            make(
                "aws_cloudwatch_metric_alarm",
                "dlq_oldest_message",
                names.alarm_oldest_message,
                arns.alarm_oldest_message,
                _alarm_properties(
                    job,
                    queue,
                    "ApproximateAgeOfOldestMessage",
                    float(job.dlq_oldest_message_threshold_seconds),
                    f"A failed event of ecs-scheduler job {job_key} (stack {stack}) has waited "
                    f"more than {job.dlq_oldest_message_threshold_seconds} seconds in "
                    f"dead-letter queue {names.queue}.",
                ),
                depends_on=(queue.address,),
            )
        )
    if job.enable_task_failure_alerts:
        # With no topic the rule stays, without targets: its TriggeredRules metric still
        # counts the job's failures (docs/task-failures.md, "A job without a topic").
        alert = task_failure_rule(stack, job_key, job, job.task_failure_topics)
        rule = make(
            "aws_cloudwatch_event_rule",
            "task_failed",
            alert.name,
            alert.arn,
            {
                "EventPattern": dict(alert.event_pattern),
                "State": "ENABLED",
                "Description": alert.description,
            },
        )
        resources.append(rule)
        resources.extend(
            make(
                "aws_cloudwatch_event_target",
                "task_failed",
                target_id,
                alert.arn,
                {
                    "Id": target_id,
                    "Arn": topic_arn,
                    "InputTransformer": alert.input_transformer.as_api(),
                },
                depends_on=(rule.address,),
                key=target_id,
                parent=rule,
            )
            for target_id, topic_arn in alert.targets.items()
        )
    schedule_dependencies = (group.address, role.address, role_policy.address, queue.address)
    resources.extend(
        make(
            "aws_scheduler_schedule",
            "ecs",
            names.schedules[spec.key],
            arns.schedules[spec.key],
            schedule_properties(stack, job_key, job, spec, role, queue),
            depends_on=schedule_dependencies,
            key=spec.key,
            parent=group,
        )
        for spec in job.schedules
    )
    return resources


def _check_policy_size(job_key: str, document: Mapping[str, Any]) -> None:
    """Refuse a scheduler policy IAM would refuse. The roles still to be looked up from the
    task definition count as nothing here: they can only add their ARNs at apply time."""
    size = len(json.dumps(document, separators=(",", ":"), default=lambda _lookup: ""))
    if size > ROLE_POLICY_MAX_CHARACTERS:
        raise ModelError(
            f"job {job_key}: its scheduler role policy is {size} characters without white "
            f"space; IAM allows at most {ROLE_POLICY_MAX_CHARACTERS} for a role's inline "
            "policies (pass fewer distinct roles in overrides)"
        )


def _check_unique_names(resources: Mapping[str, Resource]) -> None:
    """Two resources of one kind (and, for schedules, one group) must not share an AWS name.

    Distinct jobs always have distinct full names; a name shortened to fit a service's limit
    (naming.fit) can still meet another job's unshortened name, e.g. jobs ``j`` and
    ``j-<hash>`` whose naming-standard parts differ.
    """
    groups = {
        resource.job: resource.aws_name
        for resource in resources.values()
        if resource.type == "aws_scheduler_schedule_group"
    }
    seen: dict[tuple[str, str, str], Resource] = {}
    for resource in resources.values():
        if KINDS[resource.type].owned_through_parent:
            continue  # named after their role, queue and topic, inside a checked parent
        scope = groups[resource.job] if resource.type == "aws_scheduler_schedule" else ""
        key = (resource.type, scope, resource.aws_name)
        first = seen.setdefault(key, resource)
        if first is not resource:
            raise ModelError(
                f"{_owner(first)} and {_owner(resource)} get the same AWS name "
                f"{resource.aws_name!r} ({resource.type}) once shortened to fit AWS's length "
                "limit; rename one of them"
            )


def _owner(resource: Resource) -> str:
    if resource.type == "aws_scheduler_schedule" and resource.key:
        return f"job {resource.job!r} (schedule {resource.key!r})"
    return f"job {resource.job!r}"


_RULE_OUTPUTS: Final[Mapping[str, RefAttribute]] = {
    "task_failure_rule_name": "name",
    "task_failure_rule_arn": "arn",
}


def job_outputs(resources: list[Resource]) -> dict[str, Any]:
    """A job's outputs as Refs to its resources: names, ARNs, the DLQ's URL; schedule maps keyed
    by schedule key, alarm maps by alarm resource name. The output names are listed only here."""

    def only(resource_type: ResourceType) -> Resource:
        [found] = [resource for resource in resources if resource.type == resource_type]
        return found

    group, role = only("aws_scheduler_schedule_group"), only("aws_iam_role")
    queue = only("aws_sqs_queue")
    schedules = [resource for resource in resources if resource.type == "aws_scheduler_schedule"]
    alarms = [resource for resource in resources if resource.type == "aws_cloudwatch_metric_alarm"]
    rules = [resource for resource in resources if resource.type == "aws_cloudwatch_event_rule"]
    # Only a job with task-failure alerts has a rule to name.
    rule_outputs = {
        output: rule.ref(attribute) for rule in rules for output, attribute in _RULE_OUTPUTS.items()
    }
    return {
        "schedule_group_name": group.ref("name"),
        "schedule_group_arn": group.ref("arn"),
        "schedule_names": {schedule.key or "": schedule.ref("name") for schedule in schedules},
        "schedule_arns": {schedule.key or "": schedule.ref("arn") for schedule in schedules},
        "role_name": role.ref("name"),
        "role_arn": role.ref("arn"),
        "dlq_name": queue.ref("name"),
        "dlq_arn": queue.ref("arn"),
        "dlq_url": queue.ref("url"),
        "alarm_names": {alarm.name: alarm.ref("name") for alarm in alarms},
        "alarm_arns": {alarm.name: alarm.ref("arn") for alarm in alarms},
        **rule_outputs,
    }


def build(stack: Stack) -> DesiredState:
    """Every resource of every job of the stack, in dependency order, with the outputs."""
    resources: dict[str, Resource] = {}
    outputs: dict[str, Mapping[str, Any]] = {}
    for job_key, job in stack.jobs.items():
        built = job_resources(stack.stack, job_key, job)
        resources.update((resource.address, resource) for resource in built)
        outputs[job_key] = job_outputs(built)
    _check_unique_names(resources)
    return DesiredState(
        stack=stack.stack,
        resources=resources,
        task_definitions={key: task_definition_ref(job) for key, job in stack.jobs.items()},
        outputs=outputs,
        replaces={key: tuple(job.replaces) for key, job in stack.jobs.items() if job.replaces},
    )


def start_date_passed(start_date: datetime, now: datetime) -> bool:
    """Whether a schedule's start date is at or before ``now``: every engine then leaves it out.

    A passed start date changes nothing about when a schedule fires, and CreateSchedule and
    UpdateSchedule reject one more than 5 minutes old ("The StartDate you specify cannot be
    earlier than 5 minutes ago", Scheduler API reference, CreateSchedule: StartDate).
    """
    return start_date <= now


def without_passed_start_dates(desired: DesiredState, now: datetime) -> DesiredState:
    """``desired`` with the start date of every schedule whose start date has passed left out."""
    resources = dict(desired.resources)
    for resource_address, resource in desired.resources.items():
        start_date = resource.properties.get("StartDate")
        if isinstance(start_date, datetime) and start_date_passed(start_date, now):
            properties = {k: v for k, v in resource.properties.items() if k != "StartDate"}
            resources[resource_address] = dataclasses.replace(resource, properties=properties)
    return dataclasses.replace(desired, resources=resources)


_MISSING: Final = object()

_LOOKUP_LABELS: Final[Mapping[LookupAttribute, str]] = {
    "task_definition_arn": "task definition ARN",
    "task_role_arn": "task role",
    "execution_role_arn": "execution role",
}

LookupValues = Mapping[str, Mapping[LookupAttribute, str | None]]
"""By job, the looked-up values; ``None`` (or no entry) when the task definition has none."""


def _substitute(value: Any, values: LookupValues) -> Any:
    """``value`` with every Lookup replaced; a Lookup with no value is dropped from its list."""
    if isinstance(value, Lookup):
        found = values.get(value.job, {}).get(value.attribute)
        return _MISSING if found is None else found
    if isinstance(value, Mapping):
        resolved: dict[str, Any] = {}
        for key, item in value.items():
            substituted = _substitute(item, values)
            if substituted is _MISSING:
                raise ModelError(
                    f"job {item.job}: no {_LOOKUP_LABELS[item.attribute]} was found "
                    f"in its task definition; it is needed for {key}."
                )
            resolved[key] = substituted
        return resolved
    if isinstance(value, list | tuple):
        items = [_substitute(item, values) for item in value]
        return [item for item in items if item is not _MISSING]
    return value


def _without_empty_statements(document: Mapping[str, Any]) -> dict[str, Any]:
    """A statement whose every resource was a missing lookup grants nothing: it goes."""
    return {
        **document,
        "Statement": [
            statement for statement in document["Statement"] if statement.get("Resource") != []
        ],
    }


def resolve(desired: DesiredState, values: LookupValues) -> DesiredState:
    """``desired`` with every :class:`Lookup` replaced by ``values[job][attribute]`` and every
    :class:`Ref` in a resource's properties by the string it names; the outputs stay Refs.

    A missing value inside a list (e.g. a task definition without a task role, in the
    ``iam:PassRole`` resources) is dropped, and so is a policy statement left with no
    resource; a missing value anywhere else is a :class:`ModelError`.
    """
    resources: dict[str, Resource] = {}
    for resource_address, resource in desired.resources.items():
        properties: dict[str, Any] = resolve_refs(
            _substitute(resource.properties, values), desired.resources
        )
        if "PolicyDocument" in properties:
            properties["PolicyDocument"] = _without_empty_statements(properties["PolicyDocument"])
        resources[resource_address] = dataclasses.replace(resource, properties=properties)
    return dataclasses.replace(desired, resources=resources)


def replace_refs(value: Any, found: Callable[[Ref], Any]) -> Any:
    """``value`` with every :class:`Ref` replaced by ``found(ref)``; tuples become lists."""
    if isinstance(value, Ref):
        return found(value)
    if isinstance(value, Mapping):
        return {key: replace_refs(item, found) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [replace_refs(item, found) for item in value]
    return value


def referenced_value(ref: Ref, resources: Mapping[str, Resource]) -> str:
    """The ARN, name or URL that ``ref`` names, computed offline like every resource's."""
    resource = resources.get(ref.address)
    if resource is None or ref.attribute not in KINDS[resource.type].attributes:
        raise ModelError(f"{ref.address} has no {ref.attribute} to refer to.")
    value = {"arn": resource.arn, "name": resource.aws_name, "url": resource.url}[ref.attribute]
    assert value is not None, f"{ref.address} was built without its {ref.attribute}"
    return value


def resolve_refs(value: Any, resources: Mapping[str, Resource]) -> Any:
    """``value`` with every :class:`Ref` replaced by the string it names among ``resources``."""
    return replace_refs(value, lambda ref: referenced_value(ref, resources))
