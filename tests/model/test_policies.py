"""The policies allow exactly what a scheduled ECS task needs, evaluated as IAM does."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecs_scheduler.resources import DesiredState, Resource, build, resolve_refs
from tests.model.factories import (
    ACCOUNT,
    CLUSTER_ARN,
    EXECUTION_ROLE,
    KEY_ARN,
    OVERRIDE_ROLE,
    REGION,
    TASK_ROLE,
    make_stack,
)
from tests.model.iam_evaluator import Decision, Request, evaluate

ALLOW = Decision.ALLOW
DENY = Decision.IMPLICIT_DENY
EXPLICIT_DENY = Decision.EXPLICIT_DENY

OTHER_ACCOUNT = "210987654321"
TASK_DEFINITION = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/report"
TASK = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/jobs/0123456789abcdef0123456789abcdef"
OTHER_CLUSTER = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/other"
SQS_VIA = {"kms:ViaService": f"sqs.{REGION}.amazonaws.com"}
SCHEDULER_VIA = {"kms:ViaService": f"scheduler.{REGION}.amazonaws.com"}
PAYLOAD_CONTEXT_KEY = "kms:EncryptionContext:aws:scheduler:schedule:arn"
TO_ECS_TASKS = {"iam:PassedToService": "ecs-tasks.amazonaws.com"}
RUN_IN_CLUSTER = {"ecs:cluster": CLUSTER_ARN}
CREATED_BY_RUN_TASK = {"ecs:CreateAction": "RunTask"}
ALIAS_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/ecs-scheduler"


def _desired(**fields: Any) -> DesiredState:
    job = {
        "task_role_arn": TASK_ROLE,
        "execution_role_arn": EXECUTION_ROLE,
        "additional_schedules": [
            {
                "name": "weekend",
                "schedule_expression": "cron(0 12 ? * SAT *)",
                "overrides": {"taskRoleArn": OVERRIDE_ROLE},
            }
        ],
        **fields,
    }
    return build(make_stack({"daily": job}))


def _resource(desired: DesiredState, resource_type: str) -> Resource:
    """The first resource of the type, with the refs to the job's resources resolved."""
    found = next(r for r in desired.resources.values() if r.type == resource_type)
    return dataclasses.replace(found, properties=resolve_refs(found.properties, desired.resources))


DESIRED = _desired()
EXECUTION_POLICY = _resource(DESIRED, "aws_iam_role_policy").properties["PolicyDocument"]
TRUST_POLICY = _resource(DESIRED, "aws_iam_role").properties["AssumeRolePolicyDocument"]
QUEUE_POLICY = _resource(DESIRED, "aws_sqs_queue_policy").properties["Policy"]
QUEUE_ARN = _resource(DESIRED, "aws_sqs_queue").arn
ROLE_ARN = _resource(DESIRED, "aws_iam_role").arn
GROUP = _resource(DESIRED, "aws_scheduler_schedule_group").aws_name
GROUP_ARN = _resource(DESIRED, "aws_scheduler_schedule_group").arn
SCHEDULE_ARN = resolve_refs(DESIRED.outputs["daily"]["schedule_arns"][""], DESIRED.resources)
OTHER_GROUP_SCHEDULE = f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/other-group/daily"


def _payload(schedule_arn: str = SCHEDULE_ARN) -> dict[str, str]:
    """What Scheduler sends KMS, with the role's session, to decrypt a schedule's payload."""
    return {PAYLOAD_CONTEXT_KEY: schedule_arn}


