"""Every policy document of a job, built once here and used by apply and both exports.

The documents are plain dicts (``Version`` 2012-10-17, a ``Sid`` on every statement). A role
that is only known from the task definition appears as a :class:`~ecs_scheduler.resources.Lookup`
inside a ``Resource`` list; :func:`ecs_scheduler.resources.resolve` substitutes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from ecs_scheduler.resources import Lookup

POLICY_VERSION: Final = "2012-10-17"
SCHEDULER_PRINCIPAL: Final = "scheduler.amazonaws.com"
ECS_TASKS_PRINCIPAL: Final = "ecs-tasks.amazonaws.com"

# The DNS suffix of regional endpoints, which kms:ViaService and queue URLs are built from.
_DNS_SUFFIX_BY_PARTITION: Final = {
    "aws-cn": "amazonaws.com.cn",
    "aws-iso": "c2s.ic.gov",
    "aws-iso-b": "sc2s.sgov.gov",
}
_DEFAULT_DNS_SUFFIX: Final = "amazonaws.com"

PolicyDocument = dict[str, Any]


def dns_suffix(partition: str) -> str:
    return _DNS_SUFFIX_BY_PARTITION.get(partition, _DEFAULT_DNS_SUFFIX)


def schedule_group_arn(partition: str, region: str, account: str, group: str) -> str:
    return f"arn:{partition}:scheduler:{region}:{account}:schedule-group/{group}"


def schedule_arn(partition: str, region: str, account: str, group: str, schedule: str) -> str:
    return f"arn:{partition}:scheduler:{region}:{account}:schedule/{group}/{schedule}"


def kms_alias_name(kms_key_arn: str) -> str | None:
    """``alias/<name>`` when the ARN names an alias rather than a key, else None."""
    resource = kms_key_arn.split(":", 5)[5]
    return resource if resource.startswith("alias/") else None


def trust_policy(*, partition: str, region: str, account: str, group: str) -> PolicyDocument:
    """Only EventBridge Scheduler, acting for this account's schedule group, may assume the role.

    AWS documents the schedule group ARN (not a schedule's) as the ``aws:SourceArn`` that
    Scheduler presents; pinning it and the account prevents the confused deputy.
    """
    return {
        "Version": POLICY_VERSION,
        "Statement": [
            {
                "Sid": "AllowEventBridgeSchedulerForThisGroup",
                "Effect": "Allow",
                "Principal": {"Service": SCHEDULER_PRINCIPAL},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account},
                    "ArnEquals": {
                        "aws:SourceArn": schedule_group_arn(partition, region, account, group)
                    },
                },
            }
        ],
    }


def _kms_statement(
    *, partition: str, region: str, account: str, kms_key_arn: str
) -> PolicyDocument:
    """Encrypt/decrypt DLQ messages with the job's key, and only through SQS and Scheduler.

    IAM matches KMS requests against the key ARN, never an alias ARN, so a configured alias
    becomes "any key of this account and region that carries this alias".
    """
    suffix = dns_suffix(partition)
    conditions: dict[str, dict[str, Any]] = {
        "StringEquals": {
            "kms:ViaService": [f"sqs.{region}.{suffix}", f"scheduler.{region}.{suffix}"]
        }
    }
    alias = kms_alias_name(kms_key_arn)
    resource = kms_key_arn
    if alias is not None:
        resource = f"arn:{partition}:kms:{region}:{account}:key/*"
        conditions["ForAnyValue:StringEquals"] = {"kms:ResourceAliases": alias}
    return {
        "Sid": "UseDeadLetterQueueKey",
        "Effect": "Allow",
        "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
        "Resource": resource,
        "Condition": conditions,
    }


def execution_role_policy(
    *,
    partition: str,
    region: str,
    account: str,
    cluster_arn: str,
    cluster_name: str,
    task_family: str,
    queue_arn: str,
    kms_key_arn: str,
    passed_roles: Sequence[str | Lookup],
) -> PolicyDocument:
    """The five statements of DESIGN §4, each scoped to this job's resources only.

    ``passed_roles``: the task role, the execution role and every role named in overrides,
    as ARNs or lookups; duplicates are dropped, order is kept.
    """
    task_definition = f"arn:{partition}:ecs:{region}:{account}:task-definition/{task_family}"
    unique_roles: list[str | Lookup] = list(dict.fromkeys(passed_roles))
    return {
        "Version": POLICY_VERSION,
        "Statement": [
            {
                "Sid": "RunThisTaskFamilyInThisCluster",
                "Effect": "Allow",
                "Action": "ecs:RunTask",
                "Resource": [task_definition, f"{task_definition}:*"],
                "Condition": {"ArnEquals": {"ecs:cluster": cluster_arn}},
            },
            {
                "Sid": "TagTasksAtLaunch",
                "Effect": "Allow",
                "Action": "ecs:TagResource",
                "Resource": [
                    cluster_arn,
                    f"arn:{partition}:ecs:{region}:{account}:task/{cluster_name}/*",
                ],
                "Condition": {"StringEquals": {"ecs:CreateAction": "RunTask"}},
            },
            {
                "Sid": "SendToDeadLetterQueue",
                "Effect": "Allow",
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
            },
            _kms_statement(
                partition=partition, region=region, account=account, kms_key_arn=kms_key_arn
            ),
            {
                "Sid": "PassTaskRolesToEcsTasks",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": unique_roles,
                "Condition": {"StringEquals": {"iam:PassedToService": ECS_TASKS_PRINCIPAL}},
            },
        ],
    }


def dead_letter_queue_policy(
    *, partition: str, region: str, account: str, group: str, queue_arn: str
) -> PolicyDocument:
    """Only this group's schedules may write to the queue, and nobody may use it without TLS."""
    return {
        "Version": POLICY_VERSION,
        "Statement": [
            {
                "Sid": "AllowThisGroupsSchedulesToSend",
                "Effect": "Allow",
                "Principal": {"Service": SCHEDULER_PRINCIPAL},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {
                    "ArnLike": {
                        "aws:SourceArn": schedule_arn(partition, region, account, group, "*")
                    },
                    "StringEquals": {"aws:SourceAccount": account},
                },
            },
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sqs:*",
                "Resource": queue_arn,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
    }
