"""The typed config: one YAML file is one :class:`Stack` of :class:`Job` s (DESIGN §3).

This module holds the models, the ARN grammar they rely on and the JSON Schema of the file.
``loader.py`` turns a YAML file into a ``Stack``: it merges ``defaults:``, applies the
cross-field rules and reports every error with file, line, column and field path. A ``Stack``
obtained from the loader is therefore valid as a whole, and the properties below (region,
account, resolved schedules) can be trusted without checking again.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ecs_scheduler.expressions import AtExpression, Expression, describe, parse

NAME_PATTERN = r"^[a-z0-9-]{1,32}$"
SCHEDULE_NAME_PATTERN = r"^[0-9A-Za-z_.-]+$"
TASK_FAMILY_PATTERN = r"^[A-Za-z0-9_-]+$"
# ECS task-level overrides are text: CPU units ("1024") or vCPUs ("0.5 vCPU"), and MiB
# ("2048") or GB ("2 GB"), the unit in any case. Anything else is only refused by ECS when
# the schedule fires, and the event ends in the dead-letter queue.
_POSITIVE_WHOLE = r"0*[1-9][0-9]*"
_POSITIVE_DECIMAL = r"(?:[1-9][0-9]*(?:\.[0-9]+)?|0\.[0-9]*[1-9][0-9]*)"
TASK_CPU_PATTERN = rf"^(?:{_POSITIVE_WHOLE}|{_POSITIVE_DECIMAL} [vV][cC][pP][uU])$"
TASK_MEMORY_PATTERN = rf"^(?:{_POSITIVE_WHOLE}|{_POSITIVE_DECIMAL} [gG][bB])$"
DESCRIPTION_MAX_LENGTH = 512
# ECS CreateCluster: "Up to 255 letters (uppercase and lowercase), numbers, underscores, and
# hyphens are allowed." The name also goes into the scheduler role's policy (task/<name>/*).
CLUSTER_NAME_PATTERN = r"^[A-Za-z0-9_-]+$"
# Every ARN of the config ends up in an IAM policy (iam:PassRole, kms:*, ecs:RunTask, the
# alarm's actions). IAM reads '*' and '?' in a policy's Resource as wildcards ("Including
# wildcards in resource ARNs", IAM User Guide, reference_policies_elements_resource.html),
# so 'role/*/admin' would let the scheduler pass every role named admin: no ARN may hold one.
ARN_WITHOUT_WILDCARDS_PATTERN = r"^[^*?]*$"

# The characters every service that receives our tags accepts. IAM is the strictest:
# tagKeyType/tagValueType are [\p{L}\p{Z}\p{N}_.:/=+\-@] (IAM API Reference, Tag; botocore
# iam service-2). SQS allows the same set ("Quotas related to queues", Queue tag); Scheduler
# (Tag) and CloudWatch (Tag) only bound the length. Scheduler's TagValue and SQS's tag value
# must not be empty (botocore scheduler TagValue min 1; SQS "Queue tag" quota).
TAG_TEXT_PATTERN = r"^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$"
# JSON Schema tools (ECMA-262 without the u flag, Python's re) know no \p{...}: the schema
# carries the ASCII half of the rule, refusing the ASCII symbols and controls IAM refuses.
_TAG_TEXT_SCHEMA_PATTERN = r"^[^\x00-\x1f\x7f!\"#$%&'()*,;<>?\[\\\]^`{|}~]*$"
TAG_KEY_MAX_LENGTH = 128
TAG_VALUE_MAX_LENGTH = 256
TagValueText = Annotated[
    str,
    Field(min_length=1, max_length=TAG_VALUE_MAX_LENGTH, pattern=TAG_TEXT_PATTERN),
    WithJsonSchema(
        {
            "type": "string",
            "minLength": 1,
            "maxLength": TAG_VALUE_MAX_LENGTH,
            "pattern": _TAG_TEXT_SCHEMA_PATTERN,
        }
    ),
]
TagKeyText = Annotated[
    str, Field(min_length=1, max_length=TAG_KEY_MAX_LENGTH, pattern=TAG_TEXT_PATTERN)
]
# ECS RunTask: "A total of 8192 characters are allowed for overrides. This limit includes the
# JSON formatting characters of the override structure." The overrides are the schedule
# target's Input, written as compact JSON.
OVERRIDES_MAX_JSON_LENGTH = 8192
# CloudWatch PutMetricAlarm: AlarmActions and OKActions hold at most 5 ARNs each.
ALARM_ACTIONS_MAX = 5
# Scheduler CreateSchedule: ScheduleExpression is 1-256 characters; PlatformVersion 1-64.
SCHEDULE_EXPRESSION_MAX_LENGTH = 256
PLATFORM_VERSION_MAX_LENGTH = 64

ExactArn = Annotated[
    str,
    Field(
        pattern=ARN_WITHOUT_WILDCARDS_PATTERN,
        description="An ARN naming one resource: '*' and '?' are refused (IAM wildcards).",
    ),
]

T = TypeVar("T")

_ARN = re.compile(
    r"^arn:(?P<partition>aws(?:-[a-z]+)*):(?P<service>[a-z0-9-]+):"
    r"(?P<region>[a-z0-9-]*):(?P<account>\d{12}|aws|):(?P<resource>.+)$"
)


@dataclass(frozen=True)
class Arn:
    """The parts of an Amazon Resource Name."""

    partition: str
    service: str
    region: str
    account: str
    resource: str


def parse_arn(text: str) -> Arn | None:
    """Split ``text`` into its ARN parts, or ``None`` if it is not shaped like an ARN."""
    match = _ARN.fullmatch(text)
    if match is None:
        return None
    return Arn(**match.groupdict())


# Written as text in YAML and JSON: the one kind of value parsed from a string.
OffsetDateTime = Annotated[AwareDatetime, Strict(False)]


class StrictModel(BaseModel):
    """Unknown fields are errors; values are immutable once validated; no type coercion
    (``task_count: true`` or ``enabled: 1`` are mistakes, not 1 and True)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class CapacityProviderStrategyItem(StrictModel):
    """One capacity provider of the strategy that runs the tasks."""

    capacity_provider: str = Field(
        min_length=1, max_length=255, description="Name of a capacity provider of the cluster."
    )
    weight: int = Field(
        default=0, ge=0, le=1000, description="Relative share of the tasks this provider runs."
    )
    base: int = Field(
        default=0,
        ge=0,
        le=100000,
        description="Tasks this provider runs before weights apply; only one item may set it.",
    )


