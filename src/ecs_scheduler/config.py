"""The typed config: one YAML file is one :class:`Stack` of :class:`Job` s (DESIGN §3).

This module holds the models, the ARN grammar they rely on and the JSON Schema of the file.
``loader.py`` turns a YAML file into a ``Stack``: it merges ``defaults:``, applies the
cross-field rules and reports every error with file, line, column and field path. A ``Stack``
obtained from the loader is therefore valid as a whole, and the properties below (region,
account, resolved schedules) can be trusted without checking again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, Strict

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
    capacity_provider: str = Field(min_length=1, max_length=255)
    weight: int = Field(default=0, ge=0, le=1000)
    base: int = Field(default=0, ge=0, le=100000)


class PlacementConstraint(StrictModel):
    type: Literal["distinctInstance", "memberOf"]
    expression: str | None = Field(default=None, min_length=1, max_length=2000)


class PlacementStrategy(StrictModel):
    type: Literal["random", "spread", "binpack"]
    field: str | None = Field(default=None, min_length=1, max_length=255)


class KeyValuePair(StrictModel):
    name: str
    value: str


class EnvironmentFile(StrictModel):
    type: Literal["s3"]
    value: str


class ResourceRequirement(StrictModel):
    type: Literal["GPU", "InferenceAccelerator"]
    value: str


class ContainerOverride(StrictModel):
    """One entry of ECS ``containerOverrides`` (camelCase, as the ECS API spells it)."""

    name: str = Field(min_length=1)
    command: list[str] | None = None
    environment: list[KeyValuePair] | None = None
    environmentFiles: list[EnvironmentFile] | None = None  # noqa: N815 - ECS API name
    cpu: int | None = Field(default=None, ge=0)
    memory: int | None = Field(default=None, ge=0)
    memoryReservation: int | None = Field(default=None, ge=0)  # noqa: N815
    resourceRequirements: list[ResourceRequirement] | None = None  # noqa: N815


class EphemeralStorage(StrictModel):
    sizeInGiB: int = Field(ge=21, le=200)  # noqa: N815


class TaskOverrides(StrictModel):
    """The ECS task override sent as the schedule target's ``Input``."""

    containerOverrides: list[ContainerOverride] | None = None  # noqa: N815
    cpu: str | None = Field(default=None, pattern=TASK_CPU_PATTERN)
    memory: str | None = Field(default=None, pattern=TASK_MEMORY_PATTERN)
    taskRoleArn: str | None = None  # noqa: N815
    executionRoleArn: str | None = None  # noqa: N815
    ephemeralStorage: EphemeralStorage | None = None  # noqa: N815

    @property
    def role_arns(self) -> tuple[str, ...]:
        """The roles this override passes to ECS (they need ``iam:PassRole``)."""
        return tuple(arn for arn in (self.taskRoleArn, self.executionRoleArn) if arn)


class AdditionalSchedule(StrictModel):
    """A further schedule of the same task; unset fields inherit the job's values."""

    name: str = Field(min_length=1, max_length=64, pattern=SCHEDULE_NAME_PATTERN)
    schedule_expression: str
    timezone: str | None = None
    enabled: bool | None = None
    start_date: OffsetDateTime | None = None
    end_date: OffsetDateTime | None = None
    flexible_time_window_minutes: int | None = Field(default=None, ge=1, le=1440)
    description: str | None = Field(default=None, max_length=DESCRIPTION_MAX_LENGTH)
    action_after_completion: Literal["NONE", "DELETE"] | None = None
    overrides: TaskOverrides | None = None
    task_count: int | None = Field(default=None, ge=1, le=10)
    maximum_retry_attempts: int | None = Field(default=None, ge=0, le=185)
    maximum_event_age_in_seconds: int | None = Field(default=None, ge=60, le=86400)


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
    cluster_name: str = Field(min_length=1, max_length=255)
    ecs_cluster_arn: str
    task_name: str = Field(min_length=1, max_length=255, pattern=TASK_FAMILY_PATTERN)
    schedule_expression: str
    trusted_compute_subnets: list[str] = Field(min_length=1, max_length=16)
    security_group_ids: list[str] = Field(min_length=1, max_length=5)
    kms_key_arn: str
    resource_owner: str = Field(min_length=1)
    billing_entity: str = Field(min_length=1)
    billing_domain: str = Field(min_length=1)
    security_domain: str = Field(min_length=1)
    aws_region_short_code: str = Field(min_length=1)

    # Schedule.
    enabled: bool = True
    timezone: str = "UTC"
    start_date: OffsetDateTime | None = None
    end_date: OffsetDateTime | None = None
    flexible_time_window_minutes: int | None = Field(default=None, ge=1, le=1440)
    description: str | None = Field(default=None, max_length=DESCRIPTION_MAX_LENGTH)
    action_after_completion: Literal["NONE", "DELETE"] | None = None
    # How long a run takes, for the calendar's concurrency forecast; never sent to AWS.
    expected_duration_minutes: int | None = Field(default=None, ge=1, le=10080)
    additional_schedules: list[AdditionalSchedule] = Field(default_factory=list)

    # ECS target.
    launch_type: Literal["FARGATE", "EC2", "EXTERNAL"] | None = None
    capacity_provider_strategy: list[CapacityProviderStrategyItem] = Field(
        default_factory=list, max_length=6
    )
    platform_version: str | None = Field(default=None, min_length=1)
    task_count: int = Field(default=1, ge=1, le=10)
    task_definition_revision: int | None = Field(default=None, ge=1)
    task_role_arn: str | None = None
    execution_role_arn: str | None = None
    overrides: TaskOverrides | None = None
    propagate_tags: bool = False
    enable_ecs_managed_tags: bool = False
    enable_execute_command: bool = False
    placement_constraints: list[PlacementConstraint] = Field(default_factory=list, max_length=10)
    placement_strategy: list[PlacementStrategy] = Field(default_factory=list, max_length=5)
    task_tags: dict[str, str] = Field(default_factory=dict)
    assign_public_ip: bool = False

    # Retries and dead-letter queue.
    maximum_retry_attempts: int = Field(default=5, ge=0, le=185)
    maximum_event_age_in_seconds: int = Field(default=86400, ge=60, le=86400)
    dlq_message_retention_seconds: int = Field(default=1209600, ge=60, le=1209600)

    # Security.
    permissions_boundary_arn: str | None = None

    # Alarms.
    enable_dlq_alarm: bool = True
    dlq_alarm_actions: list[str] = Field(default_factory=list)
    dlq_ok_actions: list[str] = Field(default_factory=list)
    dlq_oldest_message_threshold_seconds: int = Field(default=3600, ge=60, le=1209600)

    tags: dict[str, str] = Field(default_factory=dict)

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

    stack: str = Field(pattern=NAME_PATTERN)
    jobs: dict[str, Job] = Field(min_length=1)
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
