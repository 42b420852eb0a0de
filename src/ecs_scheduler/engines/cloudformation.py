"""DesiredState -> one CloudFormation template per stack, as YAML (issue 3, item 5).

The template holds the same resources and outputs as the Terraform export, rendered from the
model's properties (shaped like boto3 requests) into CloudFormation's property names:

- A :class:`~ecs_scheduler.resources.Ref` (another resource's ARN, name or URL) becomes
  ``!GetAtt``/``!Ref``, so that CloudFormation sees the dependencies and orders creation
  itself; ``DependsOn`` is added only where the model names a dependency that no reference
  carries.
- Values CloudFormation cannot find out (the task definition ARN and the roles read from it)
  are parameters, one per job and attribute, with an ``AllowedPattern`` and the command that
  prints the value.
- Logical IDs are the job key and the resource's role in PascalCase (``DailyReportSchedule``),
  so they stay the same from one export to the next; two keys that would collapse to the same
  ID both get a hash of their address appended.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from ecs_scheduler.engines.cloudformation_yaml import (
    NO_VALUE,
    Condition,
    Function,
    GetAtt,
    Intrinsic,
    Ref,
    dump_template,
    referenced_logical_ids,
)
from ecs_scheduler.errors import EcsSchedulerError
from ecs_scheduler.kinds import KINDS, RefAttribute
from ecs_scheduler.resources import (
    DesiredState,
    Lookup,
    LookupAttribute,
    Resource,
    ResourceType,
    TaskDefinitionRef,
    without_passed_start_dates,
)
from ecs_scheduler.resources import Ref as ResourceRef


class CloudFormationExportError(EcsSchedulerError):
    """The desired state cannot be written as a CloudFormation template."""


TEMPLATE_FORMAT_VERSION: Final = "2010-09-09"
# CloudFormation's per-template quotas (a template this large must be uploaded through S3).
TEMPLATE_QUOTAS: Final[Mapping[str, int]] = {"Parameters": 200, "Resources": 500, "Outputs": 200}
MAX_TEMPLATE_BYTES: Final = 1_000_000
METADATA_KEY: Final = "ecs-scheduler"

# Roles a task definition may lack: their parameters may be left empty, and then drop out.
OPTIONAL_LOOKUPS: Final[Mapping[LookupAttribute, str]] = {
    "task_role_arn": "TaskRole",
    "execution_role_arn": "ExecutionRole",
}

PARAMETER_SUFFIXES: Final[Mapping[LookupAttribute, str]] = {
    "task_definition_arn": "TaskDefinitionArn",
    "task_role_arn": "TaskRoleArn",
    "execution_role_arn": "ExecutionRoleArn",
}

_LOOKUP_QUERIES: Final[Mapping[LookupAttribute, str]] = {
    "task_definition_arn": "taskDefinition.taskDefinitionArn",
    "task_role_arn": "taskDefinition.taskRoleArn",
    "execution_role_arn": "taskDefinition.executionRoleArn",
}

_LOOKUP_WHAT: Final[Mapping[LookupAttribute, str]] = {
    "task_definition_arn": "ARN of the task definition",
    "task_role_arn": "task role ARN (allowed in iam:PassRole) of the task definition",
    "execution_role_arn": "execution role ARN (allowed in iam:PassRole) of the task definition",
}

_CONFIG_FIELD_SKIPPING_LOOKUP: Final[Mapping[LookupAttribute, str]] = {
    "task_definition_arn": "task_definition_revision",
    "task_role_arn": "task_role_arn",
    "execution_role_arn": "execution_role_arn",
}

# SQS queue attributes (strings in the API) that CloudFormation takes as integers.
_INTEGER_QUEUE_ATTRIBUTES: Final = frozenset(
    {
        "DelaySeconds",
        "KmsDataKeyReusePeriodSeconds",
        "MaximumMessageSize",
        "MessageRetentionPeriod",
        "ReceiveMessageWaitTimeSeconds",
        "VisibilityTimeout",
    }
)
_STRING_QUEUE_ATTRIBUTES: Final = frozenset({"KmsMasterKeyId"})
# SQS queue attributes (JSON text in the API) that CloudFormation takes as JSON objects.
_JSON_QUEUE_ATTRIBUTES: Final = frozenset({"RedriveAllowPolicy"})

# EcsParameters members whose nested keys are camelCase in the API, PascalCase in CloudFormation.
_ECS_CAMEL_CASE_MEMBERS: Final = frozenset(
    {
        "NetworkConfiguration",
        "CapacityProviderStrategy",
        "PlacementConstraints",
        "PlacementStrategy",
    }
)

_SCHEDULE_PROPERTIES: Final = frozenset(
    {
        "Description",
        "EndDate",
        "FlexibleTimeWindow",
        "KmsKeyArn",
        "ScheduleExpression",
        "ScheduleExpressionTimezone",
        "StartDate",
        "State",
    }
)
_TARGET_PROPERTIES: Final = frozenset({"Arn", "RoleArn", "RetryPolicy", "DeadLetterConfig"})
# API properties AWS::Scheduler::Schedule lacks, with the value CloudFormation implies. A
# different value is recorded in the resource's Metadata rather than failing the export: a
# one-time schedule that CloudFormation owns stays, disabled by time, until the stack drops it.
_UNSUPPORTED_SCHEDULE_PROPERTIES: Final[Mapping[str, Any]] = {"ActionAfterCompletion": "NONE"}

_WORD_SEPARATORS: Final = re.compile(r"[^A-Za-z0-9]+")
_HASH_LENGTH: Final = 8
# What the primary schedule's empty key is called in output IDs and export names.
_PRIMARY_KEY_WORD: Final = "primary"


def export_cloudformation(
    desired: DesiredState, out_dir: Path, *, now: datetime | None = None
) -> list[Path]:
    """Write ``<out_dir>/<stack>.yaml``; returns the files written."""
    text = render_template(desired, now=now)
    path = out_dir / f"{desired.stack}.yaml"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise CloudFormationExportError(
            f"cannot write the CloudFormation template {path}: {error.strerror or error}"
        ) from error
    return [path]


def render_template(desired: DesiredState, *, now: datetime | None = None) -> str:
    """The stack's template as YAML text, byte-for-byte the same for the same desired state."""
    template = build_template(desired, now=now)
    text = dump_template(template)
    _check_quotas(desired.stack, template, text)
    return text