class PlacementConstraint(StrictModel):
    """A rule for where ECS may place the tasks (EC2 only)."""

    type: Literal["distinctInstance", "memberOf"] = Field(
        description="distinctInstance (one task per instance) or memberOf (matching instances)."
    )
    expression: str | None = Field(
        default=None,
        min_length=1,
        max_length=2000,
        description="Cluster query language expression; memberOf only.",
    )


class PlacementStrategy(StrictModel):
    """How ECS spreads the tasks over instances (EC2 only)."""

    type: Literal["random", "spread", "binpack"] = Field(
        description="random, spread (over field) or binpack (on field cpu or memory)."
    )
    field: str | None = Field(
        default=None,
        min_length=1,
        max_length=255,
        description="What to spread over or bin-pack on; random takes none.",
    )


class KeyValuePair(StrictModel):
    """One environment variable of a container override."""

    name: str = Field(description="Environment variable name.")
    value: str = Field(
        description="Environment variable value; shown by plan and written to exports."
    )


class EnvironmentFile(StrictModel):
    """A file of environment variables in S3, for a container override."""

    type: Literal["s3"] = Field(description="Where the file lives: s3.")
    value: str = Field(description="ARN of the S3 object holding the variables.")


class ResourceRequirement(StrictModel):
    """A GPU or inference accelerator requirement of a container override."""

    type: Literal["GPU", "InferenceAccelerator"] = Field(description="GPU or InferenceAccelerator.")
    value: str = Field(description="How many GPUs, or the accelerator's device name.")


