"""One job's resources -> the blocks of its Terraform module (``modules/<job>/``).

The model's properties are shaped like boto3 create requests; here each is translated to the
hashicorp/aws provider's arguments. A :class:`~ecs_scheduler.resources.Ref` to another resource
of the job becomes a reference to it (so Terraform orders the work and never needs a literal
ARN it can compute), a :class:`~ecs_scheduler.resources.Lookup` becomes a reference to
``data.aws_ecs_task_definition.this``, and every policy document becomes a
``data "aws_iam_policy_document"`` rendered from the model's dict, never written twice.
A property this translation does not know is an error, never silently dropped.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from ecs_scheduler.engines.terraform_syntax import (
    Attribute,
    Block,
    FunctionCall,
    Reference,
    Value,
)
from ecs_scheduler.errors import EcsSchedulerError
from ecs_scheduler.kinds import KINDS
from ecs_scheduler.resources import Lookup, Ref, Resource, TaskDefinitionRef, module_name


class TerraformExportError(EcsSchedulerError):
    """The desired state cannot be written as Terraform configuration."""


_TASK_DEFINITION_DATA: Final = "data.aws_ecs_task_definition.this"
_LOOKUP_ATTRIBUTES: Final = {
    "task_definition_arn": "arn",
    "task_role_arn": "task_role_arn",
    "execution_role_arn": "execution_role_arn",
}
# The provider's default, and what AWS does without the argument; the argument itself only
# exists from hashicorp/aws 6.14, so it is written only when a schedule needs DELETE.
_DEFAULT_ACTION_AFTER_COMPLETION: Final = "NONE"
_ACTION_AFTER_COMPLETION_FIELD: Final = "action_after_completion"

_QUEUE_ATTRIBUTES: Final[Mapping[str, tuple[str, Callable[[str], Value]]]] = {
    "KmsMasterKeyId": ("kms_master_key_id", str),
    "KmsDataKeyReusePeriodSeconds": ("kms_data_key_reuse_period_seconds", int),
    "MessageRetentionPeriod": ("message_retention_seconds", int),
    "VisibilityTimeout": ("visibility_timeout_seconds", int),
    "DelaySeconds": ("delay_seconds", int),
    "MaximumMessageSize": ("max_message_size", int),
    "ReceiveMessageWaitTimeSeconds": ("receive_wait_time_seconds", int),
    "SqsManagedSseEnabled": ("sqs_managed_sse_enabled", lambda text: text.lower() == "true"),
    "RedriveAllowPolicy": ("redrive_allow_policy", str),
}
_STATEMENT_LISTS: Final = {
    "Action": "actions",
    "NotAction": "not_actions",
    "Resource": "resources",
    "NotResource": "not_resources",
}


class _Properties:
    """A resource's properties, taken one by one; anything left over is reported."""

    def __init__(self, resource: Resource, properties: Mapping[str, Any], path: str = "") -> None:
        self._resource = resource
        self._remaining = dict(properties)
        self._path = path

    def take(self, key: str) -> Any:
        return self._remaining.pop(key, None)

    def nested(self, key: str) -> _Properties:
        return _Properties(self._resource, self.take(key) or {}, f"{self._path}{key}.")

    def done(self) -> None:
        if self._remaining:
            unknown = ", ".join(f"{self._path}{key}" for key in self._remaining)
            raise TerraformExportError(
                f"{self._resource.address}: the Terraform export does not know how to write "
                f"{unknown}."
            )


def _rfc3339(moment: datetime) -> str:
    """The provider wants RFC 3339; UTC with ``Z`` is how AWS reports the dates back."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


@dataclass
class _PerSchedule:
    """One schedule's own values; the shared resource body reads them as ``each.value.<field>``.

    ``always`` names the fields some schedule of the job sets, so that every schedule's entry
    has the same fields (null where unset) and every schedule yields the same body.
    """

    always: frozenset[str]
    values: dict[str, Value] = field(default_factory=dict)

    def attribute(self, field_name: str, argument: str, value: Value) -> list[Attribute]:
        if value is None and field_name not in self.always:
            return []
        self.values[field_name] = value
        return [Attribute(argument, Reference(f"each.value.{field_name}"))]


@dataclass(frozen=True)
class ModuleBlocks:
    """What a job's module consists of."""

    main: tuple[Block, ...]
    outputs: tuple[Block, ...]
    uses_action_after_completion: bool


