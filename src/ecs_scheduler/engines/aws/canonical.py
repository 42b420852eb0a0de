"""One canonical form for desired and live properties, so that a diff shows only real changes.

Both sides go through :func:`canonical_properties`: the model's request-shaped properties and
the live state projected back into the same request shape by the reader. The canonical form
fills the defaults AWS applies when a field is omitted, drops empty values (an empty list and
an absent list mean the same to AWS), sorts lists whose order AWS ignores, parses JSON strings
(policies, the schedule's ``Input``) and canonicalises policy documents, and turns timestamps
into ISO 8601 strings in UTC. A plan right after an apply is empty because of this module.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ecs_scheduler import resources
from ecs_scheduler.kinds import KINDS
from ecs_scheduler.resources import ResourceType

SCHEDULE_DEFAULTS: Mapping[str, Any] = {
    "ScheduleExpressionTimezone": "UTC",
    "State": "ENABLED",
    "ActionAfterCompletion": "NONE",
    "FlexibleTimeWindow": {"Mode": "OFF"},
}
RETRY_POLICY_DEFAULTS: Mapping[str, Any] = {
    "MaximumEventAgeInSeconds": 86400,
    "MaximumRetryAttempts": 185,
}
ECS_PARAMETERS_DEFAULTS: Mapping[str, Any] = {
    "TaskCount": 1,
    "EnableECSManagedTags": False,
    "EnableExecuteCommand": False,
}
ROLE_DEFAULTS: Mapping[str, Any] = {"Path": "/", "MaxSessionDuration": 3600}
# Queue attributes compared even when the config leaves them out, with the value AWS gives
# them; any other attribute is compared only when the config sets it.
QUEUE_ATTRIBUTE_DEFAULTS: Mapping[str, str] = {
    "DelaySeconds": "0",
    "ReceiveMessageWaitTimeSeconds": "0",
    "VisibilityTimeout": "30",
}
# Attributes CreateQueue/SetQueueAttributes accept; the rest of GetQueueAttributes is read-only.
SETTABLE_QUEUE_ATTRIBUTES = frozenset(
    {
        "DelaySeconds",
        "MaximumMessageSize",
        "MessageRetentionPeriod",
        "ReceiveMessageWaitTimeSeconds",
        "VisibilityTimeout",
        "KmsMasterKeyId",
        "KmsDataKeyReusePeriodSeconds",
        "SqsManagedSseEnabled",
        "RedrivePolicy",
        "RedriveAllowPolicy",
        "FifoQueue",
        "ContentBasedDeduplication",
        "DeduplicationScope",
        "FifoThroughputLimit",
    }
)
# Queue attributes whose string is a JSON document: compared as documents, not as text.
JSON_QUEUE_ATTRIBUTES = frozenset({"RedrivePolicy", "RedriveAllowPolicy"})
ALARM_DEFAULTS: Mapping[str, Any] = {"ActionsEnabled": True, "TreatMissingData": "missing"}
# "Rules are enabled by default" (EventBridge API Reference, PutRule).
RULE_DEFAULTS: Mapping[str, Any] = {"State": "ENABLED"}
# Policy-valued fields are compared (and shown in a diff) as one value.
POLICY_FIELDS = frozenset({"AssumeRolePolicyDocument", "PolicyDocument", "Policy"})


def canonical_properties(
    resource_type: ResourceType, properties: Mapping[str, Any]
) -> dict[str, Any]:
    """The canonical form of request-shaped ``properties`` of a resource of ``resource_type``."""
    identity = KINDS[resource_type].identity_fields
    fields = {key: value for key, value in properties.items() if key not in identity}
    if resource_type == "aws_scheduler_schedule":
        fields = _canonical_schedule(fields)
    elif resource_type == "aws_iam_role":
        fields = _with_defaults(fields, ROLE_DEFAULTS)
    elif resource_type == "aws_sqs_queue":
        attributes = {
            name: _attribute_string(
                json.loads(value)
                if name in JSON_QUEUE_ATTRIBUTES and isinstance(value, str)
                else value
            )
            for name, value in dict(fields.pop("Attributes", None) or {}).items()
            if name != "Policy"
        }
        fields["Attributes"] = _with_defaults(attributes, QUEUE_ATTRIBUTE_DEFAULTS)
    elif resource_type == "aws_sqs_queue_policy":
        fields = {"Policy": queue_policy_document(properties)}
    elif resource_type == "aws_cloudwatch_metric_alarm":
        fields = _canonical_alarm(fields)
    elif resource_type == "aws_cloudwatch_event_rule":
        fields = _with_defaults(fields, RULE_DEFAULTS)
        # DescribeRule gives the pattern as JSON text; compared as the document it is.
        if isinstance(fields.get("EventPattern"), str):
            fields["EventPattern"] = json.loads(fields["EventPattern"])
    for key in POLICY_FIELDS & fields.keys():
        fields[key] = canonical_policy(fields[key])
    pruned = _prune(fields)
    assert isinstance(pruned, dict)
    return pruned


def queue_policy_document(properties: Mapping[str, Any]) -> Any:
    """The policy of a queue-policy resource, whichever request shape carries it."""
    attributes = properties.get("Attributes")
    if isinstance(attributes, Mapping) and "Policy" in attributes:
        return attributes["Policy"]
    return properties.get("Policy", properties.get("PolicyDocument"))


def canonical_policy(document: Any) -> Any:
    """An IAM policy document in one shape: statements sorted, every list a sorted list."""
    if isinstance(document, str):
        if not document:
            return None
        document = json.loads(document)
    if not isinstance(document, Mapping):
        return document
    statements = document.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    canonical_statements = [_canonical_statement(statement) for statement in statements]
    canonical_statements.sort(key=lambda statement: json.dumps(statement, sort_keys=True))
    result = {key: value for key, value in document.items() if key != "Statement"}
    result["Statement"] = canonical_statements
    return result


def _canonical_statement(statement: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in statement.items():
        if key in {"Action", "NotAction", "Resource", "NotResource"}:
            result[key] = _string_set(value)
        elif key in {"Principal", "NotPrincipal"}:
            # A live document may hold shapes IAM itself would not write (e.g. ["*"]): compare
            # them as they are rather than fail the whole plan.
            if isinstance(value, Mapping):
                result[key] = {kind: _string_set(ids) for kind, ids in value.items()}
            elif isinstance(value, list | tuple):
                result[key] = _string_set(value)
            else:
                result[key] = value
        elif (
            key == "Condition"
            and isinstance(value, Mapping)
            and all(isinstance(tests, Mapping) for tests in value.values())
        ):
            result[key] = {
                operator: {name: _string_set(values) for name, values in tests.items()}
                for operator, tests in value.items()
            }
        else:
            result[key] = value
    return result


def _string_set(value: Any) -> list[str]:
    values = value if isinstance(value, list | tuple) else [value]
    return sorted({_attribute_string(item) for item in values})


def _attribute_string(value: Any) -> str:
    """SQS attributes and IAM condition values travel as strings; booleans in lower case."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping | list):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return str(value)


