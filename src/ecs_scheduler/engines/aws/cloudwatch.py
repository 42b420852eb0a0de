"""CloudWatch: the alarms on a job's dead-letter queue, read and written."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from ecs_scheduler.engines.aws.canonical import with_defaults
from ecs_scheduler.engines.aws.clients import AwsClients
from ecs_scheduler.engines.aws.service import (
    ALARM,
    QUEUE,
    LiveResource,
    RecordedKind,
    ServiceOperations,
    WriteContext,
    is_owned,
    request_fields,
    retag,
    tag_list,
    tag_map,
)
from ecs_scheduler.resources import Resource, ResourceType, address

# DeleteAlarms answers ResourceNotFound for a named alarm that does not exist (CloudWatch API
# Reference, DeleteAlarms, "Errors"; the SDKs' DeleteAlarmsError has that one variant).
NOT_FOUND_CODES: Final = frozenset({"ResourceNotFound"})
# What PutMetricAlarm assumes for an omitted ActionsEnabled and TreatMissingData.
ALARM_DEFAULTS: Final[Mapping[str, Any]] = {"ActionsEnabled": True, "TreatMissingData": "missing"}
# The Terraform resource names of the model, for alarms of jobs no longer in the config.
_ALARM_NAME_BY_METRIC = {
    "ApproximateNumberOfMessagesVisible": "dlq_messages_visible",
    "ApproximateAgeOfOldestMessage": "dlq_oldest_message",
}

# -- reads --------------------------------------------------------------------------------


def read_alarms(
    clients: AwsClients,
    stack: str,
    job: str,
    wanted: Mapping[tuple[ResourceType, str], Resource],
    queue_name: str | None,
) -> list[LiveResource]:
    """The job's alarms: those ``wanted`` by name, and ours on the queue ``queue_name``."""
    cloudwatch = clients.cloudwatch
    address_by_name = {
        resource.aws_name: resource.address
        for (resource_type, _), resource in wanted.items()
        if resource_type == ALARM
    }
    alarms: dict[str, dict[str, Any]] = {}
    if address_by_name:
        for page in cloudwatch.get_paginator("describe_alarms").paginate(
            AlarmNames=sorted(address_by_name), AlarmTypes=["MetricAlarm"]
        ):
            alarms.update({alarm["AlarmName"]: alarm for alarm in page["MetricAlarms"]})
    configured_queue = next(
        (resource.aws_name for (kind, _), resource in wanted.items() if kind == QUEUE), None
    )
    all_found_by_name = bool(address_by_name) and address_by_name.keys() <= alarms.keys()
    if queue_name and not (all_found_by_name and queue_name == configured_queue):
        # Alarms on this job's queue under other names: a job no longer configured, an
        # alarm the config has since turned off, or one whose name has changed.
        for metric in _ALARM_NAME_BY_METRIC:
            response = cloudwatch.describe_alarms_for_metric(
                MetricName=metric,
                Namespace="AWS/SQS",
                Dimensions=[{"Name": "QueueName", "Value": queue_name}],
            )
            # moto ignores the Dimensions filter; AWS applies it. Filter either way.
            alarms.update(
                {
                    alarm["AlarmName"]: alarm
                    for alarm in response["MetricAlarms"]
                    if {"Name": "QueueName", "Value": queue_name} in alarm.get("Dimensions", [])
                }
            )
    fields = request_fields(cloudwatch, "PutMetricAlarm")
    wanted_by_resource_name = {
        resource.name: resource for (kind, _), resource in wanted.items() if kind == ALARM
    }
    claimed = {address_by_name[name] for name in alarms if name in address_by_name}

    def place(name: str, resource_name: str) -> str:
        """The address of a live alarm: its configured one, else the one of its metric.

        An alarm under an old name (the job's names changed) takes the address of the
        alarm the config wants for its metric, so the plan shows one replacement there.
        Only a second alarm for one address (an interrupted rename) is keyed apart.
        """
        configured = address_by_name.get(name)
        if configured is not None:
            return configured
        renamed = wanted_by_resource_name.get(resource_name)
        real = renamed.address if renamed is not None else address(job, ALARM, resource_name)
        if real not in claimed:
            claimed.add(real)
            return real
        return address(job, ALARM, resource_name, name)

    found: list[LiveResource] = []
    for name, alarm in sorted(alarms.items()):
        tags = tag_map(cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"])
        owned = is_owned(tags, stack, job)
        if name not in address_by_name and not owned:
            continue  # someone else's alarm on our queue: not ours to report or remove
        resource_name = _ALARM_NAME_BY_METRIC.get(alarm.get("MetricName", ""), name)
        found.append(
            LiveResource(
                place(name, resource_name),
                job,
                ALARM,
                name,
                alarm["AlarmArn"],
                {key: value for key, value in alarm.items() if key in fields},
                tags,
                owned,
            )
        )
    return found


def alarm_topics(resources: Iterable[Resource]) -> Iterable[str]:
    """The SNS topics the desired alarms notify, for preflight to check."""
    for resource in resources:
        if resource.type == ALARM:
            for name in ("AlarmActions", "OKActions", "InsufficientDataActions"):
                for action in resource.properties.get(name) or []:
                    if str(action).split(":")[2:3] == ["sns"]:
                        yield str(action)


# -- canonical form -----------------------------------------------------------------------


def canonical_alarm(fields: dict[str, Any]) -> dict[str, Any]:
    """An alarm's own canonical form: CloudWatch's defaults, its action lists and dimensions
    sorted, the threshold a float."""
    fields = with_defaults(fields, ALARM_DEFAULTS)
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


# -- alarms -------------------------------------------------------------------------------


def create_alarm(context: WriteContext, resource: Resource) -> None:
    # PutMetricAlarm "creates or updates an alarm" (CloudWatch API Reference): it replaces
    # one of the same name without an error, so an alarm made after the plan is looked for.
    cloudwatch = context.clients.cloudwatch
    existing = cloudwatch.describe_alarms(
        AlarmNames=[resource.aws_name], AlarmTypes=["MetricAlarm", "CompositeAlarm"]
    )
    for alarm in [*existing["MetricAlarms"], *existing["CompositeAlarms"]]:
        tags = tag_map(cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"])
        context.check_owned(resource, "CloudWatch alarm", tags)
    cloudwatch.put_metric_alarm(
        AlarmName=resource.aws_name, **resource.properties, Tags=tag_list(resource.tags)
    )


def update_alarm(context: WriteContext, resource: Resource, live: LiveResource | None) -> None:
    cloudwatch = context.clients.cloudwatch
    cloudwatch.put_metric_alarm(AlarmName=resource.aws_name, **resource.properties)
    retag(
        live,
        resource,
        lambda keys: cloudwatch.untag_resource(ResourceARN=resource.arn, TagKeys=keys),
        lambda: cloudwatch.tag_resource(ResourceARN=resource.arn, Tags=tag_list(resource.tags)),
    )


def delete_alarm(clients: AwsClients, live: LiveResource) -> None:
    clients.cloudwatch.delete_alarms(AlarmNames=[live.aws_name])


# No alarm name is recorded on the group: alarms are found by their names and by the queue they
# watch (read_alarms).
RECORDED: Final[tuple[RecordedKind, ...]] = ()

OPERATIONS: Final = {
    ALARM: ServiceOperations(
        create_alarm, update_alarm, delete_alarm, NOT_FOUND_CODES, canonical=canonical_alarm
    ),
}
