"""The typed config: one YAML file is one :class:`Stack` of :class:`Job` s (DESIGN §3).

This module holds the models only. ``loader.py`` turns a YAML file into a ``Stack`` and
reports errors with file, line, column and field path.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

NAME_PATTERN = r"^[a-z0-9-]{1,32}$"
SCHEDULE_NAME_PATTERN = r"^[0-9A-Za-z_.-]+$"


class StrictModel(BaseModel):
    """Unknown fields are errors; values are immutable once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class CapacityProviderStrategyItem(StrictModel):
    capacity_provider: str = Field(min_length=1, max_length=255)
    weight: int = Field(default=0, ge=0, le=1000)
    base: int = Field(default=0, ge=0, le=100000)


class PlacementConstraint(StrictModel):
    type: Literal["distinctInstance", "memberOf"]
    expression: str | None = Field(default=None, max_length=2000)


class PlacementStrategy(StrictModel):
    type: Literal["random", "spread", "binpack"]
    field: str | None = Field(default=None, max_length=255)


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
    cpu: str | None = None
    memory: str | None = None
    taskRoleArn: str | None = None  # noqa: N815
    executionRoleArn: str | None = None  # noqa: N815
    ephemeralStorage: EphemeralStorage | None = None  # noqa: N815


class AdditionalSchedule(StrictModel):
    """A further schedule of the same task; unset fields inherit the job's values."""

    name: str = Field(min_length=1, max_length=64, pattern=SCHEDULE_NAME_PATTERN)
    schedule_expression: str
    timezone: str | None = None
    enabled: bool | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    flexible_time_window_minutes: int | None = Field(default=None, ge=1, le=1440)
    description: str | None = Field(default=None, max_length=512)
    action_after_completion: Literal["NONE", "DELETE"] | None = None
    overrides: TaskOverrides | None = None
    task_count: int | None = Field(default=None, ge=1, le=10)
    maximum_retry_attempts: int | None = Field(default=None, ge=0, le=185)
    maximum_event_age_in_seconds: int | None = Field(default=None, ge=60, le=86400)


class Job(StrictModel):
    """One scheduled ECS task: the variables of the ECS Scheduler module, v2."""

    # Required.
    cluster_name: str = Field(min_length=1, max_length=255)
    ecs_cluster_arn: str
    task_name: str = Field(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9_-]+$")
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
    start_date: datetime | None = None
    end_date: datetime | None = None
    flexible_time_window_minutes: int | None = Field(default=None, ge=1, le=1440)
    description: str | None = Field(default=None, max_length=512)
    action_after_completion: Literal["NONE", "DELETE"] | None = None
    additional_schedules: list[AdditionalSchedule] = Field(default_factory=list)

    # ECS target.
    launch_type: Literal["FARGATE", "EC2", "EXTERNAL"] | None = None
    capacity_provider_strategy: list[CapacityProviderStrategyItem] = Field(
        default_factory=list, max_length=6
    )
    platform_version: str | None = None
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


class Stack(StrictModel):
    """One config file: a named stack of jobs. ``defaults`` are merged into jobs by the loader."""

    stack: str = Field(pattern=NAME_PATTERN)
    jobs: dict[str, Job] = Field(min_length=1)
    defaults: dict[str, Any] = Field(default_factory=dict)