def _check_quotas(stack: str, template: Mapping[str, Any], text: str) -> None:
    """CloudFormation refuses a template over its quotas; say so now, all at once."""
    exceeded = [
        f"{len(template.get(section, {}))} {section.lower()} (at most {limit})"
        for section, limit in TEMPLATE_QUOTAS.items()
        if len(template.get(section, {})) > limit
    ]
    size = len(text.encode("utf-8"))
    if size > MAX_TEMPLATE_BYTES:
        exceeded.append(f"{size} bytes (at most {MAX_TEMPLATE_BYTES})")
    if exceeded:
        jobs = len(template["Metadata"][METADATA_KEY]["jobs"])
        raise CloudFormationExportError(
            f"the CloudFormation template of stack {stack} ({jobs} jobs) would have "
            f"{', '.join(exceeded)}, over CloudFormation's quotas for one template; split the "
            "jobs into several config files, one stack each"
        )


def build_template(desired: DesiredState, *, now: datetime | None = None) -> dict[str, Any]:
    """The stack's template as a dict; intrinsics are the dataclasses of cloudformation_yaml.

    A start date that has passed by ``now`` (default: the current time) is left out, as the
    AWS engine leaves it out: Scheduler would reject it.
    """
    desired = without_passed_start_dates(desired, now or datetime.now(UTC))
    context = _Context.of(desired)
    resources = {
        context.resource_ids[resource.address]: _render_resource(resource, context)
        for resource in desired.resources.values()
        if not is_inline(resource.type)
    }
    template: dict[str, Any] = {
        "AWSTemplateFormatVersion": TEMPLATE_FORMAT_VERSION,
        "Description": _description(desired),
        "Metadata": _template_metadata(desired, context),
    }
    if context.parameters:
        template["Parameters"] = {
            parameter.logical_id: _render_parameter(parameter, desired, context)
            for parameter in context.parameters
        }
    template["Rules"] = _deployment_rules(desired, context)
    if context.conditions:
        template["Conditions"] = dict(context.conditions)
    template["Resources"] = resources
    outputs = _render_outputs(desired, context)
    if outputs:
        template["Outputs"] = outputs
    return template


# --------------------------------------------------------------------------- logical IDs


def pascal_case(text: str) -> str:
    """``daily-report`` -> ``DailyReport``; ``nightly.v2`` -> ``NightlyV2``."""
    return "".join(word[:1].upper() + word[1:] for word in _WORD_SEPARATORS.split(text))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:_HASH_LENGTH].upper()