EXECUTION_ROLE_REQUESTS: list[tuple[str, Request, Decision]] = [
    # ecs:RunTask: this family, any revision, only in this cluster.
    ("run pinned revision", Request("ecs:RunTask", f"{TASK_DEFINITION}:3", RUN_IN_CLUSTER), ALLOW),
    # Since March 2024 ECS authorises the resolved revision: a bare family is never requested.
    (
        "a bare family matches nothing",
        Request("ecs:RunTask", TASK_DEFINITION, RUN_IN_CLUSTER),
        DENY,
    ),
    (
        "run a later revision",
        Request("ecs:RunTask", f"{TASK_DEFINITION}:128", RUN_IN_CLUSTER),
        ALLOW,
    ),
    (
        "action names ignore case",
        Request("ECS:runtask", f"{TASK_DEFINITION}:3", RUN_IN_CLUSTER),
        ALLOW,
    ),
    (
        "run in another cluster",
        Request("ecs:RunTask", f"{TASK_DEFINITION}:3", {"ecs:cluster": OTHER_CLUSTER}),
        DENY,
    ),
    ("run without a cluster", Request("ecs:RunTask", f"{TASK_DEFINITION}:3"), DENY),
    (
        "run a family sharing the prefix",
        Request("ecs:RunTask", f"{TASK_DEFINITION}-v2:1", RUN_IN_CLUSTER),
        DENY,
    ),
    (
        "run another family",
        Request(
            "ecs:RunTask", f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/x:1", RUN_IN_CLUSTER
        ),
        DENY,
    ),
    (
        "run the family of another account",
        Request(
            "ecs:RunTask",
            f"arn:aws:ecs:{REGION}:{OTHER_ACCOUNT}:task-definition/report:1",
            RUN_IN_CLUSTER,
        ),
        DENY,
    ),
    (
        "run the family in another region",
        Request(
            "ecs:RunTask",
            f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/report:1",
            RUN_IN_CLUSTER,
        ),
        DENY,
    ),
    ("stop a task", Request("ecs:StopTask", TASK, RUN_IN_CLUSTER), DENY),
    ("start a task", Request("ecs:StartTask", f"{TASK_DEFINITION}:3", RUN_IN_CLUSTER), DENY),
    # ecs:TagResource: only while RunTask creates the task.
    ("tag a task at launch", Request("ecs:TagResource", TASK, CREATED_BY_RUN_TASK), ALLOW),
    (
        "tag the cluster (RunTask never does)",
        Request("ecs:TagResource", CLUSTER_ARN, CREATED_BY_RUN_TASK),
        DENY,
    ),
    ("tag a running task later", Request("ecs:TagResource", TASK), DENY),
    (
        "tag a task created otherwise",
        Request("ecs:TagResource", TASK, {"ecs:CreateAction": "StartTask"}),
        DENY,
    ),
    (
        "tag a task of another cluster",
        Request(
            "ecs:TagResource", f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/other/abc", CREATED_BY_RUN_TASK
        ),
        DENY,
    ),
    ("untag a task", Request("ecs:UntagResource", TASK, CREATED_BY_RUN_TASK), DENY),
    # sqs:SendMessage: only to this job's dead-letter queue.
    ("send to the dead-letter queue", Request("sqs:SendMessage", QUEUE_ARN), ALLOW),
    (
        "send to another queue",
        Request("sqs:SendMessage", f"arn:aws:sqs:{REGION}:{ACCOUNT}:other-queue"),
        DENY,
    ),
    ("read the dead-letter queue", Request("sqs:ReceiveMessage", QUEUE_ARN), DENY),
    ("purge the dead-letter queue", Request("sqs:PurgeQueue", QUEUE_ARN), DENY),
    # KMS for the queue: a producer's two actions, only through SQS in this region.
    ("decrypt through SQS", Request("kms:Decrypt", KEY_ARN, SQS_VIA), ALLOW),
    ("data key through SQS", Request("kms:GenerateDataKey", KEY_ARN, SQS_VIA), ALLOW),
    ("encrypt through SQS (producers never do)", Request("kms:Encrypt", KEY_ARN, SQS_VIA), DENY),
    ("data key through Scheduler", Request("kms:GenerateDataKey", KEY_ARN, SCHEDULER_VIA), DENY),
    # KMS for schedule payloads: only Decrypt, only with a schedule of this group as context.
    ("decrypt this group's payload", Request("kms:Decrypt", KEY_ARN, _payload()), ALLOW),
    (
        "decrypt a payload of any schedule of this group",
        Request("kms:Decrypt", KEY_ARN, _payload(f"{SCHEDULE_ARN}_weekend")),
        ALLOW,
    ),
    (
        "decrypt another group's payload",
        Request("kms:Decrypt", KEY_ARN, _payload(OTHER_GROUP_SCHEDULE)),
        DENY,
    ),
    (
        "decrypt a payload of another account",
        Request(
            "kms:Decrypt",
            KEY_ARN,
            _payload(SCHEDULE_ARN.replace(f":{ACCOUNT}:", f":{OTHER_ACCOUNT}:")),
        ),
        DENY,
    ),
    ("data key for a payload", Request("kms:GenerateDataKey", KEY_ARN, _payload()), DENY),
    ("encrypt a payload", Request("kms:Encrypt", KEY_ARN, _payload()), DENY),
    (
        "decrypt with another context",
        Request("kms:Decrypt", KEY_ARN, {"kms:EncryptionContext:aws:sqs:arn": QUEUE_ARN}),
        DENY,
    ),
    (
        "decrypt through S3",
        Request("kms:Decrypt", KEY_ARN, {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}),
        DENY,
    ),
    (
        "decrypt through SQS of another region",
        Request("kms:Decrypt", KEY_ARN, {"kms:ViaService": "sqs.us-east-1.amazonaws.com"}),
        DENY,
    ),
    ("decrypt directly", Request("kms:Decrypt", KEY_ARN), DENY),
    (
        "decrypt with another key",
        Request("kms:Decrypt", f"arn:aws:kms:{REGION}:{ACCOUNT}:key/other", SQS_VIA),
        DENY,
    ),
    ("grant on the key", Request("kms:CreateGrant", KEY_ARN, SQS_VIA), DENY),
    ("re-encrypt with the key", Request("kms:ReEncryptFrom", KEY_ARN, SQS_VIA), DENY),
    # iam:PassRole: the task's roles, only to ECS tasks.
    ("pass the task role to ECS tasks", Request("iam:PassRole", TASK_ROLE, TO_ECS_TASKS), ALLOW),
    (
        "pass the execution role to ECS tasks",
        Request("iam:PassRole", EXECUTION_ROLE, TO_ECS_TASKS),
        ALLOW,
    ),
    (
        "pass an override's role to ECS tasks",
        Request("iam:PassRole", OVERRIDE_ROLE, TO_ECS_TASKS),
        ALLOW,
    ),
    (
        "pass the task role to Lambda",
        Request("iam:PassRole", TASK_ROLE, {"iam:PassedToService": "lambda.amazonaws.com"}),
        DENY,
    ),
    ("pass the task role to no service", Request("iam:PassRole", TASK_ROLE), DENY),
    (
        "pass another role to ECS tasks",
        Request("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/admin", TO_ECS_TASKS),
        DENY,
    ),
    ("pass the scheduler's own role", Request("iam:PassRole", ROLE_ARN, TO_ECS_TASKS), DENY),
    ("create a role", Request("iam:CreateRole", f"arn:aws:iam::{ACCOUNT}:role/x"), DENY),
]


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        pytest.param(request, expected, id=label)
        for label, request, expected in EXECUTION_ROLE_REQUESTS
    ],
)
def test_execution_role_policy_allows_exactly_the_intended_requests(
    request_: Request, expected: Decision
) -> None:
    assert evaluate(EXECUTION_POLICY, request_) == expected


