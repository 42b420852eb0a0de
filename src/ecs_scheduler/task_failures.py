"""Task-failure alerts: which ECS tasks belong to a job, when one failed, and whom to tell.

Scheduler counts a task that started as a success, so a container exiting 1 never reaches
the dead-letter queue. ECS reports every task's end as an "ECS Task State Change" event on
the account's default event bus; one EventBridge rule per job matches the failed ends of its
tasks and publishes a readable message to the job's SNS topics. Everything here is pure: the
engines and exports turn it into a rule and its target.

- Each schedule's tasks carry an ECS task *group* naming stack, job and schedule
  (:func:`task_group`); the rule matches the job's group prefix (:func:`group_prefix`).
- :func:`event_pattern` is the rule's pattern, :func:`input_transformer` its message.
- :func:`topic_policy_finding` and :func:`key_policy_finding` tell preflight whether a topic
  (and its KMS key) lets EventBridge publish for the rule, and the statement to add if not.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from ecs_scheduler import naming
from ecs_scheduler.config import Job
from ecs_scheduler.naming import HASH_LENGTH, NameRule, NamingParts
from ecs_scheduler.policies import POLICY_VERSION, PolicyDocument
from ecs_scheduler.resource_policy import ServiceRequest, allows, statements

EVENTS_PRINCIPAL: Final = "events.amazonaws.com"

# RunTask's ``group`` and Scheduler's EcsParameters ``Group``: at most 255 characters (botocore
# model scheduler/2021-06-30, shape Group: min 1, max 255; EventBridge Scheduler API Reference,
# EcsParameters). Neither documents a character set; ECS's own default group is
# ``family:<name>`` (ECS API Reference, RunTask, ``group``), so ``:`` is a separator ECS uses.
TASK_GROUP_RULE: Final = NameRule("ECS task group", 255, re.compile(r"[A-Za-z0-9_.:-]+"))
TASK_GROUP_SCHEME: Final = "ecs-scheduler"

# EventBridge rule names: 1-64 of ``[\.\-_A-Za-z0-9]`` (EventBridge API Reference, PutRule,
# Name; botocore model events/2015-10-07, shape RuleName). Descriptions: at most 512
# characters (shape RuleDescription).
EVENT_RULE_RULE: Final = NameRule("EventBridge rule", 64, re.compile(r"[.\-_A-Za-z0-9]+"))
RULE_DESCRIPTION_MAX_LENGTH: Final = 512
TASK_FAILED_KIND: Final = "-task-failed"
# PutTargets: a target's Id is 1-64 of the same characters (botocore shape TargetId); a rule
# has at most 5 targets (EventBridge User Guide, "Amazon EventBridge quotas", Targets per
# rule), which task_failure_actions must respect, as the alarms' 5 actions do.
TARGET_ID_RULE: Final = NameRule("EventBridge target", 64, re.compile(r"[.\-_A-Za-z0-9]+"))
TARGETS_PER_RULE_MAX: Final = 5

# The "Event pattern size" quota: 2,048 characters by default, adjustable (EventBridge User
# Guide, "Amazon EventBridge quotas"); PutRule's EventPattern accepts at most 4,096 (shape
# EventPattern). A job's pattern must fit the default.
EVENT_PATTERN_MAX_LENGTH: Final = 2048
# InputTransformer: at most 100 InputPathsMap entries, keys ``[A-Za-z0-9_-]{1,256}``, JSON
# paths in dot notation of at most 256 characters, an InputTemplate of at most 8,192
# characters (EventBridge API Reference, InputTransformer; botocore shapes TransformerPaths,
# InputTransformerPathKey, TargetInputPath, TransformerInput).
INPUT_PATHS_MAX: Final = 100
INPUT_PATH_KEY_PATTERN: Final = re.compile(r"[A-Za-z0-9_-]{1,256}")
INPUT_PATH_MAX_LENGTH: Final = 256
INPUT_TEMPLATE_MAX_LENGTH: Final = 8192

# Stop codes that end a task without it having failed (ECS API Reference, Task, ``stopCode``:
# TaskFailedToStart | EssentialContainerExited | UserInitiated | ServiceSchedulerInitiated |
# SpotInterruption | TerminationNotice | InfrastructureHealth, botocore shape TaskStopCode).
# EssentialContainerExited is a failure only with a bad exit code, judged by the exit codes;
# UserInitiated is a person's decision; ServiceSchedulerInitiated concerns services, not
# scheduled tasks. Every other code (failed to start, Spot interruption, termination notice,
# infrastructure health, and any code ECS adds later) means the job did not complete.
NOT_A_FAILURE_STOP_CODES: Final = (
    "EssentialContainerExited",
    "UserInitiated",
    "ServiceSchedulerInitiated",
)


def task_group(stack: str, job: str, schedule_key: str) -> str:
    """The ECS task group of one schedule's tasks: ``ecs-scheduler:<stack>:<job>:<key>``.

    The primary schedule's key is ``""``, so its group ends with ``:``. Stack names and job
    keys are ``[a-z0-9-]{1,32}`` and schedule names ``[0-9A-Za-z_.-]{1,64}`` (config), none
    with ``:``; so a group splits back into its parts, no two schedules share one, and the
    longest (13 + 3 + 32 + 32 + 64 = 144 characters) fits ECS's 255 without shortening.
    """
    return f"{group_prefix(stack, job)}{schedule_key}"


def group_prefix(stack: str, job: str) -> str:
    """What every group of the job starts with, and no other job's group does."""
    return f"{TASK_GROUP_SCHEME}:{stack}:{job}:"