def _canonical_schedule(fields: dict[str, Any]) -> dict[str, Any]:
    fields = _with_defaults(fields, SCHEDULE_DEFAULTS)
    for date_field in ("StartDate", "EndDate"):
        if fields.get(date_field) is not None:
            fields[date_field] = canonical_timestamp(fields[date_field])
    if start_date_passed(fields.get("StartDate")):
        del fields["StartDate"]
    target = dict(fields.get("Target") or {})
    if target:
        if isinstance(target.get("Input"), str):
            target["Input"] = json.loads(target["Input"]) if target["Input"] else None
        target["RetryPolicy"] = _with_defaults(
            dict(target.get("RetryPolicy") or {}), RETRY_POLICY_DEFAULTS
        )
        if "EcsParameters" in target:
            target["EcsParameters"] = _canonical_ecs_parameters(target["EcsParameters"])
        fields["Target"] = target
    return fields


def _canonical_ecs_parameters(parameters: Mapping[str, Any]) -> dict[str, Any]:
    result = _with_defaults(dict(parameters), ECS_PARAMETERS_DEFAULTS)
    network = result.get("NetworkConfiguration")
    if network and network.get("awsvpcConfiguration"):
        vpc = dict(network["awsvpcConfiguration"])
        vpc.setdefault("AssignPublicIp", "DISABLED")
        for list_field in ("Subnets", "SecurityGroups"):
            vpc[list_field] = sorted(vpc.get(list_field) or [])
        result["NetworkConfiguration"] = {**network, "awsvpcConfiguration": vpc}
    if result.get("Tags"):
        # A list of one-entry maps whose order means nothing: merge into one sorted map.
        merged: dict[str, str] = {}
        for entry in result["Tags"]:
            merged.update(entry)
        result["Tags"] = [{key: merged[key]} for key in sorted(merged)]
    return result