class ContainerOverride(StrictModel):
    """One entry of ECS ``containerOverrides`` (camelCase, as the ECS API spells it)."""

    name: str = Field(min_length=1, description="Container of the task definition to override.")
    command: list[str] | None = Field(default=None, description="Replaces the container's command.")
    environment: list[KeyValuePair] | None = Field(
        default=None, description="Environment variables added to or replacing the container's."
    )
    environmentFiles: list[EnvironmentFile] | None = Field(  # noqa: N815 - ECS API name
        default=None, description="Files of environment variables added to the container's."
    )
    cpu: int | None = Field(default=None, ge=0, description="CPU units reserved for the container.")
    memory: int | None = Field(
        default=None, ge=0, description="Hard memory limit of the container, in MiB."
    )
    memoryReservation: int | None = Field(  # noqa: N815
        default=None, ge=0, description="Soft memory limit of the container, in MiB."
    )
    resourceRequirements: list[ResourceRequirement] | None = Field(  # noqa: N815
        default=None, description="GPUs or inference accelerators for the container."
    )


class EphemeralStorage(StrictModel):
    """The ephemeral storage of a Fargate task."""

    sizeInGiB: int = Field(  # noqa: N815
        ge=21, le=200, description="Ephemeral storage of a Fargate task, in GiB."
    )


class TaskOverrides(StrictModel):
    """The ECS task override sent as the schedule target's ``Input``: at most 8192 characters
    as compact JSON, the limit of ECS RunTask's overrides."""

    containerOverrides: list[ContainerOverride] | None = Field(  # noqa: N815
        default=None, description="Per-container overrides."
    )
    cpu: str | None = Field(
        default=None,
        pattern=TASK_CPU_PATTERN,
        description="Task CPU: CPU units ('1024') or vCPUs ('1 vCPU').",
    )
    memory: str | None = Field(
        default=None,
        pattern=TASK_MEMORY_PATTERN,
        description="Task memory: MiB ('2048') or GB ('2 GB').",
    )
    taskRoleArn: ExactArn | None = Field(  # noqa: N815
        default=None,
        description="Task role for this run; the scheduler role may pass it.",
    )
    executionRoleArn: ExactArn | None = Field(  # noqa: N815
        default=None,
        description="Execution role for this run; the scheduler role may pass it.",
    )
    ephemeralStorage: EphemeralStorage | None = Field(  # noqa: N815
        default=None, description="Ephemeral storage of a Fargate task."
    )

    @model_validator(mode="after")
    def _fits_ecs(self) -> TaskOverrides:
        length = len(self.as_json())
        if length > OVERRIDES_MAX_JSON_LENGTH:
            raise PydanticCustomError(
                "overrides_too_long",
                "the overrides are {length} characters as JSON; ECS RunTask takes at most {limit}",
                {"length": length, "limit": OVERRIDES_MAX_JSON_LENGTH},
            )
        return self

    def as_json(self) -> str:
        """The overrides as the schedule target's ``Input`` carries them: compact JSON."""
        return json.dumps(self.model_dump(mode="json", exclude_none=True), separators=(",", ":"))

    @property
    def role_arns(self) -> tuple[str, ...]:
        """The roles this override passes to ECS (they need ``iam:PassRole``)."""
        return tuple(arn for arn in (self.taskRoleArn, self.executionRoleArn) if arn)


