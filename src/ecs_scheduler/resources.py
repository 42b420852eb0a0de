"""Stack -> DesiredState: every resource of every job, by address (DESIGN §4).

Conventions every engine relies on:

- ``Resource.properties`` are shaped like the AWS API request that creates the resource
  (boto3 parameter names, PascalCase), without the name and tags, which have fields of
  their own. Policy documents are dicts, never JSON strings; the schedule target's ``Input``
  is a dict too (engines serialise it).
- A value that cannot be known offline (the task definition revision, the task and execution
  roles looked up from it) is a :class:`Lookup` placed where the value goes. The AWS engine
  resolves it from DescribeTaskDefinition, Terraform from ``data "aws_ecs_task_definition"``,
  CloudFormation from a parameter.
- ``DesiredState.resources`` is ordered so that every resource comes after its dependencies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

ResourceType = Literal[
    "aws_scheduler_schedule_group",
    "aws_scheduler_schedule",
    "aws_iam_role",
    "aws_iam_role_policy",
    "aws_sqs_queue",
    "aws_sqs_queue_policy",
    "aws_cloudwatch_metric_alarm",
]

LookupAttribute = Literal["task_definition_arn", "task_role_arn", "execution_role_arn"]


@dataclass(frozen=True)
class Lookup:
    """A value of a job's task definition that is resolved by the engine, not known offline."""

    job: str
    attribute: LookupAttribute


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


@dataclass(frozen=True)
class TaskDefinitionRef:
    """Which task definition a job runs; the engines resolve it to an ARN and roles."""

    family: str
    revision: int | None  # None: the latest ACTIVE revision
    task_role_arn: str | None  # set when the config names it; otherwise looked up
    execution_role_arn: str | None


@dataclass(frozen=True)
class DesiredState:
    stack: str
    resources: Mapping[str, Resource]
    task_definitions: Mapping[str, TaskDefinitionRef]  # by job
    outputs: Mapping[str, Mapping[str, Any]]  # job -> output name -> value
