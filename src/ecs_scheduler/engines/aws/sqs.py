"""SQS: a job's dead-letter queue and the queue's policy, read and written."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Final

from botocore.exceptions import ClientError

from ecs_scheduler.engines.aws.canonical import attribute_string, canonical_form, with_defaults
from ecs_scheduler.engines.aws.clients import AwsClients
from ecs_scheduler.engines.aws.service import (
    QUEUE,
    QUEUE_POLICY,
    LiveResource,
    RecordedKind,
    ServiceOperations,
    WriteContext,
    as_json,
    error_code,
    is_owned,
    parsed_policy,
    retag,
)
from ecs_scheduler.naming import TAG_QUEUE
from ecs_scheduler.resources import Resource, address

# A missing queue: AWS.SimpleQueueService.NonExistentQueue in SQS's query protocol,
# QueueDoesNotExist in its JSON protocol (SQS API Reference, GetQueueUrl, "Errors").
NOT_FOUND_CODES: Final = frozenset({"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"})
# Queue attributes compared even when the config leaves them out, with the value SQS gives
# them (CreateQueue, "Default: 0" for DelaySeconds and ReceiveMessageWaitTimeSeconds, 30 for
# VisibilityTimeout); any other attribute is compared only when the config sets it.
QUEUE_ATTRIBUTE_DEFAULTS: Final[Mapping[str, str]] = {
    "DelaySeconds": "0",
    "ReceiveMessageWaitTimeSeconds": "0",
    "VisibilityTimeout": "30",
}
# Attributes CreateQueue/SetQueueAttributes accept; the rest of GetQueueAttributes is read-only.
SETTABLE_QUEUE_ATTRIBUTES: Final = frozenset(
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
JSON_QUEUE_ATTRIBUTES: Final = frozenset({"RedrivePolicy", "RedriveAllowPolicy"})
QUEUE_MESSAGE_COUNTS = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
)

# -- reads --------------------------------------------------------------------------------


def read_queue(clients: AwsClients, stack: str, job: str, name: str) -> list[LiveResource]:
    """The queue of this name and its policy, if it has one; nothing if there is no queue."""
    sqs = clients.sqs
    try:
        url: str = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        tags = sqs.list_queue_tags(QueueUrl=url).get("Tags", {})
    except ClientError as error:
        if error_code(error) in NOT_FOUND_CODES:
            return []
        raise
    owned = is_owned(tags, stack, job)
    settable = {key: value for key, value in attributes.items() if key in SETTABLE_QUEUE_ATTRIBUTES}
    arn = attributes["QueueArn"]
    found = [
        LiveResource(
            address(job, QUEUE, "dlq"),
            job,
            QUEUE,
            name,
            arn,
            {"Attributes": settable},
            tags,
            owned,
            queue_url=url,
            queue_messages=_message_count(attributes),
        )
    ]
    if attributes.get("Policy"):
        found.append(
            LiveResource(
                address(job, QUEUE_POLICY, "dlq"),
                job,
                QUEUE_POLICY,
                name,
                arn,
                {"Policy": parsed_policy(attributes["Policy"])},
                owned=owned,
                queue_url=url,
            )
        )
    return found


RECORDED: Final = (
    RecordedKind(
        QUEUE,
        "dlq",
        TAG_QUEUE,
        "-dlq",
        lambda clients, stack, job, name, _: read_queue(clients, stack, job, name),
        schedule_path=("Target", "DeadLetterConfig", "Arn"),
    ),
)


def queue_messages(clients: AwsClients, url: str | None) -> int:
    """The queue's message count now (SQS's approximate counts, as the plan read them)."""
    try:
        attributes = clients.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=list(QUEUE_MESSAGE_COUNTS)
        )["Attributes"]
    except ClientError as error:
        if error_code(error) in NOT_FOUND_CODES:
            return 0
        raise
    return _message_count(attributes)


def _message_count(attributes: dict[str, str]) -> int:
    return sum(int(attributes.get(count, 0)) for count in QUEUE_MESSAGE_COUNTS)


def kms_keys(resources: Iterable[Resource]) -> Iterable[str]:
    """The KMS keys the desired queues are encrypted with, for preflight to check."""
    for resource in resources:
        if resource.type == QUEUE:
            attributes = resource.properties.get("Attributes", resource.properties)
            if isinstance(attributes, Mapping) and attributes.get("KmsMasterKeyId"):
                yield str(attributes["KmsMasterKeyId"])


# -- canonical form -----------------------------------------------------------------------


def canonical_queue(fields: dict[str, Any]) -> dict[str, Any]:
    """A queue's own canonical form: its attributes as the strings SQS keeps (JSON ones as
    documents), with SQS's defaults; the policy is the queue policy's, not the queue's."""
    attributes = {
        name: attribute_string(
            json.loads(value) if name in JSON_QUEUE_ATTRIBUTES and isinstance(value, str) else value
        )
        for name, value in dict(fields.pop("Attributes", None) or {}).items()
        if name != "Policy"
    }
    fields["Attributes"] = with_defaults(attributes, QUEUE_ATTRIBUTE_DEFAULTS)
    return fields


