"""Every policy document of a job, built once here and used by apply and both exports.

The documents are plain dicts (``Version`` 2012-10-17, a ``Sid`` on every statement). A role
that is only known from the task definition appears as a :class:`~ecs_scheduler.resources.Lookup`
inside a ``Resource`` list; an ARN of one of the job's own resources is a
:class:`~ecs_scheduler.resources.Ref` to it; :func:`ecs_scheduler.resources.resolve` substitutes
both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from ecs_scheduler.resources import Lookup, Ref

POLICY_VERSION: Final = "2012-10-17"
SCHEDULER_PRINCIPAL: Final = "scheduler.amazonaws.com"
ECS_TASKS_PRINCIPAL: Final = "ecs-tasks.amazonaws.com"
# The encryption context Scheduler binds to a schedule's payload: the schedule's ARN.
SCHEDULE_ENCRYPTION_CONTEXT_KEY: Final = "aws:scheduler:schedule:arn"

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


def queue_url(partition: str, region: str, account: str, queue: str) -> str:
    """The URL SQS gives a queue (``https://sqs.<region>.<dns suffix>/<account>/<name>``)."""
    return f"https://sqs.{region}.{dns_suffix(partition)}/{account}/{queue}"


def kms_alias_name(kms_key_arn: str) -> str | None:
    """``alias/<name>`` when the ARN names an alias rather than a key, else None."""
    resource = kms_key_arn.split(":", 5)[5]
    return resource if resource.startswith("alias/") else None


def trust_policy(*, account: str, group_arn: str | Ref) -> PolicyDocument:
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
                    "ArnEquals": {"aws:SourceArn": group_arn},
                },
            }
        ],
    }


def _key_scope(
    *, partition: str, region: str, account: str, kms_key_arn: str
) -> tuple[str, dict[str, dict[str, Any]]]:
    """The ``Resource`` and extra conditions that name the job's key in a KMS statement.

    IAM matches KMS requests against the key ARN, never an alias ARN, so a configured alias
    becomes "any key of this account and region that carries this alias".
    """
    alias = kms_alias_name(kms_key_arn)
    if alias is None:
        return kms_key_arn, {}
    return (
        f"arn:{partition}:kms:{region}:{account}:key/*",
        {"ForAnyValue:StringEquals": {"kms:ResourceAliases": alias}},
    )


def _queue_key_statement(
    *, partition: str, region: str, account: str, kms_key_arn: str
) -> PolicyDocument:
    """Write to (and read back from) the SSE-KMS dead-letter queue, only through SQS.

    A producer of an encrypted queue needs GenerateDataKey and Decrypt, not Encrypt (Amazon SQS
    Developer Guide, "Key management": permissions for producers).
    """
    resource, alias_condition = _key_scope(
        partition=partition, region=region, account=account, kms_key_arn=kms_key_arn
    )
    return {
        "Sid": "UseKeyForDeadLetterQueue",
        "Effect": "Allow",
        "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
        "Resource": resource,
        "Condition": {
            "StringEquals": {"kms:ViaService": f"sqs.{region}.{dns_suffix(partition)}"},
            **alias_condition,
        },
    }


def _schedule_key_statement(
    *, partition: str, region: str, account: str, group: str, kms_key_arn: str
) -> PolicyDocument:
    """Decrypt the target payload of this group's schedules, and nothing else.

    Scheduler decrypts a payload encrypted with a customer managed key by calling
    ``kms:Decrypt`` itself with the execution role's session, with the encryption context
    ``aws:scheduler:schedule:arn`` = the schedule's ARN (EventBridge Scheduler User Guide,
    "Encryption at rest": execution role permissions and the CloudTrail event example).
    """
    resource, alias_condition = _key_scope(
        partition=partition, region=region, account=account, kms_key_arn=kms_key_arn
    )
    return {
        "Sid": "DecryptThisGroupsSchedulePayloads",
        "Effect": "Allow",
        "Action": "kms:Decrypt",
        "Resource": resource,
        "Condition": {
            "ArnLike": {
                f"kms:EncryptionContext:{SCHEDULE_ENCRYPTION_CONTEXT_KEY}": schedule_arn(
                    partition, region, account, group, "*"
                )
            },
            **alias_condition,
        },
    }


def task_definition_resource(
    *, partition: str, region: str, account: str, task_family: str, revision: int | None
) -> str:
    """What ``ecs:RunTask`` is granted on: the pinned revision, or every revision (``:*``).

    Since March 21, 2024 ECS resolves the revision before it authorises RunTask (ECS API
    Reference, RunTask), so a family ARN without a revision matches no request.
    """
    return (
        f"arn:{partition}:ecs:{region}:{account}:task-definition/{task_family}:"
        f"{'*' if revision is None else revision}"
    )


def execution_role_policy(
    *,
    partition: str,
    region: str,
    account: str,
    cluster_arn: str,
    cluster_name: str,
    task_family: str,
    task_revision: int | None,
    group: str,
    queue_arn: str | Ref,
    kms_key_arn: str,
    passed_roles: Sequence[str | Lookup],
) -> PolicyDocument:
    """The execution role's six statements (docs/aws.md), each scoped to this job's resources only.

    ``passed_roles``: the task role, the execution role and every role named in overrides,
    as ARNs or lookups; duplicates are dropped, order is kept.
    """
    unique_roles: list[str | Lookup] = list(dict.fromkeys(passed_roles))
    return {
        "Version": POLICY_VERSION,
        "Statement": [
            {
                "Sid": "RunThisTaskFamilyInThisCluster",
                "Effect": "Allow",
                "Action": "ecs:RunTask",
                "Resource": task_definition_resource(
                    partition=partition,
                    region=region,
                    account=account,
                    task_family=task_family,
                    revision=task_revision,
                ),
                "Condition": {"ArnEquals": {"ecs:cluster": cluster_arn}},
            },
            {
                # RunTask tags only the task it creates, never the cluster (Amazon ECS
                # Developer Guide, "Grant permission to tag resources on creation").
                "Sid": "TagTasksAtLaunch",
                "Effect": "Allow",
                "Action": "ecs:TagResource",
                "Resource": f"arn:{partition}:ecs:{region}:{account}:task/{cluster_name}/*",
                "Condition": {"StringEquals": {"ecs:CreateAction": "RunTask"}},
            },
            {
                # The execution role, not scheduler.amazonaws.com, sends dead-letter events
                # (EventBridge Scheduler User Guide, "Configuring a dead-letter queue").
                "Sid": "SendToDeadLetterQueue",
                "Effect": "Allow",
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
            },
            _queue_key_statement(
                partition=partition, region=region, account=account, kms_key_arn=kms_key_arn
            ),
            _schedule_key_statement(
                partition=partition,
                region=region,
                account=account,
                group=group,
                kms_key_arn=kms_key_arn,
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


def dead_letter_queue_policy(*, queue_arn: str | Ref, role_arn: str | Ref) -> PolicyDocument:
    """Only the job's execution role may write to the queue; nobody may use it without TLS.

    Scheduler sends dead-letter events with the execution role's session, so the role is the
    one writer. ``aws:PrincipalArn`` of a role session is the role's ARN (IAM User Guide,
    "AWS global condition context keys"); a principal that presents none is denied too.
    """
    return {
        "Version": POLICY_VERSION,
        "Statement": [
            {
                "Sid": "AllowTheExecutionRoleToSend",
                "Effect": "Allow",
                "Principal": {"AWS": role_arn},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
            },
            {
                "Sid": "DenySendingByAnyoneElse",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnNotEquals": {"aws:PrincipalArn": role_arn}},
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