class AdditionalSchedule(StrictModel):
    """A further schedule of the same task; unset fields inherit the job's values."""

    name: str = Field(
        min_length=1,
        max_length=64,
        pattern=SCHEDULE_NAME_PATTERN,
        description="Unique name within the job; ends the schedule's AWS name.",
    )
    schedule_expression: str = Field(description="When it fires: cron(...), rate(...) or at(...).")
    timezone: str | None = Field(
        default=None, description="IANA time zone of the expression; default: the job's."
    )
    enabled: bool | None = Field(
        default=None, description="false creates the schedule DISABLED; default: the job's."
    )
    start_date: OffsetDateTime | None = Field(
        default=None,
        description="First instant the schedule may fire (with a UTC offset); default: the job's.",
    )
    end_date: OffsetDateTime | None = Field(
        default=None,
        description="Last instant the schedule may fire (with a UTC offset); default: the job's.",
    )
    flexible_time_window_minutes: int | None = Field(
        default=None,
        ge=1,
        le=1440,
        description="Window in which Scheduler may start the task; default: the job's.",
    )
    description: str | None = Field(
        default=None,
        max_length=DESCRIPTION_MAX_LENGTH,
        description="Schedule description; default: the job's, else generated.",
    )
    action_after_completion: Literal["NONE", "DELETE"] | None = Field(
        default=None,
        description="DELETE removes the schedule after its last run; default: the job's.",
    )
    overrides: TaskOverrides | None = Field(
        default=None, description="ECS overrides sent as the target's Input; default: the job's."
    )
    task_count: int | None = Field(
        default=None, ge=1, le=10, description="Tasks started per run; default: the job's."
    )
    maximum_retry_attempts: int | None = Field(
        default=None, ge=0, le=185, description="Retries of a failed start; default: the job's."
    )
    maximum_event_age_in_seconds: int | None = Field(
        default=None,
        ge=60,
        le=86400,
        description="How long a failed start is retried; default: the job's.",
    )


@dataclass(frozen=True)
class ScheduleSpec:
    """One EventBridge schedule of a job, with every inherited value resolved.

    ``key`` is ``""`` for the job's primary schedule and the additional schedule's ``name``
    otherwise (the Terraform module's ``for_each`` key).
    """

    key: str
    expression: Expression
    expression_text: str
    timezone: str
    enabled: bool
    start_date: datetime | None
    end_date: datetime | None
    flexible_time_window_minutes: int | None
    description: str
    action_after_completion: Literal["NONE", "DELETE"]
    overrides: TaskOverrides | None
    task_count: int
    maximum_retry_attempts: int
    maximum_event_age_in_seconds: int