def unique_logical_ids(wanted: Mapping[str, str], joiner: str = "") -> dict[str, str]:
    """identity -> ID: the wanted ID, or, where several identities want the same one, that ID
    with a hash of the identity, so no ID depends on which identity came first."""
    demand = Counter(wanted.values())
    return {
        identity: wanted_id if demand[wanted_id] == 1 else f"{wanted_id}{joiner}{_digest(identity)}"
        for identity, wanted_id in wanted.items()
    }


def is_inline(resource_type: ResourceType) -> bool:
    """Whether CloudFormation has no resource of this kind: its kind shares its parent's
    CloudFormation type (kinds.py), whose template resource lists it (a rule's targets)."""
    kind = KINDS[resource_type]
    return (
        kind.parent is not None
        and KINDS[kind.parent].cloudformation_type == kind.cloudformation_type
    )


def _resource_role(resource: Resource) -> str:
    """The part of a logical ID after the job: which of the job's resources this is."""
    kind = KINDS[resource.type]
    if kind.cloudformation_id is None:
        raise CloudFormationExportError(
            f"{resource.address}: {kind.cloudformation_type} names no logical ID for it"
        )
    return kind.cloudformation_id.format(
        name=pascal_case(resource.name), key=pascal_case(resource.key or "")
    )


def _parameter_identity(job: str, attribute: LookupAttribute) -> str:
    return f"parameter:{job}:{attribute}"


def _condition_identity(lookups: Iterable[Lookup]) -> str:
    return "condition:" + "|".join(f"{lookup.job}:{lookup.attribute}" for lookup in lookups)


@dataclass(frozen=True)
class _Parameter:
    logical_id: str
    lookup: Lookup

    @property
    def optional(self) -> bool:
        return self.lookup.attribute in OPTIONAL_LOOKUPS


@dataclass(frozen=True)
class _ArnParts:
    partition: str
    region: str
    account: str


def _arn_parts(arn: str) -> _ArnParts | None:
    fields = arn.split(":", 5)
    if len(fields) != 6 or fields[0] != "arn":
        return None
    return _ArnParts(partition=fields[1], region=fields[3], account=fields[4])


@dataclass(frozen=True)
class _Context:
    """What rendering needs to know about the whole template."""

    resource_ids: Mapping[str, str]  # address -> logical ID
    parameters: tuple[_Parameter, ...]
    parameter_ids: Mapping[Lookup, str]
    resource_types: Mapping[str, ResourceType]  # address -> type
    job_regions: Mapping[str, _ArnParts]
    conditions: Mapping[str, Function]  # logical ID -> expression, in template order
    lookup_conditions: Mapping[Lookup, str]  # optional lookup -> "a value was given"
    any_conditions: Mapping[frozenset[Lookup], str]  # lookups -> "any of them was given"
    # parent address -> the resources its template resource lists inline (is_inline)
    inline_members: Mapping[str, tuple[Resource, ...]]

    @classmethod
    def of(cls, desired: DesiredState) -> _Context:
        lookups = _lookups_in_order(desired)
        wanted = {
            resource.address: pascal_case(resource.job) + _resource_role(resource)
            for resource in desired.resources.values()
            if not is_inline(resource.type)
        }
        inline_members: dict[str, tuple[Resource, ...]] = {}
        for resource in desired.resources.values():
            if is_inline(resource.type):
                parent = _inline_parent(resource, desired)
                inline_members[parent] = (*inline_members.get(parent, ()), resource)
        wanted.update(
            {
                _parameter_identity(lookup.job, lookup.attribute): pascal_case(lookup.job)
                + PARAMETER_SUFFIXES[lookup.attribute]
                for lookup in lookups
            }
        )
        optional = [lookup for lookup in lookups if lookup.attribute in OPTIONAL_LOOKUPS]
        combined = _optional_only_lists(desired)
        wanted.update(
            {
                _condition_identity([lookup]): pascal_case(lookup.job)
                + "Has"
                + OPTIONAL_LOOKUPS[lookup.attribute]
                for lookup in optional
            }
        )
        wanted.update(
            {
                _condition_identity(group): pascal_case(group[0].job)
                + "Has"
                + "Or".join(OPTIONAL_LOOKUPS[lookup.attribute] for lookup in group)
                for group in combined
            }
        )
        ids = unique_logical_ids(wanted)
        parameters = tuple(
            _Parameter(ids[_parameter_identity(lookup.job, lookup.attribute)], lookup)
            for lookup in lookups
        )
        parameter_ids = {parameter.lookup: parameter.logical_id for parameter in parameters}
        lookup_conditions = {lookup: ids[_condition_identity([lookup])] for lookup in optional}
        conditions: dict[str, Function] = {
            lookup_conditions[lookup]: Function(
                "Not", (Function("Equals", (Ref(parameter_ids[lookup]), "")),)
            )
            for lookup in optional
        }
        any_conditions = {frozenset(group): ids[_condition_identity(group)] for group in combined}
        conditions.update(
            {
                any_conditions[frozenset(group)]: Function(
                    "Or", tuple(Condition(lookup_conditions[lookup]) for lookup in group)
                )
                for group in combined
            }
        )
        job_regions: dict[str, _ArnParts] = {}
        for resource in desired.resources.values():
            parts = _arn_parts(resource.arn)
            if parts is not None:
                job_regions.setdefault(resource.job, parts)
        resource_ids = {
            address: ids[address]
            for address, resource in desired.resources.items()
            if not is_inline(resource.type)
        }
        # An inline member is its parent's resource: a dependency on it is one on the parent.
        resource_ids.update(
            {
                member.address: resource_ids[parent]
                for parent, members in inline_members.items()
                for member in members
            }
        )
        return cls(
            resource_ids=resource_ids,
            parameters=parameters,
            parameter_ids=parameter_ids,
            resource_types={address: r.type for address, r in desired.resources.items()},
            job_regions=job_regions,
            conditions=conditions,
            lookup_conditions=lookup_conditions,
            any_conditions=any_conditions,
            inline_members=inline_members,
        )