def rule_name(parts: NamingParts) -> str:
    """The job's task-failure rule: ``<base>-task-failed``, shortened as every name is."""
    return naming.fit(
        naming.standard_prefix(parts),
        f"-{parts.stack}_{parts.job}{TASK_FAILED_KIND}",
        EVENT_RULE_RULE,
    )


def rule_description(stack: str, job: str) -> str:
    return f"Failed ECS tasks of job {job} in stack {stack} (ecs-scheduler task-failure alert)"


def rule_arn(partition: str, region: str, account: str, name: str) -> str:
    """A rule on the default event bus (EventBridge User Guide, "Amazon EventBridge rules")."""
    return f"arn:{partition}:events:{region}:{account}:rule/{name}"


def event_pattern(cluster_arn: str, stack: str, job: str) -> dict[str, Any]:
    """The rule's pattern: the job's tasks on its cluster that stopped badly.

    Syntax from the EventBridge User Guide, "Content filtering in Amazon EventBridge event
    patterns" (prefix, anything-but with a list, exists, ``$or``); field names from the ECS
    Developer Guide, "Amazon ECS task state change events" (``detail`` is the Task object of
    DescribeTasks). Events of one source and detail-type on the default bus.

    EventBridge matches a pattern on an array field if ANY element matches, and a pattern on
    a field inside an array of objects sees that field of every element (EventBridge User
    Guide, "Arrays in Amazon EventBridge event patterns"; aws/event-ruler README, "JSON Array
    Matching"). Three ways a task fails, any one enough (``$or``):

    1. ``containers.exitCode`` anything-but 0: SOME container exited non-zero. A container
       without ``exitCode`` (never started, or still stopping) adds no value, so it neither
       matches nor prevents a match. The event's containers carry no ``essential`` flag (ECS
       API Reference, Container); pairing a container's ``name`` with its own ``exitCode``
       would need EventBridge to match two fields of one element together, which AWS does
       not document (event-ruler has both readings). So a non-essential sidecar exiting
       non-zero alerts too (docs/task-failures.md).
    2. ``stopCode`` anything-but the codes that are not failures: the task did not get to
       finish (``TaskFailedToStart``: no container ran, so there is no exit code at all;
       Spot interruption; termination notice; infrastructure health).
    3. ``stopCode`` EssentialContainerExited and no container has an ``exitCode``: the
       essential container ended without one (it could not be started), so (1) cannot see it.
    """
    stopped_by_exit: dict[str, Any] = {"stopCode": ["EssentialContainerExited"]}
    return {
        "source": ["aws.ecs"],
        "detail-type": ["ECS Task State Change"],
        "detail": {
            "clusterArn": [cluster_arn],
            "lastStatus": ["STOPPED"],
            "group": [{"prefix": group_prefix(stack, job)}],
            "$or": [
                {"containers": {"exitCode": [{"anything-but": 0}]}},
                {"stopCode": [{"anything-but": list(NOT_A_FAILURE_STOP_CODES)}]},
                {**stopped_by_exit, "containers": {"exitCode": [{"exists": False}]}},
            ],
        },
    }


def event_pattern_text(pattern: Mapping[str, Any]) -> str:
    """The pattern as PutRule takes it; compact, so its size is what the quota counts."""
    return json.dumps(pattern, separators=(",", ":"))