class Job(StrictModel):
    """One scheduled ECS task: the variables of the ECS Scheduler module, v2."""

    # Required.
    cluster_name: str = Field(
        min_length=1,
        max_length=255,
        pattern=CLUSTER_NAME_PATTERN,
        description="Name of the ECS cluster; must match ecs_cluster_arn.",
    )
    ecs_cluster_arn: ExactArn = Field(
        description="ARN of the ECS cluster; gives the job's partition, region and account."
    )
    task_name: str = Field(
        min_length=1,
        max_length=255,
        pattern=TASK_FAMILY_PATTERN,
        description="Task definition family to run.",
    )
    schedule_expression: str = Field(
        description="When the primary schedule fires: cron(...), rate(...) or at(...)."
    )
    trusted_compute_subnets: list[str] = Field(
        min_length=1, max_length=16, description="Subnet ids (subnet-...) the tasks run in."
    )
    security_group_ids: list[str] = Field(
        min_length=1, max_length=5, description="Security group ids (sg-...) of the tasks."
    )
    kms_key_arn: ExactArn = Field(
        description="KMS key or alias ARN encrypting the dead-letter queue."
    )
    resource_owner: TagValueText = Field(description="Tag ResourceOwner of every resource.")
    billing_entity: TagValueText = Field(
        description="Tag BillingEntity; its letters and digits start every name."
    )
    billing_domain: TagValueText = Field(
        description="Tag BillingDomain; its letters and digits are the second part of every name."
    )
    security_domain: TagValueText = Field(
        description="Tag SecurityDomain; its letters and digits are the third part of every name."
    )
    aws_region_short_code: str = Field(
        min_length=1,
        description="Short region code, e.g. use1; the fourth part of every name.",
    )

    # Schedule.
    enabled: bool = Field(default=True, description="false creates the schedules DISABLED.")
    timezone: str = Field(default="UTC", description="IANA time zone the expressions are read in.")
    start_date: OffsetDateTime | None = Field(
        default=None,
        description="First instant the schedules may fire (with a UTC offset); not with at().",
    )
    end_date: OffsetDateTime | None = Field(
        default=None,
        description="Last instant the schedules may fire (with a UTC offset); not with at().",
    )
    flexible_time_window_minutes: int | None = Field(
        default=None,
        ge=1,
        le=1440,
        description="Window in which Scheduler may start the task; unset: exactly on time.",
    )
    description: str | None = Field(
        default=None,
        max_length=DESCRIPTION_MAX_LENGTH,
        description="Schedule description; unset: generated from what runs and when.",
    )
    action_after_completion: Literal["NONE", "DELETE"] | None = Field(
        default=None,
        description="DELETE removes a schedule after its last run; unset: DELETE for at() only.",
    )
    additional_schedules: list[AdditionalSchedule] = Field(
        default_factory=list,
        description="Further schedules of the same task; each inherits what it does not set.",
    )

    # ECS target.
    launch_type: Literal["FARGATE", "EC2", "EXTERNAL"] | None = Field(
        default=None,
        description="FARGATE, EC2 or EXTERNAL; unset: FARGATE, or the capacity providers decide.",
    )
    capacity_provider_strategy: list[CapacityProviderStrategyItem] = Field(
        default_factory=list,
        max_length=6,
        description="Capacity providers that run the tasks; not with launch_type.",
    )
    platform_version: str | None = Field(
        default=None,
        min_length=1,
        max_length=PLATFORM_VERSION_MAX_LENGTH,
        description="Fargate platform version, e.g. 1.4.0; FARGATE only.",
    )
    task_count: int = Field(default=1, ge=1, le=10, description="Tasks started per run.")
    task_definition_revision: int | None = Field(
        default=None,
        ge=1,
        description="Pins a revision of task_name; unset: the latest ACTIVE revision.",
    )
    task_role_arn: ExactArn | None = Field(
        default=None,
        description="Task role passed to ECS; unset: looked up from the task definition.",
    )
    execution_role_arn: ExactArn | None = Field(
        default=None,
        description="Execution role passed to ECS; unset: looked up from the task definition.",
    )
    overrides: TaskOverrides | None = Field(
        default=None, description="ECS overrides sent as the schedule target's Input."
    )
    propagate_tags: bool = Field(
        default=False, description="Copy the task definition's tags to the tasks."
    )
    enable_ecs_managed_tags: bool = Field(
        default=False, description="Let ECS tag the tasks with the cluster and service names."
    )
    enable_execute_command: bool = Field(
        default=False, description="Allow ECS Exec into the tasks."
    )
    placement_constraints: list[PlacementConstraint] = Field(
        default_factory=list, max_length=10, description="Where tasks may be placed; EC2 only."
    )
    placement_strategy: list[PlacementStrategy] = Field(
        default_factory=list,
        max_length=5,
        description="How tasks are spread over instances; EC2 only.",
    )
    task_tags: dict[str, str] = Field(
        default_factory=dict, description="Tags on the tasks each run starts."
    )
    assign_public_ip: bool = Field(
        default=False, description="Give the tasks a public IP; FARGATE only."
    )

    # Retries and dead-letter queue.
    maximum_retry_attempts: int = Field(
        default=5,
        ge=0,
        le=185,
        description="Retries of a failed start before the event goes to the dead-letter queue.",
    )
    maximum_event_age_in_seconds: int = Field(
        default=86400, ge=60, le=86400, description="How long a failed start is retried."
    )
    dlq_message_retention_seconds: int = Field(
        default=1209600,
        ge=60,
        le=1209600,
        description="How long the dead-letter queue keeps a failed event.",
    )

    # Security.
    permissions_boundary_arn: ExactArn | None = Field(
        default=None, description="Permissions boundary of the scheduler role."
    )

    # Alarms.
    enable_dlq_alarm: bool = Field(
        default=True, description="Create the two CloudWatch alarms on the dead-letter queue."
    )
    dlq_alarm_actions: list[ExactArn] = Field(
        default_factory=list,
        max_length=ALARM_ACTIONS_MAX,
        description="SNS topic ARNs notified when an alarm fires.",
    )
    dlq_ok_actions: list[ExactArn] = Field(
        default_factory=list,
        max_length=ALARM_ACTIONS_MAX,
        description="SNS topic ARNs notified when an alarm clears.",
    )
    dlq_oldest_message_threshold_seconds: int = Field(
        default=3600,
        ge=60,
        le=1209600,
        description="Age of the oldest failed event that fires the second alarm.",
    )

    tags: dict[str, str] = Field(
        default_factory=dict, description="Extra tags on every taggable resource of the job."
    )

    @cached_property
    def _cluster_arn(self) -> Arn:
        arn = parse_arn(self.ecs_cluster_arn)
        if arn is None:
            # The loader rejects malformed cluster ARNs; only a hand-built Job gets here.
            raise ValueError(f"not an ECS cluster ARN: {self.ecs_cluster_arn!r}")
        return arn

    @property
    def region(self) -> str:
        """The AWS region of the job, taken from ``ecs_cluster_arn``."""
        return self._cluster_arn.region

    @property
    def account(self) -> str:
        """The AWS account id of the job, taken from ``ecs_cluster_arn``."""
        return self._cluster_arn.account

    @property
    def partition(self) -> str:
        """The AWS partition (``aws``, ``aws-cn``, ``aws-us-gov``…) of ``ecs_cluster_arn``."""
        return self._cluster_arn.partition

    @property
    def effective_launch_type(self) -> Literal["FARGATE", "EC2", "EXTERNAL"] | None:
        """The launch type RunTask uses; ``None`` when a capacity provider strategy decides."""
        if self.launch_type is not None:
            return self.launch_type
        return None if self.capacity_provider_strategy else "FARGATE"

    @property
    def passed_role_arns(self) -> tuple[str, ...]:
        """Every explicit role ARN the schedules pass to ECS, in order, without repeats."""
        arns: list[str] = [arn for arn in (self.task_role_arn, self.execution_role_arn) if arn]
        for spec in self.schedules:
            if spec.overrides is not None:
                arns.extend(spec.overrides.role_arns)
        return tuple(dict.fromkeys(arns))

    @cached_property
    def schedules(self) -> tuple[ScheduleSpec, ...]:
        """The primary schedule (key ``""``) and each additional schedule, fully resolved."""
        primary = self._resolve(
            key="",
            expression_text=self.schedule_expression,
            timezone=self.timezone,
            enabled=self.enabled,
            start_date=self.start_date,
            end_date=self.end_date,
            flexible_time_window_minutes=self.flexible_time_window_minutes,
            description=self.description,
            action_after_completion=self.action_after_completion,
            overrides=self.overrides,
            task_count=self.task_count,
            maximum_retry_attempts=self.maximum_retry_attempts,
            maximum_event_age_in_seconds=self.maximum_event_age_in_seconds,
        )
        additional = tuple(
            self._resolve(
                key=extra.name,
                expression_text=extra.schedule_expression,
                timezone=_first_set(extra.timezone, self.timezone),
                enabled=_first_set(extra.enabled, self.enabled),
                start_date=_first_set(extra.start_date, self.start_date),
                end_date=_first_set(extra.end_date, self.end_date),
                flexible_time_window_minutes=_first_set(
                    extra.flexible_time_window_minutes, self.flexible_time_window_minutes
                ),
                description=_first_set(extra.description, self.description),
                action_after_completion=_first_set(
                    extra.action_after_completion, self.action_after_completion
                ),
                overrides=_first_set(extra.overrides, self.overrides),
                task_count=_first_set(extra.task_count, self.task_count),
                maximum_retry_attempts=_first_set(
                    extra.maximum_retry_attempts, self.maximum_retry_attempts
                ),
                maximum_event_age_in_seconds=_first_set(
                    extra.maximum_event_age_in_seconds, self.maximum_event_age_in_seconds
                ),
            )
            for extra in self.additional_schedules
        )
        return (primary, *additional)

    def _resolve(
        self,
        *,
        key: str,
        expression_text: str,
        timezone: str,
        enabled: bool,
        start_date: datetime | None,
        end_date: datetime | None,
        flexible_time_window_minutes: int | None,
        description: str | None,
        action_after_completion: Literal["NONE", "DELETE"] | None,
        overrides: TaskOverrides | None,
        task_count: int,
        maximum_retry_attempts: int,
        maximum_event_age_in_seconds: int,
    ) -> ScheduleSpec:
        expression = parse(expression_text)
        one_time = isinstance(expression, AtExpression)
        return ScheduleSpec(
            key=key,
            expression=expression,
            expression_text=expression_text,
            timezone=timezone,
            enabled=enabled,
            # EventBridge Scheduler ignores the window of a one-time schedule.
            start_date=None if one_time else start_date,
            end_date=None if one_time else end_date,
            flexible_time_window_minutes=flexible_time_window_minutes,
            description=description
            if description is not None
            else generated_description(self.task_name, self.cluster_name, expression, timezone),
            action_after_completion=action_after_completion or ("DELETE" if one_time else "NONE"),
            overrides=overrides,
            task_count=task_count,
            maximum_retry_attempts=maximum_retry_attempts,
            maximum_event_age_in_seconds=maximum_event_age_in_seconds,
        )