def _inline_parent(resource: Resource, desired: DesiredState) -> str:
    if resource.parent is None or resource.parent not in desired.resources:
        raise CloudFormationExportError(
            f"{resource.address} has no {KINDS[resource.type].cloudformation_type} of its own "
            "and names no resource of the stack to list it in"
        )
    return resource.parent


def _iter_lookups(value: Any) -> Iterator[Lookup]:
    if isinstance(value, Lookup):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _iter_lookups(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _iter_lookups(item)


def _optional_only_list(value: Any) -> tuple[Lookup, ...] | None:
    """The lookups of a list made of optional lookups only (it may end up empty), else None."""
    if not isinstance(value, list | tuple) or not value:
        return None
    if all(isinstance(item, Lookup) and item.attribute in OPTIONAL_LOOKUPS for item in value):
        return tuple(value)
    return None


def _iter_optional_only_lists(value: Any) -> Iterator[tuple[Lookup, ...]]:
    found = _optional_only_list(value)
    if found is not None:
        yield found
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _iter_optional_only_lists(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _iter_optional_only_lists(item)


def _optional_only_lists(desired: DesiredState) -> list[tuple[Lookup, ...]]:
    """Lists of two or more optional lookups only: an "any of them" condition each."""
    found = {
        group: None
        for resource in desired.resources.values()
        for group in _iter_optional_only_lists(resource.properties)
        if len(group) > 1
    }
    return list(found)


def _lookups_in_order(desired: DesiredState) -> list[Lookup]:
    """Every lookup the template needs, by job (in config order), then attribute."""
    found: set[Lookup] = set()
    for resource in desired.resources.values():
        found.update(_iter_lookups(resource.properties))
    for job_outputs in desired.outputs.values():
        found.update(_iter_lookups(job_outputs))
    job_order = {job: index for index, job in enumerate(desired.task_definitions)}
    attribute_order = {attribute: index for index, attribute in enumerate(PARAMETER_SUFFIXES)}
    return sorted(
        found,
        key=lambda lookup: (
            job_order.get(lookup.job, len(job_order)),
            lookup.job,
            attribute_order[lookup.attribute],
        ),
    )


# --------------------------------------------------------------------------- values


def _cfn_value(value: Any, context: _Context) -> Any:
    """A model value as template data: lookups become parameter references, refs to resources
    of the template become ``!GetAtt``/``!Ref``, ``None`` is left out.
    """
    if isinstance(value, Ref | GetAtt | Condition | Function):
        return value
    if isinstance(value, Lookup):
        return Ref(context.parameter_ids[value])
    if isinstance(value, ResourceRef):
        return _intrinsic(value, context)
    if isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, datetime):
        return _timestamp(value)
    if isinstance(value, Mapping):
        rendered = {
            str(key): _cfn_value(item, context) for key, item in value.items() if item is not None
        }
        return _unless_all_resources_absent(value, rendered, context)
    if isinstance(value, list | tuple):
        return [_list_item(item, context) for item in value]
    raise CloudFormationExportError(
        f"cannot write {value!r} (a {type(value).__name__}) into a CloudFormation template"
    )


def _list_item(item: Any, context: _Context) -> Any:
    """An optional lookup left empty drops out of its list, as the AWS engine drops it."""
    condition = context.lookup_conditions.get(item) if isinstance(item, Lookup) else None
    if condition is None:
        return _cfn_value(item, context)
    return Function("If", (condition, Ref(context.parameter_ids[item]), NO_VALUE))


def _unless_all_resources_absent(
    statement: Mapping[str, Any], rendered: dict[str, Any], context: _Context
) -> Any:
    """A policy statement whose resources are all optional lookups goes when all are empty."""
    group = _optional_only_list(statement.get("Resource"))
    if group is None:
        return rendered
    condition = (
        context.lookup_conditions[group[0]]
        if len(group) == 1
        else context.any_conditions[frozenset(group)]
    )
    return Function("If", (condition, rendered, NO_VALUE))


def _timestamp(moment: datetime) -> str:
    """A schedule's StartDate/EndDate, in UTC with ``Z``: the same instant in the form every
    checker of the ``date-time`` format accepts (cfn-lint rejects numeric offsets)."""
    if moment.tzinfo is None:
        raise CloudFormationExportError(
            f"the time {moment.isoformat()} has no UTC offset, so it names no instant"
        )
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _intrinsic(ref: ResourceRef, context: _Context) -> Intrinsic:
    """``!Ref`` where it gives what ``ref`` names, else ``!GetAtt`` of the attribute that does."""
    logical_id = context.resource_ids.get(ref.address)
    if logical_id is None:
        raise CloudFormationExportError(
            f"a value refers to {ref.address}, which the stack does not contain"
        )
    kind = KINDS[context.resource_types[ref.address]]
    if kind.cloudformation_ref == ref.attribute:
        return Ref(logical_id)
    attribute = kind.cloudformation_attributes.get(ref.attribute)
    if attribute is None:
        raise CloudFormationExportError(
            f"{kind.cloudformation_type} {logical_id} has no {ref.attribute} to refer to"
        )
    return GetAtt(logical_id, attribute)


def _tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def _with_tags(properties: dict[str, Any], resource: Resource) -> dict[str, Any]:
    if resource.tags:
        properties["Tags"] = _tag_list(resource.tags)
    return properties


def _unexpected(resource: Resource, key: str) -> CloudFormationExportError:
    return CloudFormationExportError(
        f"{resource.address}: property {key} has no CloudFormation equivalent in "
        f"{KINDS[resource.type].cloudformation_type}; the CloudFormation export cannot represent it"
    )


def _parent(resource: Resource, attribute: RefAttribute) -> ResourceRef:
    """The ``attribute`` of the resource ``resource`` lives inside: a schedule's group, a
    policy's role or queue."""
    if resource.parent is None:
        raise CloudFormationExportError(
            f"{resource.address} names no resource it belongs to; "
            f"{KINDS[resource.type].cloudformation_type} needs one"
        )
    return ResourceRef(resource.parent, attribute)


def _pass_through(
    resource: Resource, properties: Mapping[str, Any], allowed: frozenset[str]
) -> dict[str, Any]:
    for key in properties:
        if key not in allowed:
            raise _unexpected(resource, key)
    return dict(properties)


def _capitalised_keys(value: Any) -> Any:
    """camelCase keys of an ECS API structure -> the PascalCase CloudFormation uses."""
    if isinstance(value, Mapping):
        return {
            str(key)[:1].upper() + str(key)[1:]: _capitalised_keys(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_capitalised_keys(item) for item in value]
    return value


# --------------------------------------------------------------------------- properties


def _schedule_properties(resource: Resource) -> dict[str, Any]:
    properties: dict[str, Any] = {"Name": resource.aws_name, "GroupName": _parent(resource, "name")}
    for key, value in resource.properties.items():
        if key in _UNSUPPORTED_SCHEDULE_PROPERTIES:
            continue
        if key == "Target":
            properties[key] = _schedule_target(resource, value)
        elif key in _SCHEDULE_PROPERTIES:
            properties[key] = value
        else:
            raise _unexpected(resource, key)
    return properties


def _schedule_target(resource: Resource, target: Mapping[str, Any]) -> dict[str, Any]:
    rendered: dict[str, Any] = {}
    for key, value in target.items():
        if key == "Input":
            rendered[key] = _target_input(resource, value)
        elif key == "EcsParameters":
            rendered[key] = {
                member: _capitalised_keys(item) if member in _ECS_CAMEL_CASE_MEMBERS else item
                for member, item in value.items()
            }
        elif key in _TARGET_PROPERTIES:
            rendered[key] = value
        else:
            raise _unexpected(resource, f"Target.{key}")
    return rendered


def _target_input(resource: Resource, value: Any) -> str:
    """CloudFormation takes the target input as a string: the JSON the API would receive."""
    if isinstance(value, str):
        return value
    if _contains_unresolved(value):
        raise CloudFormationExportError(
            f"{resource.address}: the target input holds a value known only from the task "
            "definition, which a CloudFormation string property cannot reference"
        )
    return json.dumps(value, separators=(",", ":"), sort_keys=False)


def _contains_unresolved(value: Any) -> bool:
    return any(True for _ in _iter_lookups(value))


def _role_policy_properties(resource: Resource) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "PolicyName": resource.aws_name,
        "RoleName": _parent(resource, "name"),
    }
    for key, value in resource.properties.items():
        if key == "PolicyDocument":
            properties[key] = value
        elif key != "PolicyName":
            raise _unexpected(resource, key)
    return properties


def _queue_properties(resource: Resource) -> dict[str, Any]:
    properties: dict[str, Any] = {"QueueName": resource.aws_name}
    for key, value in resource.properties.items():
        if key != "Attributes":
            raise _unexpected(resource, key)
        for attribute, setting in value.items():
            if attribute in _INTEGER_QUEUE_ATTRIBUTES:
                properties[attribute] = int(setting)
            elif attribute in _STRING_QUEUE_ATTRIBUTES:
                properties[attribute] = setting
            elif attribute in _JSON_QUEUE_ATTRIBUTES:
                properties[attribute] = json.loads(setting)
            else:
                raise _unexpected(resource, f"Attributes.{attribute}")
    return _with_tags(properties, resource)


def _queue_policy_properties(resource: Resource) -> dict[str, Any]:
    properties: dict[str, Any] = {"Queues": [_parent(resource, "url")]}
    for key, value in resource.properties.items():
        if key != "Policy":
            raise _unexpected(resource, key)
        properties["PolicyDocument"] = value
    return properties


def _described_properties(resource: Resource) -> dict[str, Any]:
    """The properties of a kind written as they are (kinds.py): its name, the request members
    its type takes, and its tags."""
    kind = KINDS[resource.type]
    properties: dict[str, Any] = {}
    if kind.cloudformation_name_property is not None:
        properties[kind.cloudformation_name_property] = resource.aws_name
    properties.update(_pass_through(resource, resource.properties, kind.cloudformation_properties))
    return _with_tags(properties, resource)


# The kinds whose properties need translating; every other kind is written as kinds.py says.
_PROPERTY_RENDERERS: Final[Mapping[ResourceType, Callable[[Resource], dict[str, Any]]]] = {
    "aws_scheduler_schedule": _schedule_properties,
    "aws_iam_role_policy": _role_policy_properties,
    "aws_sqs_queue": _queue_properties,
    "aws_sqs_queue_policy": _queue_policy_properties,
}


def _properties(resource: Resource) -> dict[str, Any]:
    return _PROPERTY_RENDERERS.get(resource.type, _described_properties)(resource)


# --------------------------------------------------------------------------- resources


def _render_resource(resource: Resource, context: _Context) -> dict[str, Any]:
    kind = KINDS[resource.type]
    cloudformation_type = kind.cloudformation_type
    members = context.inline_members.get(resource.address, ())
    raw = _properties(resource)
    if members:
        if kind.cloudformation_members_property is None:
            raise CloudFormationExportError(
                f"{resource.address}: {cloudformation_type} has no property to list "
                f"{', '.join(member.address for member in members)} in"
            )
        raw[kind.cloudformation_members_property] = [_properties(member) for member in members]
    properties = _cfn_value(raw, context)
    rendered: dict[str, Any] = {"Type": cloudformation_type}
    depends_on = _explicit_dependencies(resource, members, properties, context)
    if depends_on:
        rendered["DependsOn"] = depends_on
    # A stateful resource (the dead-letter queue holds failed events) still goes with its job,
    # as `destroy` and the Terraform export do; saying so explicitly is what reviewers (and
    # cfn-lint I3011) ask for.
    if KINDS[resource.type].stateful:
        rendered["DeletionPolicy"] = "Delete"
        rendered["UpdateReplacePolicy"] = "Delete"
    rendered["Metadata"] = _resource_metadata(resource, members)
    rendered["Properties"] = properties
    return rendered


def _explicit_dependencies(
    resource: Resource,
    members: Iterable[Resource],
    properties: Mapping[str, Any],
    context: _Context,
) -> list[str]:
    """The dependencies the model names (of the resource and of the members it lists) that no
    reference in ``properties`` already implies."""
    own_id = context.resource_ids[resource.address]
    implied = {*referenced_logical_ids(properties), own_id}
    explicit: list[str] = []
    for dependent in (resource, *members):
        for address in _dependencies(dependent, context):
            logical_id = context.resource_ids[address]
            if logical_id not in implied and logical_id not in explicit:
                explicit.append(logical_id)
    return explicit


def _dependencies(resource: Resource, context: _Context) -> Iterable[str]:
    for address in resource.depends_on:
        if address not in context.resource_ids:
            raise CloudFormationExportError(
                f"{resource.address} depends on {address}, which the stack does not contain"
            )
        yield address


def _resource_metadata(resource: Resource, members: Iterable[Resource]) -> dict[str, Any]:
    metadata: dict[str, Any] = {"address": resource.address}
    inline = [member.address for member in members]
    if inline:
        metadata["inline"] = inline
    left_out = {
        key: value
        for key, value in resource.properties.items()
        if resource.type == "aws_scheduler_schedule"
        and key in _UNSUPPORTED_SCHEDULE_PROPERTIES
        and value != _UNSUPPORTED_SCHEDULE_PROPERTIES[key]
    }
    if left_out:
        metadata["not-expressible-in-cloudformation"] = left_out
    return {METADATA_KEY: metadata}


# --------------------------------------------------------------------------- parameters


def _render_parameter(
    parameter: _Parameter, desired: DesiredState, context: _Context
) -> dict[str, Any]:
    lookup = parameter.lookup
    task_definition = desired.task_definitions.get(lookup.job)
    if task_definition is None:
        raise CloudFormationExportError(
            f"job {lookup.job} needs a value from its task definition, but the stack names "
            "no task definition for it"
        )
    region = context.job_regions.get(lookup.job)
    if region is None:
        raise CloudFormationExportError(
            f"job {lookup.job} has no resource whose ARN names its region and account"
        )
    rendered: dict[str, Any] = {
        "Type": "String",
        "Description": _parameter_description(parameter, task_definition, region),
        "AllowedPattern": _allowed_pattern(parameter, task_definition, region),
        "ConstraintDescription": f"must be the {_LOOKUP_WHAT[lookup.attribute]} "
        f"{task_definition.family} of job {lookup.job}"
        + (", or empty" if parameter.optional else ""),
    }
    if lookup.attribute == "task_definition_arn" and task_definition.revision is not None:
        rendered["Default"] = _task_definition_arn(task_definition, region)
    return rendered


def _task_definition_arn(task_definition: TaskDefinitionRef, region: _ArnParts) -> str:
    return (
        f"arn:{region.partition}:ecs:{region.region}:{region.account}:task-definition/"
        f"{task_definition.identifier}"
    )


def _parameter_description(
    parameter: _Parameter, task_definition: TaskDefinitionRef, region: _ArnParts
) -> str:
    lookup = parameter.lookup
    revision = (
        "latest ACTIVE revision"
        if task_definition.revision is None
        else f"revision {task_definition.revision}"
    )
    return (
        f"The {_LOOKUP_WHAT[lookup.attribute]} {task_definition.family} ({revision}) that job "
        f"{lookup.job} runs. Print it with: aws ecs describe-task-definition --region "
        f"{region.region} --task-definition {task_definition.identifier} "
        f"--query {_LOOKUP_QUERIES[lookup.attribute]} --output text "
        f"(setting {_CONFIG_FIELD_SKIPPING_LOOKUP[lookup.attribute]} in the config removes "
        "this parameter)."
        + (
            " Leave it empty when the task definition has none (the command prints None)."
            if parameter.optional
            else ""
        )
    )


def _regex_literal(text: str) -> str:
    """``text`` matched literally; names and regions stay readable (``us-east-1``)."""
    return re.sub(r"[^A-Za-z0-9_-]", lambda match: "\\" + match.group(), text)


def _allowed_pattern(
    parameter: _Parameter, task_definition: TaskDefinitionRef, region: _ArnParts
) -> str:
    if parameter.lookup.attribute == "task_definition_arn":
        revision = r"[0-9]+" if task_definition.revision is None else str(task_definition.revision)
        return (
            f"^arn:{_regex_literal(region.partition)}:ecs:{_regex_literal(region.region)}:"
            f"{region.account}:task-definition/{_regex_literal(task_definition.family)}:{revision}$"
        )
    role = rf"arn:{_regex_literal(region.partition)}:iam::{region.account}:role/[\w+=,.@/-]+"
    return f"^({role})?$" if parameter.optional else f"^{role}$"


# --------------------------------------------------------------------------- rules


def _deployment_rules(desired: DesiredState, context: _Context) -> dict[str, Any]:
    """Every ARN and policy embeds the jobs' account and region: deploying the stack anywhere
    else is refused before anything is created (as ``allowed_account_ids`` does in Terraform).
    """
    places: dict[_ArnParts, list[str]] = {}
    for job, place in context.job_regions.items():
        places.setdefault(place, []).append(job)
    if len(places) != 1:
        listing = "; ".join(
            f"{', '.join(jobs)} in {place.region} of account {place.account}"
            for place, jobs in places.items()
        )
        raise CloudFormationExportError(
            f"a CloudFormation stack lives in one account and region, but the jobs of stack "
            f"{desired.stack} do not: {listing}; put the jobs of each account and region in a "
            "config file of their own"
        )
    [place] = places
    return {
        "DeployToTheJobsAccountAndRegion": {
            "Assertions": [
                {
                    "Assert": Function("Equals", (Ref("AWS::AccountId"), place.account)),
                    "AssertDescription": f"The jobs of this stack run in account {place.account}.",
                },
                {
                    "Assert": Function("Equals", (Ref("AWS::Region"), place.region)),
                    "AssertDescription": f"The jobs of this stack run in region {place.region}.",
                },
            ]
        }
    }


# --------------------------------------------------------------------------- outputs


def _render_outputs(desired: DesiredState, context: _Context) -> dict[str, Any]:
    outputs = {
        output.identity: output
        for job, job_outputs in desired.outputs.items()
        for name, value in job_outputs.items()
        for output in _flatten_output(job, name, value)
    }
    ids = unique_logical_ids(
        {
            identity: pascal_case(output.job) + pascal_case(output.name) + output.id_suffix
            for identity, output in outputs.items()
        }
    )
    export_names = unique_logical_ids(
        {identity: output.export_name(desired.stack) for identity, output in outputs.items()},
        joiner="-",
    )
    return {
        ids[identity]: {
            "Description": f"{output.terraform_expression} of job {output.job}",
            "Value": _cfn_value(output.value, context),
            "Export": {"Name": export_names[identity]},
        }
        for identity, output in outputs.items()
    }


@dataclass(frozen=True)
class _Output:
    """One string output; a map output of the model gives one per key."""

    job: str
    name: str
    key: str | None
    value: Any

    @property
    def identity(self) -> str:
        return (
            f"{self.job}/{self.name}" if self.key is None else f"{self.job}/{self.name}/{self.key}"
        )

    @property
    def id_suffix(self) -> str:
        if self.key is None:
            return ""
        return pascal_case(self.key) or _PRIMARY_KEY_WORD.capitalize()

    @property
    def terraform_expression(self) -> str:
        """How the Terraform export's outputs spell the same value."""
        return self.name if self.key is None else f"{self.name}[{json.dumps(self.key)}]"

    def export_name(self, stack: str) -> str:
        parts = [stack, self.job, self.name]
        if self.key is not None:
            parts.append(self.key or _PRIMARY_KEY_WORD)
        return "-".join(_WORD_SEPARATORS.sub("-", part) for part in parts)


def _flatten_output(job: str, name: str, value: Any) -> Iterator[_Output]:
    """CloudFormation outputs are strings: a map output becomes one output per key."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield _Output(job, name, str(key), item)
    else:
        yield _Output(job, name, None, value)


# --------------------------------------------------------------------------- template


def _description(desired: DesiredState) -> str:
    jobs = len(_jobs(desired))
    return (
        f"ecs-scheduler stack {desired.stack}: {jobs} scheduled ECS "
        f"job{'s' if jobs != 1 else ''} on EventBridge Scheduler; each job has its own "
        "least-privilege execution role, KMS-encrypted dead-letter queue and, unless disabled, "
        "alarms and a task-failure alert rule. Generated by ecs-scheduler from its config: "
        "change the config and export again rather than editing this template."
    )


def _template_metadata(desired: DesiredState, context: _Context) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        METADATA_KEY: {
            "stack": desired.stack,
            "jobs": _jobs(desired),
        }
    }
    if context.parameters:
        metadata["AWS::CloudFormation::Interface"] = {
            "ParameterGroups": [
                {
                    "Label": {"default": f"Task definition of job {job}"},
                    "Parameters": [
                        parameter.logical_id
                        for parameter in context.parameters
                        if parameter.lookup.job == job
                    ],
                }
                for job in dict.fromkeys(p.lookup.job for p in context.parameters)
            ]
        }
    return metadata


def _jobs(desired: DesiredState) -> list[str]:
    return list(dict.fromkeys(resource.job for resource in desired.resources.values()))