# What the message shows, by InputPathsMap key: JSON paths into the "ECS Task State Change"
# event (dot notation only, as InputTransformer requires).
MESSAGE_PATHS: Final = {
    "group": "$.detail.group",
    "taskArn": "$.detail.taskArn",
    "stopCode": "$.detail.stopCode",
    "stoppedReason": "$.detail.stoppedReason",
    "startedAt": "$.detail.startedAt",
    "stoppedAt": "$.detail.stoppedAt",
    "containers": "$.detail.containers",
    "time": "$.time",
}

# The console's host per partition; the commercial one serves every commercial Region with a
# ``?region=`` parameter.
_CONSOLE_HOSTS: Final = {
    "aws": "console.aws.amazon.com",
    "aws-cn": "console.amazonaws.cn",
    "aws-us-gov": "console.amazonaws-us-gov.com",
}


def console_tasks_url(partition: str, region: str, cluster_name: str) -> str:
    """The ECS console's list of the cluster's stopped tasks.

    A link to the one task needs its id, the last part of ``taskArn``; an input transformer
    only copies JSON values by path and cannot cut one (EventBridge API Reference,
    InputTransformer), so the message carries the task ARN next to this link.
    """
    host = _CONSOLE_HOSTS.get(partition, _CONSOLE_HOSTS["aws"])
    return (
        f"https://{region}.{host}/ecs/v2/clusters/{cluster_name}/tasks"
        f"?status=STOPPED&region={region}"
    )


@dataclass(frozen=True)
class InputTransformer:
    """A target's InputTransformer: what to copy from the event, and the message around it."""

    input_paths_map: Mapping[str, str]
    input_template: str

    def as_api(self) -> dict[str, Any]:
        return {"InputPathsMap": dict(self.input_paths_map), "InputTemplate": self.input_template}


def input_transformer(
    *, stack: str, job: str, cluster_name: str, partition: str, region: str
) -> InputTransformer:
    """The alert message: a JSON object a person can act on, first field a sentence.

    The template is JSON with placeholders outside quotes, so EventBridge inserts each value
    as JSON (strings quoted and escaped, the containers as an array with each container's
    name, exitCode and reason): EventBridge API Reference, InputTransformer, InputTemplate.
    Stack, job and the console link are known when the rule is built and written literally.
    """
    literal = {
        "summary": f"An ECS task of job {job} in stack {stack} failed on cluster {cluster_name}.",
        "stack": stack,
        "job": job,
    }
    fields = [f"{json.dumps(key)}:{json.dumps(value)}" for key, value in literal.items()]
    fields += [
        '"schedule_group":<group>',
        '"task_arn":<taskArn>',
        '"stop_code":<stopCode>',
        '"stopped_reason":<stoppedReason>',
        '"started_at":<startedAt>',
        '"stopped_at":<stoppedAt>',
        '"containers":<containers>',
        '"event_time":<time>',
        f'"console":{json.dumps(console_tasks_url(partition, region, cluster_name))}',
    ]
    return InputTransformer(MESSAGE_PATHS, "{" + ",".join(fields) + "}")


def target_id(topic_arn: str) -> str:
    """The target's Id for a topic: ``sns-<topic name>-<hash of the ARN>``, readable, stable,
    and distinct for same-named topics of two accounts or Regions."""
    digest = hashlib.sha256(topic_arn.encode("utf-8")).hexdigest()[:HASH_LENGTH]
    head = f"sns-{topic_arn.rsplit(':', 1)[-1]}"[: TARGET_ID_RULE.max_length - HASH_LENGTH - 1]
    return f"{head}-{digest}"


@dataclass(frozen=True)
class TaskFailureRule:
    """Everything the engines and exports need to create one job's rule and its targets."""

    name: str
    arn: str
    description: str
    event_pattern: Mapping[str, Any]
    targets: Mapping[str, str]  # topic ARN by target Id; empty: the rule only counts
    input_transformer: InputTransformer


def task_failure_rule(
    stack: str, job_key: str, job: Job, topic_arns: Iterable[str]
) -> TaskFailureRule:
    """The rule of a job whose alerts go to ``topic_arns`` (none: a rule without targets)."""
    name = rule_name(NamingParts.of(stack, job_key, job))
    return TaskFailureRule(
        name=name,
        arn=rule_arn(job.partition, job.region, job.account, name),
        description=rule_description(stack, job_key),
        event_pattern=event_pattern(job.ecs_cluster_arn, stack, job_key),
        targets={target_id(arn): arn for arn in dict.fromkeys(topic_arns)},
        input_transformer=input_transformer(
            stack=stack,
            job=job_key,
            cluster_name=job.cluster_name,
            partition=job.partition,
            region=job.region,
        ),
    )