def _first_set(own: T | None, inherited: T) -> T:
    return inherited if own is None else own


def generated_description(
    task_name: str, cluster_name: str, expression: Expression, timezone: str
) -> str:
    """What runs and when, for a schedule without a description of its own (≤ 512 chars)."""
    when = describe(expression, timezone)
    for text in (
        f"Runs ECS task {task_name} on cluster {cluster_name}: {when}",
        f"Runs ECS task {task_name}: {when}",
    ):
        if len(text) <= DESCRIPTION_MAX_LENGTH:
            return text
    return when[:DESCRIPTION_MAX_LENGTH]


class Stack(StrictModel):
    """One config file: a named stack of jobs. ``defaults`` are merged into jobs by the loader."""

    stack: str = Field(
        pattern=NAME_PATTERN,
        description="Name of the stack; scopes ownership: resources are tagged with it.",
    )
    jobs: dict[str, Job] = Field(
        min_length=1,
        description="The jobs, by key (1-32 of a-z, 0-9, '-'); the key is part of every name.",
    )
    defaults: dict[str, Any] = Field(default_factory=dict)


DEPRECATED_JOB_FIELDS = {"security_group_id": "security_group_ids"}
"""Fields still accepted in a file, each folded by the loader into its replacement."""


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the config file, as ``ecs-scheduler schema`` prints it.

    It describes the file as written: ``defaults`` takes any job field, job keys follow the
    naming rule, and the deprecated ``security_group_id`` is listed with ``deprecated: true``.
    A job's required fields may come from ``defaults``, so the schema lists them in the job's
    description rather than in ``required``. Rules across fields are checked by the loader.
    """
    schema = Stack.model_json_schema()
    definitions: dict[str, Any] = schema["$defs"]
    job_schema: dict[str, Any] = definitions["Job"]
    required: list[str] = job_schema.pop("required")
    job_schema["description"] = (
        f"{job_schema['description']} Required, here or in defaults: {', '.join(required)}."
    )
    job_schema["properties"]["security_group_id"] = {
        "type": "string",
        "deprecated": True,
        "description": "Deprecated: use security_group_ids (folded into it, with a warning).",
    }
    defaults_schema = {
        "type": "object",
        "description": "Any job field; a job's own value wins; lists and maps replace.",
        "properties": job_schema["properties"],
        "additionalProperties": False,
    }
    schema["properties"]["defaults"] = defaults_schema
    schema["properties"]["jobs"]["propertyNames"] = {"pattern": NAME_PATTERN}
    # Top-level "x-" keys hold YAML anchors for reuse and are otherwise ignored.
    schema["patternProperties"] = {"^x-": {}}
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "ecs-scheduler config"
    return schema
