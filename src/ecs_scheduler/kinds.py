"""One description per resource kind: what every layer needs to know about a kind, in one row.

The model (resources.py), the AWS engine and both exports read these rows instead of keeping
tables of their own, so adding a kind means a row here, its builder in resources.py and its
AWS engine service module (docs/architecture.md, "Adding a resource kind"). A kind whose
properties an export writes as they are is described here for it too; only a kind that needs
translating has code of its own in the export.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

ResourceType = Literal[
    "aws_scheduler_schedule_group",
    "aws_scheduler_schedule",
    "aws_iam_role",
    "aws_iam_role_policy",
    "aws_sqs_queue",
    "aws_sqs_queue_policy",
    "aws_cloudwatch_metric_alarm",
    "aws_cloudwatch_event_rule",
    "aws_cloudwatch_event_target",
]

RefAttribute = Literal["arn", "name", "url"]
"""What a :class:`~ecs_scheduler.resources.Ref` names of a resource: its ARN, name or URL."""


@dataclass(frozen=True)
class Kind:
    """Everything the layers need to know about one kind of resource; the defaults are those
    of a kind with an ARN and a name of its own."""

    type: ResourceType
    label: str  # what a message calls a resource of this kind, before its name
    # Whether the kind carries the stack's tags (AWS can tag it, and ownership is read from them).
    taggable: bool
    # Fields that name the resource rather than describe it: a different value is a different
    # resource, so they never appear in an update.
    identity_fields: frozenset[str]
    cloudformation_type: str
    # The kind this one lives inside: a schedule's group, a policy's role or queue, a target's
    # rule. ``Resource.parent`` is that resource's address.
    parent: ResourceType | None = None
    # Whether it is owned through its parent and goes with it (a policy is ours if its role
    # is, and is made again with it). A schedule is not: its group may hold someone else's
    # schedules, so a schedule is known as ours by its name and role (live.py).
    owned_through_parent: bool = False
    # Holds data that deleting it loses (the dead-letter queue's failed events).
    stateful: bool = False
    # Fields AWS accepts only when the resource is created, each with why.
    replace_fields: Mapping[str, str] = field(default_factory=dict)
    # The attributes a Ref may name (a policy has no ARN or URL of its own).
    attributes: frozenset[RefAttribute] = frozenset({"arn", "name"})
    # What ``!Ref`` gives, and the ``!GetAtt`` attribute giving each other attribute.
    cloudformation_ref: RefAttribute | None = "name"
    cloudformation_attributes: Mapping[RefAttribute, str] = field(
        default_factory=lambda: {"arn": "Arn"}
    )
    # Its template resource's logical ID after the job's part, where "{name}" and "{key}" stand
    # for its Terraform resource name and key in PascalCase (none: listed inside its parent's).
    cloudformation_id: str | None = None
    # For a kind the CloudFormation export writes as it is: the property holding its name, and
    # the request members its type takes under the same names (any other is an error). A kind
    # whose properties need translating has a renderer of its own in cloudformation.py.
    cloudformation_name_property: str | None = None
    cloudformation_properties: frozenset[str] = frozenset()
    # The property listing the members of a kind whose CloudFormation type is this one's (they
    # have no template resource of their own: a rule's targets).
    cloudformation_members_property: str | None = None
    # The provider attribute holding the resource's name (``arn`` and ``url`` are called so).
    terraform_name_attribute: str | None = "name"
    # The request members the provider takes as they are, each with its argument, in the
    # order they are written (any other member needs code in terraform_module.py, or is an
    # error there).
    terraform_arguments: Mapping[str, str] = field(default_factory=dict)


def _policy(
    resource_type: ResourceType,
    label: str,
    parent: ResourceType,
    identity_fields: set[str],
    cloudformation_type: str,
    *,
    cloudformation_id: str | None = None,
    cloudformation_properties: frozenset[str] = frozenset(),
) -> Kind:
    """A policy (or a rule's target) inside its parent: untagged, with nothing of its own
    another value refers to."""
    return Kind(
        type=resource_type,
        label=label,
        taggable=False,
        identity_fields=frozenset(identity_fields),
        cloudformation_type=cloudformation_type,
        parent=parent,
        owned_through_parent=True,
        attributes=frozenset(),
        cloudformation_ref=None,
        cloudformation_attributes={},
        cloudformation_id=cloudformation_id,
        cloudformation_properties=cloudformation_properties,
        terraform_name_attribute=None,
    )


# Return values from the CloudFormation Template Reference, "Return values" of each type:
# AWS::Scheduler::ScheduleGroup and ::Schedule (Ref: name; GetAtt: Arn), AWS::IAM::Role (Ref:
# name; GetAtt: Arn), AWS::SQS::Queue (Ref: URL; GetAtt: Arn, QueueName, QueueUrl),
# AWS::CloudWatch::Alarm (Ref: name; GetAtt: Arn), AWS::Events::Rule (Ref: name; GetAtt: Arn).
# The policies' Ref gives nothing we use.
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sqs-queue.html
# Rows are in dependency order: creates and updates run top to bottom, deletes bottom to top.
_KINDS: Final[tuple[Kind, ...]] = (
    Kind(
        type="aws_scheduler_schedule_group",
        label="schedule group",
        taggable=True,
        identity_fields=frozenset({"Name", "Tags", "ClientToken"}),
        cloudformation_type="AWS::Scheduler::ScheduleGroup",
        cloudformation_id="ScheduleGroup",
        cloudformation_name_property="Name",
    ),
    Kind(
        type="aws_iam_role",
        label="IAM role",
        taggable=True,
        identity_fields=frozenset({"RoleName", "Tags"}),
        cloudformation_type="AWS::IAM::Role",
        replace_fields={"Path": "IAM cannot change the path of an existing role"},
        terraform_arguments={
            "Description": "description",
            "PermissionsBoundary": "permissions_boundary",
            "MaxSessionDuration": "max_session_duration",
            "Path": "path",
        },
        cloudformation_id="SchedulerRole",
        cloudformation_name_property="RoleName",
        cloudformation_properties=frozenset(
            {
                "AssumeRolePolicyDocument",
                "Description",
                "MaxSessionDuration",
                "Path",
                "PermissionsBoundary",
            }
        ),
    ),
    _policy(
        "aws_iam_role_policy",
        "inline policy",
        "aws_iam_role",
        {"RoleName", "PolicyName"},
        "AWS::IAM::RolePolicy",
        cloudformation_id="SchedulerRolePolicy",
    ),
    Kind(
        type="aws_sqs_queue",
        label="SQS queue",
        taggable=True,
        identity_fields=frozenset({"QueueName", "tags", "Tags"}),
        cloudformation_type="AWS::SQS::Queue",
        # The dead-letter queue holds failed events, yet it goes with its job, as `destroy`
        # and the Terraform export do.
        stateful=True,
        replace_fields={
            "Attributes.FifoQueue": "SQS cannot turn a queue into a FIFO queue or back"
        },
        attributes=frozenset({"arn", "name", "url"}),
        cloudformation_ref="url",
        cloudformation_attributes={"arn": "Arn", "name": "QueueName", "url": "QueueUrl"},
        cloudformation_id="DeadLetterQueue",
    ),
    _policy(
        "aws_sqs_queue_policy",
        "policy of SQS queue",
        "aws_sqs_queue",
        {"QueueUrl", "QueueName"},
        "AWS::SQS::QueuePolicy",
        cloudformation_id="DeadLetterQueuePolicy",
    ),
    Kind(
        type="aws_cloudwatch_metric_alarm",
        label="CloudWatch alarm",
        taggable=True,
        identity_fields=frozenset({"AlarmName", "Tags"}),
        cloudformation_type="AWS::CloudWatch::Alarm",
        cloudformation_id="{name}Alarm",
        cloudformation_name_property="AlarmName",
        cloudformation_properties=frozenset(
            {
                "ActionsEnabled",
                "AlarmActions",
                "AlarmDescription",
                "ComparisonOperator",
                "DatapointsToAlarm",
                "Dimensions",
                "EvaluateLowSampleCountPercentile",
                "EvaluationPeriods",
                "ExtendedStatistic",
                "InsufficientDataActions",
                "MetricName",
                "Namespace",
                "OKActions",
                "Period",
                "Statistic",
                "Threshold",
                "TreatMissingData",
                "Unit",
            }
        ),
        terraform_name_attribute="alarm_name",
        terraform_arguments={
            "AlarmDescription": "alarm_description",
            "ActionsEnabled": "actions_enabled",
            "Namespace": "namespace",
            "MetricName": "metric_name",
            "Statistic": "statistic",
            "ExtendedStatistic": "extended_statistic",
            "Unit": "unit",
            "Period": "period",
            "EvaluationPeriods": "evaluation_periods",
            "DatapointsToAlarm": "datapoints_to_alarm",
            "Threshold": "threshold",
            "ComparisonOperator": "comparison_operator",
            "TreatMissingData": "treat_missing_data",
            "AlarmActions": "alarm_actions",
            "OKActions": "ok_actions",
            "InsufficientDataActions": "insufficient_data_actions",
        },
    ),
    # The job's task-failure rule on the default event bus (task_failures.py). Before the
    # schedules, so that the first task a new schedule starts is already watched.
    Kind(
        type="aws_cloudwatch_event_rule",
        label="EventBridge rule",
        taggable=True,
        identity_fields=frozenset({"Name", "Tags", "EventBusName"}),
        cloudformation_type="AWS::Events::Rule",
        cloudformation_id="{name}Rule",
        cloudformation_name_property="Name",
        # Its EventPattern stays an object, which the type accepts as well as a JSON string
        # (CloudFormation Template Reference, AWS::Events::Rule, EventPattern: Json).
        cloudformation_properties=frozenset({"Description", "EventPattern", "State"}),
        # AWS::Events::Rule has no separate target type: its Targets property holds them, at
        # most 5 (CloudFormation Template Reference, AWS::Events::Rule, Targets; cfn-lint's
        # schema of the type: "maxItems": 5).
        cloudformation_members_property="Targets",
        # A rule on another bus than the default (EventBusName) would need its targets to name
        # the bus too: not written, so such a property is an error like any unknown one.
        terraform_arguments={"Description": "description", "State": "state"},
    ),
    # One target of the rule per SNS topic, named by its Id. It has no ARN, name or tags of
    # its own (PutTargets, EventBridge API Reference); CloudFormation has no target resource:
    # an AWS::Events::Rule lists its targets in its Targets property.
    _policy(
        "aws_cloudwatch_event_target",
        "EventBridge target",
        "aws_cloudwatch_event_rule",
        {"Rule", "EventBusName", "Id"},
        "AWS::Events::Rule",
        # One item of the rule's Targets, named as in PutTargets (CloudFormation Template
        # Reference, AWS::Events::Rule Target and InputTransformer).
        cloudformation_properties=frozenset({"Arn", "Id", "InputTransformer"}),
    ),
    Kind(
        type="aws_scheduler_schedule",
        label="schedule",
        taggable=False,  # schedules cannot carry tags
        identity_fields=frozenset({"Name", "GroupName", "ClientToken"}),
        cloudformation_type="AWS::Scheduler::Schedule",
        parent="aws_scheduler_schedule_group",
        cloudformation_id="Schedule{key}",
    ),
)

KINDS: Final[Mapping[ResourceType, Kind]] = {kind.type: kind for kind in _KINDS}

# Views of the table for the engines' loops; each is derived, never written out again.
DEPENDENCY_ORDER: Final[tuple[ResourceType, ...]] = tuple(kind.type for kind in _KINDS)
TAGGABLE_TYPES: Final[frozenset[ResourceType]] = frozenset(
    kind.type for kind in _KINDS if kind.taggable
)
REPLACE_FIELDS: Final[Mapping[ResourceType, Mapping[str, str]]] = {
    kind.type: kind.replace_fields for kind in _KINDS if kind.replace_fields
}
# The kinds owned through their parent, each with its parent's kind.
OWNING_PARENT: Final[Mapping[ResourceType, ResourceType]] = {
    kind.type: kind.parent
    for kind in _KINDS
    if kind.parent is not None and kind.owned_through_parent
}