@dataclass(frozen=True)
class PolicyFinding:
    """Whether a resource policy lets EventBridge do what the rule needs, and if not, the
    statement to add to it."""

    allowed: bool
    statement_to_add: PolicyDocument | None


def topic_publish_statement(topic_arn: str, rule_arn_: str) -> PolicyDocument:
    """Let EventBridge publish to the topic for this rule only.

    Principal and action from the EventBridge User Guide, "Using resource-based policies for
    Amazon EventBridge", Amazon SNS permissions; the ``aws:SourceArn`` pin to the rule guards
    against the confused deputy (IAM User Guide, "The confused deputy problem").
    """
    return {
        "Sid": "AllowEventBridgeTaskFailureAlerts",
        "Effect": "Allow",
        "Principal": {"Service": EVENTS_PRINCIPAL},
        "Action": "sns:Publish",
        "Resource": topic_arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn_}},
    }


def topic_policy_finding(
    policy: Mapping[str, Any] | str | None, *, topic_arn: str, rule_arn: str, account: str
) -> PolicyFinding:
    """Whether the topic's policy lets EventBridge publish to it for the rule.

    EventBridge presents ``aws:SourceArn`` (the rule) and ``aws:SourceAccount`` to SNS (IAM
    User Guide, "AWS global condition context keys": set when a service principal acts for a
    resource). It does not present ``aws:SourceOwner``: the default topic policy allows only
    that owner and AWS still tells users to add a statement for ``events.amazonaws.com``
    (EventBridge User Guide, Amazon SNS permissions), so a statement that needs it does not
    count. ``policy`` is the topic's ``Policy`` attribute, as text or parsed; none is no grant.
    """
    document = json.loads(policy) if isinstance(policy, str) else (policy or {})
    request = ServiceRequest(
        service=EVENTS_PRINCIPAL,
        action="sns:Publish",
        resource=topic_arn,
        context={"aws:SourceArn": rule_arn, "aws:SourceAccount": account},
        absent=frozenset({"aws:SourceOwner"}),
    )
    if allows(document, request):
        return PolicyFinding(True, None)
    return PolicyFinding(False, topic_publish_statement(topic_arn, rule_arn))


# A KMS-encrypted topic: the publishing service principal needs kms:GenerateDataKey* and
# kms:Decrypt on the topic's key (Amazon SNS Developer Guide, "Data encryption", "Enable
# compatibility between event sources from AWS services and encrypted topics", which lists
# EventBridge, events.amazonaws.com).
TOPIC_KEY_ACTIONS: Final = ("kms:GenerateDataKey", "kms:Decrypt")


def topic_key_statement() -> PolicyDocument:
    """The key-policy statement AWS documents for a service that publishes to an encrypted
    topic; in a key policy, ``"Resource": "*"`` is the key itself."""
    return {
        "Sid": "AllowEventBridgeToPublishToEncryptedTopics",
        "Effect": "Allow",
        "Principal": {"Service": EVENTS_PRINCIPAL},
        "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
        "Resource": "*",
    }


def key_policy_finding(policy: Mapping[str, Any] | str, *, key_arn: str) -> PolicyFinding:
    """Whether the topic key's policy lets EventBridge generate data keys and decrypt.

    The encryption context and the keys SNS adds to these calls are not documented, so
    conditions on them are given the benefit of the doubt (:mod:`ecs_scheduler.resource_policy`).
    """
    document = json.loads(policy) if isinstance(policy, str) else policy
    granted = all(
        allows(document, ServiceRequest(EVENTS_PRINCIPAL, action, key_arn))
        for action in TOPIC_KEY_ACTIONS
    )
    return PolicyFinding(True, None) if granted else PolicyFinding(False, topic_key_statement())


def policy_with_statement(
    policy: Mapping[str, Any] | str | None, statement: PolicyDocument
) -> PolicyDocument:
    """The policy with the statement added (or replacing one with its Sid), ready to set."""
    document: dict[str, Any] = dict(
        json.loads(policy) if isinstance(policy, str) else (policy or {})
    )
    kept = [
        existing for existing in statements(document) if existing.get("Sid") != statement.get("Sid")
    ]
    document.setdefault("Version", POLICY_VERSION)
    document["Statement"] = [*kept, statement]
    return document