class JobModule:
    """Translates one job's resources, tracking which resources each body refers to."""

    def __init__(
        self, job: str, resources: Sequence[Resource], task_definition: TaskDefinitionRef
    ) -> None:
        self.job = job
        self.resources = list(resources)
        self.task_definition = task_definition
        self._by_address = {resource.address: resource for resource in resources}
        self._uses_lookup = False
        self._referenced: set[str] = set()
        self._uses_action_after_completion = False
        self._policy_blocks: list[Block] = []

    # -- values and references -------------------------------------------------------------

    def refer(self, resource: Resource, attribute: str) -> Reference:
        self._referenced.add(resource.address)
        index = "" if resource.key is None else f"[{json.dumps(resource.key)}]"
        return Reference(f"{resource.type}.{resource.name}{index}.{attribute}")

    def _resource(self, ref: Ref) -> Resource:
        resource = self._by_address.get(ref.address)
        if resource is None:
            raise TerraformExportError(
                f"Job {self.job} refers to {ref.address}, which is not in its module."
            )
        return resource

    def _attribute(self, ref: Ref) -> str:
        """The provider attribute holding what ``ref`` names (a name may be called otherwise)."""
        kind = KINDS[self._resource(ref).type]
        attribute = kind.terraform_name_attribute if ref.attribute == "name" else ref.attribute
        if attribute is None or ref.attribute not in kind.attributes:
            raise TerraformExportError(f"{ref.address} has no {ref.attribute} to refer to.")
        return attribute

    def _reference(self, ref: Ref) -> Reference:
        return self.refer(self._resource(ref), self._attribute(ref))

    def _lookup(self, lookup: Lookup) -> Reference:
        if lookup.job != self.job:
            raise TerraformExportError(
                f"Job {self.job} refers to the task definition of job {lookup.job}; a module "
                "can only look up its own."
            )
        self._uses_lookup = True
        return Reference(f"{_TASK_DEFINITION_DATA}.{_LOOKUP_ATTRIBUTES[lookup.attribute]}")

    def value(self, raw: Any) -> Value:
        """A model value as a Terraform value: lookups and refs become references."""
        if isinstance(raw, Lookup):
            return self._lookup(raw)
        if isinstance(raw, Ref):
            return self._reference(raw)
        if isinstance(raw, datetime):
            return _rfc3339(raw)
        if isinstance(raw, Mapping):
            return {str(key): self.value(item) for key, item in raw.items()}
        if isinstance(raw, list | tuple):
            items = [self.value(item) for item in raw]
            # A task definition may have no task or execution role: the looked-up value is
            # then empty, and compact() keeps it out of the list instead of an invalid "".
            if any(
                isinstance(item, Lookup) and item.attribute != "task_definition_arn" for item in raw
            ):
                return FunctionCall("compact", items)
            return items
        if raw is None or isinstance(raw, str | bool | int | float):
            return raw
        raise TerraformExportError(
            f"Job {self.job}: a value of type {type(raw).__name__} cannot be written as Terraform."
        )

    def parent(self, resource: Resource) -> Resource:
        """The resource ``resource`` lives inside (a schedule's group, a policy's role or queue,
        a target's rule)."""
        if resource.parent is None:
            raise TerraformExportError(f"{resource.address} names no resource it belongs to.")
        return self._resource(Ref(resource.parent, "name"))

    # -- policies --------------------------------------------------------------------------

    def policy_document(self, name: str, document: Mapping[str, Any], resource: Resource) -> Block:
        """``data "aws_iam_policy_document"`` with the document's statements, one block each."""
        properties = _Properties(resource, document, f"{name}.")
        body: list[Attribute | Block] = []
        version = properties.take("Version")
        if version is not None:
            body.append(Attribute("version", version))
        policy_id = properties.take("Id")
        if policy_id is not None:
            body.append(Attribute("policy_id", policy_id))
        body.extend(
            self._statement(statement, resource, f"{name}.Statement.")
            for statement in _as_list(properties.take("Statement") or [])
        )
        properties.done()
        return Block("data", ("aws_iam_policy_document", name), tuple(body))

    def _statement(self, statement: Mapping[str, Any], resource: Resource, path: str) -> Block:
        properties = _Properties(resource, statement, path)
        body: list[Attribute | Block] = []
        sid = properties.take("Sid")
        if sid is not None:
            body.append(Attribute("sid", sid))
        body.append(Attribute("effect", properties.take("Effect") or "Allow"))
        for key, argument in _STATEMENT_LISTS.items():
            listed = properties.take(key)
            if listed is not None:
                body.append(Attribute(argument, self.value(_as_list(listed))))
        for key, block_type in (("Principal", "principals"), ("NotPrincipal", "not_principals")):
            principal = properties.take(key)
            if principal is not None:
                body.extend(self._principal_blocks(block_type, principal))
        for operator, conditions in (properties.take("Condition") or {}).items():
            for variable, values in conditions.items():
                body.append(
                    Block(
                        "condition",
                        (),
                        (
                            Attribute("test", operator),
                            Attribute("variable", variable),
                            Attribute("values", self.value(_as_list(values))),
                        ),
                    )
                )
        properties.done()
        return Block("statement", (), tuple(body))

    def _principal_blocks(self, block_type: str, principal: Any) -> list[Block]:
        """``Principal`` as provider blocks; ``"*"`` is type ``*`` with identifier ``*``."""
        if principal == "*":
            return [
                Block(block_type, (), (Attribute("type", "*"), Attribute("identifiers", ["*"])))
            ]
        return [
            Block(
                block_type,
                (),
                (
                    Attribute("type", kind),
                    Attribute("identifiers", self.value(_as_list(identifiers))),
                ),
            )
            for kind, identifiers in principal.items()
        ]

    # -- resources -------------------------------------------------------------------------

    def _tags(self, resource: Resource) -> list[Attribute]:
        return [Attribute("tags", dict(resource.tags))] if resource.tags else []

    def _name(self, resource: Resource) -> Attribute:
        name_attribute = KINDS[resource.type].terraform_name_attribute
        if name_attribute is None:
            raise TerraformExportError(f"{resource.address}: its kind has no name to write.")
        return Attribute(name_attribute, resource.aws_name)

    def _arguments(self, resource: Resource, properties: _Properties) -> list[Attribute | Block]:
        """The members its kind's row (kinds.py) says the provider takes as they are."""
        body: list[Attribute | Block] = []
        for member, argument in KINDS[resource.type].terraform_arguments.items():
            value = properties.take(member)
            if value is not None:
                body.append(Attribute(argument, self.value(value)))
        return body

    def _described(self, resource: Resource) -> list[Attribute | Block]:
        """A kind written as its row says: its name, its arguments and its tags."""
        properties = _Properties(resource, resource.properties)
        body = [self._name(resource), *self._arguments(resource, properties)]
        properties.done()
        return [*body, *self._tags(resource)]

    def _policy(self, name: str, document: Mapping[str, Any], resource: Resource) -> Reference:
        """The JSON of a policy document block, which is written just before ``resource``."""
        self._policy_blocks.append(self.policy_document(name, document, resource))
        return Reference(f"data.aws_iam_policy_document.{name}.json")

    def _role(self, resource: Resource) -> list[Attribute | Block]:
        properties = _Properties(resource, resource.properties)
        trust = properties.take("AssumeRolePolicyDocument")
        body: list[Attribute | Block] = [
            self._name(resource),
            Attribute(
                "assume_role_policy",
                self._policy(f"{resource.name}_assume_role", trust, resource),
            ),
            *self._arguments(resource, properties),
        ]
        properties.done()
        return [*body, *self._tags(resource)]

    def _role_policy(self, resource: Resource) -> list[Attribute | Block]:
        properties = _Properties(resource, resource.properties)
        if properties.take("PolicyName") not in (None, resource.aws_name):
            raise TerraformExportError(
                f"{resource.address}: PolicyName differs from the policy name {resource.aws_name}."
            )
        policy = self._policy(resource.name, properties.take("PolicyDocument"), resource)
        properties.done()
        role = self.parent(resource)
        return [
            Attribute("name", resource.aws_name),
            Attribute("role", self.refer(role, "id")),
            Attribute("policy", policy),
        ]

    def _queue(self, resource: Resource) -> list[Attribute | Block]:
        properties = _Properties(resource, resource.properties)
        attributes = properties.nested("Attributes")
        body: list[Attribute | Block] = [Attribute("name", resource.aws_name)]
        for key, (argument, convert) in _QUEUE_ATTRIBUTES.items():
            value = attributes.take(key)
            if value is not None:
                body.append(Attribute(argument, self.value(convert(value))))
        attributes.done()
        properties.done()
        return [*body, *self._tags(resource)]

    def _queue_policy(self, resource: Resource) -> list[Attribute | Block]:
        properties = _Properties(resource, resource.properties)
        policy = self._policy(resource.name, properties.take("Policy"), resource)
        properties.done()
        queue = self.parent(resource)
        return [Attribute("queue_url", self.refer(queue, "url")), Attribute("policy", policy)]

    def _alarm(self, resource: Resource) -> list[Attribute | Block]:
        properties = _Properties(resource, resource.properties)
        body = [self._name(resource), *self._arguments(resource, properties)]
        dimensions = properties.take("Dimensions")
        if dimensions is not None:
            body.append(
                Attribute(
                    "dimensions",
                    {dimension["Name"]: self.value(dimension["Value"]) for dimension in dimensions},
                )
            )
        properties.done()
        return [*body, *self._tags(resource)]

    # -- task-failure rule and its targets -------------------------------------------------

    def _event_rule(self, resource: Resource) -> list[Attribute | Block]:
        """The rule; its pattern, a dict in the model, is ``jsonencode``d as the schedules' input
        is (the provider normalises the JSON it stores, so key order and spacing never show as a
        change: ``event_pattern``'s StateFunc in the provider's events/rule.go)."""
        properties = _Properties(resource, resource.properties)
        body: list[Attribute | Block] = [self._name(resource)]
        pattern = properties.take("EventPattern")
        if pattern is not None:
            body.append(Attribute("event_pattern", FunctionCall("jsonencode", self.value(pattern))))
        body.extend(self._arguments(resource, properties))
        properties.done()
        return [*body, *self._tags(resource)]

    def _event_target_body(self, target: Resource) -> tuple[str, Value, list[Attribute | Block]]:
        """A target's Id (its key), its ARN, and what the targets of its rule share."""
        properties = _Properties(target, target.properties)
        target_id = properties.take("Id")
        if target_id != target.key:
            raise TerraformExportError(
                f"{target.address}: its Id {target_id!r} is not its key, which Terraform "
                "passes as its target_id."
            )
        arn = self.value(properties.take("Arn"))
        body: list[Attribute | Block] = [
            Attribute("rule", self.refer(self.parent(target), "name")),
            Attribute("target_id", Reference("each.key")),
            Attribute("arn", Reference("each.value")),
        ]
        transformer = properties.take("InputTransformer")
        if transformer is not None:
            paths = _Properties(target, transformer, "InputTransformer.")
            body.append(
                Block(
                    "input_transformer",
                    (),
                    (
                        Attribute("input_paths", self.value(paths.take("InputPathsMap") or {})),
                        Attribute("input_template", paths.take("InputTemplate")),
                    ),
                )
            )
            paths.done()
        properties.done()
        return target_id, arn, body

    def _event_targets(self, targets: Sequence[Resource]) -> list[Block]:
        """The rule's targets as one for_each resource: target Id => its topic's ARN; the
        rule and the message, the same for every target, are written once."""
        arns: dict[str, Value] = {}
        shared: list[Attribute | Block] | None = None
        for target in targets:
            target_id, arn, body = self._event_target_body(target)
            arns[target_id] = arn
            if shared is None:
                shared = body
            elif body != shared:
                raise TerraformExportError(
                    f"{target.address} differs from {targets[0].address} in a value that the "
                    "targets of one rule share; the Terraform export cannot write it."
                )
        first = targets[0]
        return [
            Block(
                "resource",
                (first.type, first.name),
                (Attribute("for_each", arns), *(shared or []), *self._depends_on(first)),
            )
        ]

    # -- schedules -------------------------------------------------------------------------

    def _schedule_body(self, resource: Resource, own: _PerSchedule) -> list[Attribute | Block]:
        properties = _Properties(resource, resource.properties)
        action = properties.take("ActionAfterCompletion")
        body: list[Attribute | Block] = [
            Attribute("for_each", Reference("local.schedules")),
            *own.attribute("name", "name", resource.aws_name),
            Attribute("group_name", self.refer(self.parent(resource), "name")),
            *own.attribute("description", "description", properties.take("Description")),
            *own.attribute(
                "schedule_expression", "schedule_expression", properties.take("ScheduleExpression")
            ),
            *own.attribute(
                "schedule_expression_timezone",
                "schedule_expression_timezone",
                properties.take("ScheduleExpressionTimezone"),
            ),
            *own.attribute("start_date", "start_date", self.value(properties.take("StartDate"))),
            *own.attribute("end_date", "end_date", self.value(properties.take("EndDate"))),
            *own.attribute("state", "state", properties.take("State")),
            *own.attribute(
                _ACTION_AFTER_COMPLETION_FIELD,
                _ACTION_AFTER_COMPLETION_FIELD,
                None if action == _DEFAULT_ACTION_AFTER_COMPLETION else action,
            ),
        ]
        kms_key = properties.take("KmsKeyArn")
        if kms_key is not None:
            body.append(Attribute("kms_key_arn", self.value(kms_key)))
        window = properties.nested("FlexibleTimeWindow")
        body.append(
            Block(
                "flexible_time_window",
                (),
                (
                    *own.attribute("flexible_time_window_mode", "mode", window.take("Mode")),
                    *own.attribute(
                        "maximum_window_in_minutes",
                        "maximum_window_in_minutes",
                        window.take("MaximumWindowInMinutes"),
                    ),
                ),
            )
        )
        window.done()
        body.append(self._target(properties.nested("Target"), own))
        properties.done()
        return body

    def _target(self, target: _Properties, own: _PerSchedule) -> Block:
        body: list[Attribute | Block] = [
            Attribute("arn", self.value(target.take("Arn"))),
            Attribute("role_arn", self.value(target.take("RoleArn"))),
        ]
        overrides = target.take("Input")
        body.extend(
            own.attribute(
                "input",
                "input",
                None if overrides is None else FunctionCall("jsonencode", self.value(overrides)),
            )
        )
        dead_letter = target.nested("DeadLetterConfig")
        dead_letter_arn = dead_letter.take("Arn")
        dead_letter.done()
        if dead_letter_arn is not None:
            body.append(
                Block("dead_letter_config", (), (Attribute("arn", self.value(dead_letter_arn)),))
            )
        retry = target.nested("RetryPolicy")
        body.append(
            Block(
                "retry_policy",
                (),
                (
                    *own.attribute(
                        "maximum_retry_attempts",
                        "maximum_retry_attempts",
                        retry.take("MaximumRetryAttempts"),
                    ),
                    *own.attribute(
                        "maximum_event_age_in_seconds",
                        "maximum_event_age_in_seconds",
                        retry.take("MaximumEventAgeInSeconds"),
                    ),
                ),
            )
        )
        retry.done()
        body.append(self._ecs_parameters(target.nested("EcsParameters"), own))
        target.done()
        return Block("target", (), tuple(body))

    def _ecs_parameters(self, ecs: _Properties, own: _PerSchedule) -> Block:
        body: list[Attribute | Block] = [
            Attribute("task_definition_arn", self.value(ecs.take("TaskDefinitionArn"))),
            *own.attribute("task_count", "task_count", ecs.take("TaskCount")),
            # Each schedule's own task group (task_failures.task_group).
            *own.attribute("group", "group", ecs.take("Group")),
        ]
        for key, argument in (
            ("LaunchType", "launch_type"),
            ("PlatformVersion", "platform_version"),
            ("ReferenceId", "reference_id"),
            ("PropagateTags", "propagate_tags"),
            ("EnableECSManagedTags", "enable_ecs_managed_tags"),
            ("EnableExecuteCommand", "enable_execute_command"),
        ):
            value = ecs.take(key)
            if value is not None:
                body.append(Attribute(argument, self.value(value)))
        if ecs.take("Tags"):
            raise TerraformExportError(
                f"Job {self.job}: task_tags cannot be exported to Terraform. hashicorp/aws "
                "sends aws_scheduler_schedule's ecs_parameters tags as RunTask's "
                '{"key": ..., "value": ...} pairs, which EventBridge Scheduler stores as tags '
                'named "key" and "value" (terraform-provider-aws issue 45629, before it '
                "32259), so Terraform and ecs-scheduler would undo each other's tags. Apply "
                "this job with ecs-scheduler apply or the CloudFormation export, or leave "
                "task_tags out (propagate_tags copies the task definition's tags)."
            )
        network = ecs.nested("NetworkConfiguration")
        awsvpc = network.nested("awsvpcConfiguration")
        subnets = awsvpc.take("Subnets")
        if subnets is not None:
            body.append(
                Block(
                    "network_configuration",
                    (),
                    (
                        Attribute("subnets", self.value(subnets)),
                        Attribute(
                            "security_groups", self.value(awsvpc.take("SecurityGroups") or [])
                        ),
                        Attribute("assign_public_ip", awsvpc.take("AssignPublicIp") == "ENABLED"),
                    ),
                )
            )
        awsvpc.done()
        network.done()
        for key, block_type, arguments in (
            (
                "CapacityProviderStrategy",
                "capacity_provider_strategy",
                (("capacityProvider", "capacity_provider"), ("weight", "weight"), ("base", "base")),
            ),
            (
                "PlacementConstraints",
                "placement_constraints",
                (("type", "type"), ("expression", "expression")),
            ),
            ("PlacementStrategy", "placement_strategy", (("type", "type"), ("field", "field"))),
        ):
            for item in ecs.take(key) or []:
                body.append(
                    Block(
                        block_type,
                        (),
                        tuple(
                            Attribute(argument, self.value(item[source]))
                            for source, argument in arguments
                            if item.get(source) is not None
                        ),
                    )
                )
        ecs.done()
        return Block("ecs_parameters", (), tuple(body))

    def _schedules(self, schedules: Sequence[Resource]) -> list[Block]:
        """The ``locals`` map of the schedules' own values and the one for_each resource."""
        first_pass = [_PerSchedule(frozenset()) for _ in schedules]
        for schedule, own in zip(schedules, first_pass, strict=True):
            self._schedule_body(schedule, own)
        always = frozenset(name for own in first_pass for name in own.values)
        self._uses_action_after_completion = _ACTION_AFTER_COMPLETION_FIELD in always
        bodies: list[tuple[Resource, list[Attribute | Block], _PerSchedule]] = []
        for schedule in schedules:
            own = _PerSchedule(always)
            bodies.append((schedule, self._schedule_body(schedule, own), own))
        shared = bodies[0][1]
        for schedule, body, _ in bodies[1:]:
            if body != shared:
                raise TerraformExportError(
                    f"{schedule.address} differs from the job's primary schedule in a value that "
                    "schedules of one job share; the Terraform export cannot write it."
                )
        schedules_local = Block(
            "locals",
            (),
            (
                Attribute(
                    "schedules", {schedule.key or "": own.values for schedule, _, own in bodies}
                ),
            ),
        )
        first = schedules[0]
        return [
            schedules_local,
            Block("resource", (first.type, first.name), (*shared, *self._depends_on(first))),
        ]

    def _depends_on(self, resource: Resource) -> list[Attribute]:
        """The model's dependencies that no reference in the body already implies."""
        remaining: dict[str, Reference] = {}
        for address in resource.depends_on:
            dependency = self._by_address.get(address)
            if dependency is None:
                raise TerraformExportError(
                    f"{resource.address} depends on {address}, which is not in job {self.job}."
                )
            if address not in self._referenced:
                remaining[address] = Reference(f"{dependency.type}.{dependency.name}")
        return [Attribute("depends_on", list(remaining.values()))] if remaining else []

    def _resource_blocks(self, resource: Resource) -> list[Block]:
        """The resource's block, after the policy documents it uses."""
        # The kinds that need more than their row (kinds.py) says; the others are _described.
        translators: dict[str, Callable[[Resource], list[Attribute | Block]]] = {
            "aws_iam_role": self._role,
            "aws_iam_role_policy": self._role_policy,
            "aws_sqs_queue": self._queue,
            "aws_sqs_queue_policy": self._queue_policy,
            "aws_cloudwatch_metric_alarm": self._alarm,
            "aws_cloudwatch_event_rule": self._event_rule,
        }
        translate = translators.get(resource.type, self._described)
        if resource.key is not None:
            raise TerraformExportError(f"{resource.address}: the Terraform export cannot write it.")
        self._policy_blocks = []
        body = translate(resource)
        blocks = [
            *self._policy_blocks,
            Block("resource", (resource.type, resource.name), (*body, *self._depends_on(resource))),
        ]
        if resource.type == "aws_iam_role_policy":
            blocks.extend(self._exclusive_role_policies(resource))
        return blocks

    def _exclusive_role_policies(self, role_policy: Resource) -> list[Block]:
        """The role holds the job's inline policy and nothing else, as the AWS engine keeps it.

        A policy attached or put by hand (a managed ``AmazonECS_FullAccess``, say) would widen
        what every schedule of the job may do; these resources make ``terraform plan`` show it
        and ``terraform apply`` remove it (hashicorp/aws >= 5.72, see docs/terraform.md).
        """
        role = self.parent(role_policy)
        role_name = Reference(f"{role.type}.{role.name}.name")
        return [
            Block(
                "resource",
                ("aws_iam_role_policies_exclusive", role.name),
                (
                    Attribute("role_name", role_name),
                    Attribute(
                        "policy_names",
                        [Reference(f"{role_policy.type}.{role_policy.name}.name")],
                    ),
                ),
            ),
            Block(
                "resource",
                ("aws_iam_role_policy_attachments_exclusive", role.name),
                (Attribute("role_name", role_name), Attribute("policy_arns", [])),
            ),
        ]

    def _check_address(self, resource: Resource) -> None:
        expected = f"module.{module_name(self.job)}.{resource.type}.{resource.name}"
        if resource.key is not None:
            expected += f"[{json.dumps(resource.key)}]"
        if resource.address != expected:
            raise TerraformExportError(
                f"{resource.address}: Terraform would address this resource as {expected}."
            )

    def _main_blocks(self) -> Iterator[Block]:
        """Each resource's blocks; the instances of a keyed (for_each) resource are written as
        one resource, where its first instance comes."""
        keyed: dict[str, Callable[[Sequence[Resource]], list[Block]]] = {
            "aws_scheduler_schedule": self._schedules,
            "aws_cloudwatch_event_target": self._event_targets,
        }
        instances: dict[tuple[str, str], list[Resource]] = {}
        for resource in self.resources:
            if resource.type in keyed:
                instances.setdefault((resource.type, resource.name), []).append(resource)
        for resource in self.resources:
            self._check_address(resource)
            self._referenced = set()
            if resource.type not in keyed:
                yield from self._resource_blocks(resource)
                continue
            every = instances[resource.type, resource.name]
            if resource is every[0]:
                yield from keyed[resource.type](every)

    # -- outputs ---------------------------------------------------------------------------

    def _output_value(self, raw: Any) -> Value:
        """An output as references to the resources it reports; a map of one attribute of every
        instance of a for_each resource, by key, is a for expression over that resource."""
        refs = list(raw.values()) if isinstance(raw, Mapping) else []
        if refs and all(isinstance(ref, Ref) for ref in refs):
            targets = [self._resource(ref) for ref in refs]
            first = targets[0]
            every = [r for r in self.resources if (r.type, r.name) == (first.type, first.name)]
            if (
                first.key is not None
                and targets == every
                and list(raw) == [target.key for target in targets]
                and len({self._attribute(ref) for ref in refs}) == 1
            ):
                item = first.type.rpartition("_")[2]
                return Reference(
                    f"{{ for key, {item} in {first.type}.{first.name} : "
                    f"key => {item}.{self._attribute(refs[0])} }}"
                )
        return self.value(raw)

    def build(self, outputs: Mapping[str, Any]) -> ModuleBlocks:
        main = list(self._main_blocks())
        if self._uses_lookup:
            main.insert(
                0,
                Block(
                    "data",
                    ("aws_ecs_task_definition", "this"),
                    (Attribute("task_definition", self.task_definition.identifier),),
                ),
            )
        output_blocks = tuple(
            Block("output", (name,), (Attribute("value", self._output_value(raw)),))
            for name, raw in outputs.items()
        )
        return ModuleBlocks(tuple(main), output_blocks, self._uses_action_after_completion)