def test_the_request_table_covers_every_statement_and_both_outcomes() -> None:
    decisions = [expected for _, _, expected in EXECUTION_ROLE_REQUESTS]
    assert len(EXECUTION_ROLE_REQUESTS) >= 30
    assert decisions.count(ALLOW) >= 10
    assert decisions.count(DENY) >= 20


def test_execution_role_policy_has_exactly_the_six_statements_and_no_wildcard_resource() -> None:
    statements = EXECUTION_POLICY["Statement"]
    schedules = SCHEDULE_ARN.rsplit("/", 1)[0] + "/*"
    assert statements[:5] == [
        {
            "Sid": "RunThisTaskFamilyInThisCluster",
            "Effect": "Allow",
            "Action": "ecs:RunTask",
            "Resource": f"{TASK_DEFINITION}:*",
            "Condition": {"ArnEquals": {"ecs:cluster": CLUSTER_ARN}},
        },
        {
            "Sid": "TagTasksAtLaunch",
            "Effect": "Allow",
            "Action": "ecs:TagResource",
            "Resource": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/jobs/*",
            "Condition": {"StringEquals": {"ecs:CreateAction": "RunTask"}},
        },
        {
            "Sid": "SendToDeadLetterQueue",
            "Effect": "Allow",
            "Action": "sqs:SendMessage",
            "Resource": QUEUE_ARN,
        },
        {
            "Sid": "UseKeyForDeadLetterQueue",
            "Effect": "Allow",
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
            "Resource": KEY_ARN,
            "Condition": {"StringEquals": SQS_VIA},
        },
        {
            "Sid": "DecryptThisGroupsSchedulePayloads",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": KEY_ARN,
            "Condition": {"ArnLike": {PAYLOAD_CONTEXT_KEY: schedules}},
        },
    ]
    assert schedules == f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/{GROUP}/*"
    assert statements[5]["Sid"] == "PassTaskRolesToEcsTasks"
    assert len(statements) == 6
    resources = [r for s in statements for r in _listed(s["Resource"])]
    assert "*" not in resources
    assert statements[5]["Resource"] == [TASK_ROLE, EXECUTION_ROLE, OVERRIDE_ROLE]


def test_a_pinned_revision_is_the_only_one_the_role_may_run() -> None:
    pinned = _desired(task_definition_revision=7)
    policy = _resource(pinned, "aws_iam_role_policy").properties["PolicyDocument"]
    assert policy["Statement"][0]["Resource"] == f"{TASK_DEFINITION}:7"
    for revision, expected in (("7", ALLOW), ("8", DENY), ("*", DENY)):
        request = Request("ecs:RunTask", f"{TASK_DEFINITION}:{revision}", RUN_IN_CLUSTER)
        assert evaluate(policy, request) == expected, revision


def test_every_schedule_is_encrypted_with_the_jobs_key() -> None:
    schedules = [r for r in DESIRED.resources.values() if r.type == "aws_scheduler_schedule"]
    assert len(schedules) == 2
    assert {schedule.properties["KmsKeyArn"] for schedule in schedules} == {KEY_ARN}
    for schedule in schedules:
        request = Request("kms:Decrypt", KEY_ARN, _payload(schedule.arn))
        assert evaluate(EXECUTION_POLICY, request) == ALLOW, schedule.address


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_pass_role_lists_each_role_once() -> None:
    desired = _desired(overrides={"taskRoleArn": TASK_ROLE, "executionRoleArn": OVERRIDE_ROLE})
    policy = _resource(desired, "aws_iam_role_policy").properties["PolicyDocument"]
    assert policy["Statement"][5]["Resource"] == [TASK_ROLE, EXECUTION_ROLE, OVERRIDE_ROLE]


ALIAS_POLICY = _resource(_desired(kms_key_arn=ALIAS_ARN), "aws_iam_role_policy").properties[
    "PolicyDocument"
]
SOME_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/5678efgh-12ab-34cd-56ef-1234567890ab"


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        pytest.param(
            Request(
                "kms:Decrypt", SOME_KEY, {**SQS_VIA, "kms:ResourceAliases": ["alias/ecs-scheduler"]}
            ),
            ALLOW,
            id="the aliased key through SQS",
        ),
        pytest.param(
            Request(
                "kms:GenerateDataKey",
                SOME_KEY,
                {**SQS_VIA, "kms:ResourceAliases": ["alias/other", "alias/ecs-scheduler"]},
            ),
            ALLOW,
            id="a key with several aliases, ours among them",
        ),
        pytest.param(
            Request(
                "kms:Decrypt",
                SOME_KEY,
                {**_payload(), "kms:ResourceAliases": ["alias/ecs-scheduler"]},
            ),
            ALLOW,
            id="a payload with the aliased key",
        ),
        pytest.param(
            Request(
                "kms:Decrypt", SOME_KEY, {**_payload(), "kms:ResourceAliases": ["alias/other"]}
            ),
            DENY,
            id="a payload with a key of another alias",
        ),
        pytest.param(
            Request("kms:Decrypt", SOME_KEY, {**SQS_VIA, "kms:ResourceAliases": ["alias/other"]}),
            DENY,
            id="a key with another alias",
        ),
        pytest.param(Request("kms:Decrypt", SOME_KEY, SQS_VIA), DENY, id="a key without alias"),
        pytest.param(
            Request(
                "kms:Decrypt",
                f"arn:aws:kms:{REGION}:{OTHER_ACCOUNT}:key/x",
                {**SQS_VIA, "kms:ResourceAliases": ["alias/ecs-scheduler"]},
            ),
            DENY,
            id="a key of that alias name in another account",
        ),
        pytest.param(
            Request("kms:Decrypt", SOME_KEY, {"kms:ResourceAliases": ["alias/ecs-scheduler"]}),
            DENY,
            id="the aliased key directly",
        ),
    ],
)
def test_an_alias_grants_only_the_key_it_names(request_: Request, expected: Decision) -> None:
    assert evaluate(ALIAS_POLICY, request_) == expected


def _send(
    principal_arn: str | None,
    *,
    tls: bool = True,
    action: str = "sqs:SendMessage",
    service: str | None = None,
) -> Request:
    """A request to the queue by an IAM principal (a role session presents its role's ARN)."""
    context = {"aws:SecureTransport": "true" if tls else "false"}
    if principal_arn is not None:
        context["aws:PrincipalArn"] = principal_arn
    return Request(
        action, QUEUE_ARN, context, principal_service=service, principal_arn=principal_arn
    )


ADMIN = f"arn:aws:iam::{ACCOUNT}:role/admin"


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        pytest.param(_send(ROLE_ARN), ALLOW, id="the execution role"),
        pytest.param(_send(ADMIN), EXPLICIT_DENY, id="another role of the account"),
        pytest.param(
            _send(f"arn:aws:iam::{OTHER_ACCOUNT}:role/{ROLE_ARN.rsplit('/', 1)[1]}"),
            EXPLICIT_DENY,
            id="a role of that name in another account",
        ),
        pytest.param(
            _send(None, service="scheduler.amazonaws.com"),
            EXPLICIT_DENY,
            id="the Scheduler service principal",
        ),
        pytest.param(_send(ROLE_ARN, tls=False), EXPLICIT_DENY, id="the role without TLS"),
        pytest.param(
            _send(ROLE_ARN, action="sqs:ReceiveMessage"), DENY, id="the role reading (not granted)"
        ),
        pytest.param(
            _send(ADMIN, action="sqs:ReceiveMessage"), DENY, id="an administrator reading (IAM)"
        ),
        pytest.param(
            _send(ADMIN, action="sqs:ReceiveMessage", tls=False),
            EXPLICIT_DENY,
            id="anyone without TLS",
        ),
    ],
)
def test_queue_policy_admits_only_the_execution_role_over_tls(
    request_: Request, expected: Decision
) -> None:
    assert evaluate(QUEUE_POLICY, request_) == expected


def _assume(
    source_arn: str, account: str = ACCOUNT, service: str = "scheduler.amazonaws.com"
) -> Request:
    return Request(
        "sts:AssumeRole",
        ROLE_ARN,
        {"aws:SourceArn": source_arn, "aws:SourceAccount": account},
        principal_service=service,
    )


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        pytest.param(_assume(GROUP_ARN), ALLOW, id="scheduler for this group"),
        pytest.param(
            _assume(f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule-group/other"),
            DENY,
            id="scheduler for another group",
        ),
        pytest.param(_assume(GROUP_ARN, account=OTHER_ACCOUNT), DENY, id="another account"),
        pytest.param(_assume(GROUP_ARN, service="ecs-tasks.amazonaws.com"), DENY, id="ECS tasks"),
        pytest.param(
            Request("sts:AssumeRole", ROLE_ARN, principal_service="scheduler.amazonaws.com"),
            DENY,
            id="no source",
        ),
    ],
)
def test_trust_policy_prevents_the_confused_deputy(request_: Request, expected: Decision) -> None:
    assert evaluate(TRUST_POLICY, request_) == expected


def test_trust_policy_names_this_group_as_documented_by_aws() -> None:
    condition = TRUST_POLICY["Statement"][0]["Condition"]
    assert condition == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnEquals": {"aws:SourceArn": GROUP_ARN},
    }
    assert GROUP_ARN.endswith(f":schedule-group/{GROUP}")


def test_partition_of_the_cluster_is_used_everywhere() -> None:
    china = "arn:aws-cn:ecs:cn-north-1:123456789012:cluster/jobs"
    desired = build(
        make_stack(
            {
                "daily": {
                    "ecs_cluster_arn": china,
                    "kms_key_arn": "arn:aws-cn:kms:cn-north-1:123456789012:alias/k",
                    "task_role_arn": "arn:aws-cn:iam::123456789012:role/t",
                    "execution_role_arn": "arn:aws-cn:iam::123456789012:role/e",
                }
            }
        )
    )
    for resource in desired.resources.values():
        assert resource.arn.startswith("arn:aws-cn:")
    policy = _resource(desired, "aws_iam_role_policy").properties["PolicyDocument"]
    assert policy["Statement"][3]["Condition"]["StringEquals"]["kms:ViaService"] == (
        "sqs.cn-north-1.amazonaws.com.cn"
    )
    assert policy["Statement"][4]["Condition"]["ArnLike"][PAYLOAD_CONTEXT_KEY].startswith(
        "arn:aws-cn:scheduler:cn-north-1:123456789012:schedule/"
    )
    assert resolve_refs(desired.outputs["daily"]["dlq_url"], desired.resources).startswith(
        "https://sqs.cn-north-1.amazonaws.com.cn/"
    )


role_names = st.from_regex(r"[A-Za-z0-9+=,.@_-]{1,64}", fullmatch=True)


@given(
    task_role=role_names,
    execution_role=role_names,
    override_roles=st.lists(role_names, max_size=3),
    stranger=role_names,
)
@settings(max_examples=50, deadline=None)
def test_pass_role_is_allowed_for_exactly_the_configured_roles(
    task_role: str, execution_role: str, override_roles: list[str], stranger: str
) -> None:
    def arn(name: str) -> str:
        return f"arn:aws:iam::{ACCOUNT}:role/{name}"

    schedules = [
        {
            "name": f"extra{index}",
            "schedule_expression": "rate(1 day)",
            "overrides": {"taskRoleArn": arn(role)},
        }
        for index, role in enumerate(override_roles)
    ]
    desired = build(
        make_stack(
            {
                "job": {
                    "task_role_arn": arn(task_role),
                    "execution_role_arn": arn(execution_role),
                    "additional_schedules": schedules,
                }
            }
        )
    )
    policy = _resource(desired, "aws_iam_role_policy").properties["PolicyDocument"]
    configured = {task_role, execution_role, *override_roles}
    for name in [*configured, stranger]:
        expected = ALLOW if name in configured else DENY
        assert evaluate(policy, Request("iam:PassRole", arn(name), TO_ECS_TASKS)) == expected