def _canonical_alarm(fields: dict[str, Any]) -> dict[str, Any]:
    fields = _with_defaults(fields, ALARM_DEFAULTS)
    for list_field in ("OKActions", "AlarmActions", "InsufficientDataActions"):
        fields[list_field] = sorted(fields.get(list_field) or [])
    fields["Dimensions"] = sorted(
        (dict(dimension) for dimension in fields.get("Dimensions") or []),
        key=lambda dimension: dimension["Name"],
    )
    if fields.get("Threshold") is not None:
        fields["Threshold"] = float(fields["Threshold"])
    # Unset, AWS evaluates as many datapoints as periods: the same alarm either way.
    if fields.get("DatapointsToAlarm") is None and fields.get("EvaluationPeriods") is not None:
        fields["DatapointsToAlarm"] = fields["EvaluationPeriods"]
    return fields


def start_date_passed(start_date: Any) -> bool:
    """The model's rule (:func:`ecs_scheduler.resources.start_date_passed`) applied now, to a
    desired or live start date: a passed one is treated as none on both sides, and apply does
    not send it."""
    if start_date is None:
        return False
    moment = datetime.fromisoformat(canonical_timestamp(start_date))
    return resources.start_date_passed(moment, datetime.now(UTC))


def comparable_live_properties(
    resource_type: ResourceType, live: Mapping[str, Any], desired: Mapping[str, Any]
) -> dict[str, Any]:
    """``live`` without what the config has no say in: queue attributes it does not set.

    SQS reports every attribute, with defaults that vary by region and over time (the maximum
    message size grew in 2025); only those the config sets, or whose default is stable, count.
    """
    result = dict(live)
    if resource_type == "aws_sqs_queue":
        wanted = set(desired.get("Attributes") or {}) | set(QUEUE_ATTRIBUTE_DEFAULTS)
        result["Attributes"] = {
            name: value
            for name, value in dict(live.get("Attributes") or {}).items()
            if name in wanted
        }
    return result


def canonical_timestamp(value: Any) -> str:
    """A timestamp as ISO 8601 in UTC, to the second (the precision AWS keeps)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, int | float):
        value = datetime.fromtimestamp(value, tz=UTC)
    if not isinstance(value, datetime):
        raise TypeError(f"not a timestamp: {value!r}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return str(value.astimezone(UTC).replace(microsecond=0).isoformat())


def _with_defaults(fields: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    result = dict(fields)
    for key, value in defaults.items():
        if result.get(key) is None:
            result[key] = value
    return result


def _prune(value: Any) -> Any:
    """Drops None, empty strings, lists and maps, recursively; tuples become lists."""
    if isinstance(value, Mapping):
        pruned = {key: _prune(item) for key, item in value.items()}
        return {key: item for key, item in pruned.items() if not _is_empty(item)}
    if isinstance(value, list | tuple):
        return [_prune(item) for item in value if not _is_empty(_prune(item))]
    if isinstance(value, datetime):
        return canonical_timestamp(value)
    return value


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and len(value) == 0)


def diff(old: Any, new: Any, path: str = "") -> dict[str, tuple[Any, Any]]:
    """Changed leaves between two canonical values, by dotted field path: path -> (old, new).

    Lists and policy documents compare as one value: a changed element shows the whole list.
    A map that appears or disappears shows each of its fields, as ``terraform plan`` does.
    """
    both_maps = isinstance(old, Mapping | None) and isinstance(new, Mapping | None)
    if (
        both_maps
        and (old is not None or new is not None)
        and path.rpartition(".")[2] not in POLICY_FIELDS
    ):
        old = old or {}
        new = new or {}
        changes: dict[str, tuple[Any, Any]] = {}
        for key in sorted(old.keys() | new.keys()):
            changes.update(diff(old.get(key), new.get(key), f"{path}.{key}" if path else key))
        return changes
    if old == new:
        return {}
    return {path: (old, new)}