def comparable_queue(live: Mapping[str, Any], desired: Mapping[str, Any]) -> dict[str, Any]:
    """``live`` without the attributes the config has no say in.

    SQS reports every attribute, with defaults that vary by region and over time (the maximum
    message size grew in 2025); only those the config sets, or whose default is stable, count.
    """
    wanted = set(desired.get("Attributes") or {}) | set(QUEUE_ATTRIBUTE_DEFAULTS)
    attributes = dict(live.get("Attributes") or {})
    return {**live, "Attributes": {name: attributes[name] for name in attributes if name in wanted}}


def canonical_queue_policy(fields: dict[str, Any]) -> dict[str, Any]:
    """The policy of a queue-policy resource, whichever request shape carries it."""
    attributes = fields.get("Attributes")
    if isinstance(attributes, Mapping) and "Policy" in attributes:
        return {"Policy": attributes["Policy"]}
    return {"Policy": fields.get("Policy", fields.get("PolicyDocument"))}


# -- queues -------------------------------------------------------------------------------


def _queue_attributes(resource: Resource) -> dict[str, str]:
    attributes: dict[str, str] = canonical_form(QUEUE, resource.properties, canonical_queue).get(
        "Attributes", {}
    )
    return attributes


def create_queue(context: WriteContext, resource: Resource) -> None:
    sqs = context.clients.sqs
    attributes = _queue_attributes(resource)
    try:
        sqs.create_queue(
            QueueName=resource.aws_name, Attributes=attributes, tags=dict(resource.tags)
        )
    except ClientError as error:
        if error_code(error) not in {"QueueAlreadyExists", "QueueNameExists"}:
            raise
        url = sqs.get_queue_url(QueueName=resource.aws_name)["QueueUrl"]
        tags = sqs.list_queue_tags(QueueUrl=url).get("Tags", {})
        context.check_owned(resource, "SQS queue", tags)
        update_queue(context, resource, None)


def update_queue(context: WriteContext, resource: Resource, live: LiveResource | None) -> None:
    sqs = context.clients.sqs
    url = sqs.get_queue_url(QueueName=resource.aws_name)["QueueUrl"]
    attributes = _queue_attributes(resource)
    # moto clears a queue's policy on any SetQueueAttributes that omits it (AWS keeps it);
    # sending the current policy back unchanged is right for both.
    current = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])
    if current.get("Attributes", {}).get("Policy"):
        attributes["Policy"] = current["Attributes"]["Policy"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    retag(
        live,
        resource,
        lambda keys: sqs.untag_queue(QueueUrl=url, TagKeys=keys),
        lambda: sqs.tag_queue(QueueUrl=url, Tags=dict(resource.tags)),
    )


def delete_queue(clients: AwsClients, live: LiveResource) -> None:
    clients.sqs.delete_queue(QueueUrl=live.queue_url)


# -- the queue's policy -------------------------------------------------------------------


def put_queue_policy(context: WriteContext, resource: Resource) -> None:
    sqs = context.clients.sqs
    url = sqs.get_queue_url(QueueName=resource.aws_name)["QueueUrl"]
    sqs.set_queue_attributes(
        QueueUrl=url, Attributes={"Policy": as_json(resource.properties["Policy"])}
    )


def delete_queue_policy(clients: AwsClients, live: LiveResource) -> None:
    clients.sqs.set_queue_attributes(QueueUrl=live.queue_url, Attributes={"Policy": ""})


OPERATIONS: Final = {
    QUEUE: ServiceOperations(
        create_queue,
        update_queue,
        delete_queue,
        NOT_FOUND_CODES,
        canonical=canonical_queue,
        comparable=comparable_queue,
    ),
    QUEUE_POLICY: ServiceOperations.by_put(
        put_queue_policy, delete_queue_policy, NOT_FOUND_CODES, canonical=canonical_queue_policy
    ),
}
